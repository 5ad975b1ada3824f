import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

let bundled: Promise<{ script: string; css: string }> | undefined;

/**
 * The page's script and styles, bundled from console/page at the first start-up of a process (esbuild takes a
 * fraction of a second) and kept for later ones.
 */
export function bundlePage(): Promise<{ script: string; css: string }> {
  bundled ??= build().catch((error: unknown) => {
    bundled = undefined;
    throw error;
  });
  return bundled;
}

async function build(): Promise<{ script: string; css: string }> {
  const result = await esbuild.build({
    entryPoints: [join(__dirname, 'page', 'main.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent',
  });
  const css = [
    readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
    readFileSync(join(__dirname, 'page', 'style.css'), 'utf8'),
  ].join('\n');
  return { script: result.outputFiles[0]!.text, css };
}
