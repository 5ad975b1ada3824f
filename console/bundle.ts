import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

/** The page's script and styles, bundled from console/page at start-up (esbuild takes a fraction of a second). */
export async function bundlePage(): Promise<{ script: string; css: string }> {
  const result = await build({
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
