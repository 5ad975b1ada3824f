/**
 * The README's snippets import the framework only through its front doors (DESIGN.md, "Layout"), as the lint rule
 * makes the example app do: a snippet copied into `functions/` must pass `npm run lint`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const FRONT_DOORS = new Set([
  'shared',
  'shared/producer',
  'shared/testkit',
  'shared/formats',
  'shared/emulator',
]);

function snippetImports(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```(?:ts|typescript)\n([\s\S]*?)```/g)].map((m) => m[1]!);
  return blocks.flatMap((code) => [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]!));
}

describe('README snippets', () => {
  const imports = snippetImports(readFileSync(resolve(__dirname, '../../README.md'), 'utf8'));
  const framework = imports
    .filter((path) => path.startsWith('.'))
    .map((path) => path.replace(/^(\.\.?\/)+/, ''))
    .filter((path) => path === 'shared' || path.startsWith('shared/'));

  it('have framework imports to check', () => {
    expect(framework.length).toBeGreaterThanOrEqual(3);
  });

  it('import the framework through its front doors only', () => {
    expect(framework.filter((path) => !FRONT_DOORS.has(path))).toEqual([]);
  });
});
