/**
 * How the emulator's process learns an application's declarations without running its modules: a throwaway worker
 * thread loads the application (its topic catalog and every handler module, as synth does) and sends back the
 * settled declarations as plain data (AppPlan). A handler module's top-level code then runs only in that worker and
 * in its own function's containers, as it runs on Lambda only in its own execution environments: its variables,
 * timers, connections and globals never reach another function or the emulator.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { AppPlan } from '../declarations/app-plan';
import { DeclarationError } from '../errors';

/** What the worker answers. */
export type LearnedApp =
  { ok: true; plan: AppPlan } | { ok: false; error: { name: string; message: string; stack?: string } };

/** The application's modules are TypeScript: the worker registers tsx's loader, as the command line does. */
const bootstrap = (workerFile: string): string =>
  `require(${JSON.stringify(require.resolve('tsx/cjs'))});\nrequire(${JSON.stringify(workerFile)});\n`;

/** The error the worker met, as the one thrown where the application was loaded (a DeclarationError stays one). */
function rebuilt(error: { name: string; message: string; stack?: string }): Error {
  const rebuiltError: Error =
    error.name === 'DeclarationError'
      ? Object.setPrototypeOf(new Error(error.message), DeclarationError.prototype)
      : new Error(error.message);
  rebuiltError.name = error.name;
  if (error.stack) rebuiltError.stack = error.stack;
  return rebuiltError;
}

/** Loads the application in a throwaway worker and resolves with its plan; rejects as loading it would. */
export async function learnApp(appDir: string): Promise<AppPlan> {
  const worker = new Worker(bootstrap(join(__dirname, 'learn-app-worker.ts')), {
    eval: true,
    workerData: { appDir },
    // Not this process's loader flags: the bootstrap registers the one loader it needs.
    execArgv: [],
    // The environment synth would load the application with: this process's, as its code sees it (a test
    // runner's sandbox may hold its own copy), copied, so what the modules set stays in the worker.
    env: process.env,
  });
  try {
    const answer = await new Promise<LearnedApp>((resolve, reject) => {
      worker.once('message', (text: string) => resolve(JSON.parse(text) as LearnedApp));
      worker.once('error', reject);
      worker.once('exit', (code) =>
        reject(new Error(`loading the application in ${appDir} ended (exit ${code}) before it answered`)),
      );
    });
    if (!answer.ok) throw rebuilt(answer.error);
    return answer.plan;
  } finally {
    // Whatever the modules started (timers, connections) ends with the worker.
    await worker.terminate();
  }
}
