/**
 * The operations function's entry module, written for one application: it imports the topic catalog (for codecs
 * and schemas) and the function's module, and holds the application's plan as data. infra bundles it with esbuild
 * as any function, and the local stack runs the same file in a container. Its name carries a digest of its text,
 * so a changed plan is a new file (and a new bundle), and the same plan always yields the same bytes.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { AppManifest } from '../declarations/app';
import type { AppPlan } from '../declarations/app-plan';

const FUNCTION_MODULE = resolve(__dirname, 'function');

/**
 * The application folder of a loaded manifest: loadApp reads `<dir>/topics.ts` and `<dir>/handlers/*.ts`, so every
 * handler's entry sits two levels below it. Undefined without handlers, or when they disagree.
 */
export function appDirOf(manifest: AppManifest): string | undefined {
  const dirs = new Set(manifest.handlers.map((h) => dirname(dirname(h.entry))));
  return dirs.size === 1 ? [...dirs][0] : undefined;
}

/** The catalog module of an application folder (`topics.ts`, or `topics.js` in a compiled one). */
export function catalogOf(appDir: string): string {
  const ts = join(appDir, 'topics.ts');
  return existsSync(ts) ? ts : join(appDir, 'topics.js');
}

export function operationsEntrySource(plan: AppPlan, catalog: string): string {
  const specifier = (path: string): string => JSON.stringify(path.replace(/\.(ts|js)$/, ''));
  return `// Written by kafka-lambda (shared/operations/function-entry.ts): the operations function of one application.
import * as catalog from ${specifier(catalog)};
import { operationsHandler } from ${specifier(FUNCTION_MODULE)};

export const handler = operationsHandler({ plan: ${JSON.stringify(plan)}, catalog });
`;
}

/** Writes the entry into `dir` (once per distinct text) and returns its path. */
export function writeOperationsEntry(plan: AppPlan, catalog: string, dir: string): string {
  const source = operationsEntrySource(plan, catalog);
  const digest = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const file = join(dir, `operations-${digest}.ts`);
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    const scratch = `${file}.${process.pid}`;
    writeFileSync(scratch, source);
    // Renamed into place: another process may be bundling the same entry meanwhile.
    renameSync(scratch, file);
  }
  return file;
}
