/**
 * A handler's code as Lambda runs it: one esbuild bundle with the settings infra deploys with (FUNCTION_BUNDLE and
 * the same external modules), so a module that does not bundle, or needs a package its deployed bundle leaves out,
 * fails here as it would on AWS; and a container starts by loading one JavaScript file instead of compiling
 * TypeScript, so a cold start costs what the deployed bundle's init costs.
 * The container (container.ts) is the bundle's entry and requires the handler module by a specifier resolved here,
 * so both share one copy of the framework (the invocation report, the producer the container closes).
 * Bundles are cached under the local home, keyed by what they are built from and checked against their input
 * files, so starting the emulator again does not bundle again.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { build, version as esbuildVersion, type Metafile, type Plugin } from 'esbuild';
import { FUNCTION_BUNDLE } from '../declarations/bundling';
import { localHome } from '../local-home';
import type { FunctionError } from './container-protocol';

export type BundleResult = { ok: true; file: string } | { ok: false; error: FunctionError };

/** The specifier container.ts requires, resolved to the handler's module. */
function handlerModule(entry: string): Plugin {
  return {
    name: 'handler-module',
    setup(b) {
      b.onResolve({ filter: /^kafka-lambda:handler-module$/ }, () => ({ path: entry }));
    },
  };
}

/** Each input file's size and modification time: the bundle is current while they all match. */
type Inputs = Record<string, [size: number, mtimeMs: number]>;

async function fingerprint(paths: readonly string[]): Promise<Inputs | undefined> {
  try {
    // All at once: a bundle has a thousand inputs, and one stat after another took half a second of each start.
    const stats = await Promise.all(paths.map((path) => stat(path)));
    return Object.fromEntries(paths.map((path, i) => [path, [stats[i]!.size, stats[i]!.mtimeMs]]));
  } catch {
    return undefined; // an input is gone: bundle again
  }
}

async function isCurrent(inputsFile: string): Promise<boolean> {
  const recorded = await readFile(inputsFile, 'utf8').then(
    (text) => JSON.parse(text) as Inputs,
    () => undefined,
  );
  if (!recorded) return false;
  const now = await fingerprint(Object.keys(recorded));
  return now !== undefined && JSON.stringify(now) === JSON.stringify(recorded);
}

function importModuleError(entry: string, error: unknown): FunctionError {
  const { errors } = error as {
    errors?: { text: string; location?: { file: string; line: number } | null }[];
  };
  const detail = errors?.length
    ? errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}: ${e.text}` : e.text)).join('; ')
    : String(error);
  return { errorType: 'Runtime.ImportModuleError', errorMessage: `${entry} does not bundle: ${detail}` };
}

/**
 * The bundle of a handler module as its files are now: the cached one when every input is unchanged, a new one
 * otherwise. A build error comes back as Lambda's ImportModuleError for the invocation to report.
 */
export async function bundleFunction(entry: string, external: readonly string[]): Promise<BundleResult> {
  const key = createHash('sha256')
    .update(JSON.stringify([entry, external, FUNCTION_BUNDLE, esbuildVersion]))
    .digest('hex')
    .slice(0, 16);
  const dir = join(localHome(), 'function-bundles', key);
  const file = join(dir, 'function.js');
  const inputsFile = join(dir, 'inputs.json');
  if (await isCurrent(inputsFile)) return { ok: true, file };

  // Written aside and renamed: another emulator may be loading this bundle meanwhile.
  const unique = `${process.pid}-${Date.now()}`;
  const scratchDir = join(dir, `build-${unique}`);
  const scratch = join(scratchDir, 'function.js');
  let metafile: Metafile;
  try {
    ({ metafile } = await build({
      ...FUNCTION_BUNDLE,
      entryPoints: [join(__dirname, 'container.ts')],
      outfile: scratch,
      bundle: true,
      platform: 'node',
      external: [...external],
      metafile: true,
      logLevel: 'silent',
      plugins: [handlerModule(entry)],
    }));
  } catch (error) {
    await rm(scratchDir, { recursive: true, force: true });
    return { ok: false, error: importModuleError(entry, error) };
  }
  const inputs = await fingerprint(Object.keys(metafile.inputs).map((path) => resolve(path)));
  await rename(`${scratch}.map`, `${file}.map`);
  await rename(scratch, file);
  if (inputs) {
    await writeFile(join(scratchDir, 'inputs.json'), JSON.stringify(inputs));
    await rename(join(scratchDir, 'inputs.json'), inputsFile);
  }
  await rm(scratchDir, { recursive: true, force: true });
  return { ok: true, file };
}
