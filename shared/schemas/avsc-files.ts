/**
 * `import schema from './alerts.avsc'`: an Avro schema file is JSON. Function bundles read it with esbuild's JSON
 * loader (FUNCTION_BUNDLE.loader) and Jest with test/support/avsc-transform.cjs; under Node (tsx: the command line,
 * synth) this teaches CommonJS `require` the extension, before the application's modules load.
 */
import { readFileSync } from 'node:fs';

type Loader = (module: { exports: unknown }, filename: string) => void;
const extensions = (require as unknown as { extensions?: Record<string, Loader> }).extensions;
if (extensions && !extensions['.avsc'])
  extensions['.avsc'] = (module, filename) => {
    module.exports = JSON.parse(readFileSync(filename, 'utf8')) as unknown;
  };
