/**
 * loadApp is where deploys, the emulator and the CLI read declarations: what defineHandler leaves unchecked so it
 * stays out of function bundles (the filter rules, applied by the mapping on Lambda) is refused here.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadApp } from '../../shared/declarations/app';
import { DeclarationError } from '../../shared/errors';

const FRAMEWORK = JSON.stringify(resolve(__dirname, '../../shared'));
const ZOD = JSON.stringify(require.resolve('zod'));

function appWithFilter(filter: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'load-app-'));
  mkdirSync(join(dir, 'handlers'));
  writeFileSync(
    join(dir, 'topics.ts'),
    `import * as z from ${ZOD};\nimport { defineTopic } from ${FRAMEWORK};\n` +
      `export const readings = defineTopic({ name: 'readings', partitions: 1, value: z.object({ kind: z.string() }), key: null });\n`,
  );
  writeFileSync(
    join(dir, 'handlers', 'reader.ts'),
    `import { defineHandler, lambdaHandler } from ${FRAMEWORK};\nimport { readings } from '../topics';\n` +
      `export const reader = defineHandler({ name: 'reader', topics: [readings], filter: ${filter}, handle() {} });\n` +
      `export const handler = lambdaHandler(reader);\n`,
  );
  return dir;
}

describe('loadApp', () => {
  it('loads a handler whose filter Lambda accepts', () => {
    const app = loadApp(appWithFilter(`{ kind: ['temperature'] }`));
    expect(app.handlers.map((h) => h.definition.filter)).toEqual([{ kind: ['temperature'] }]);
  });

  it('refuses a filter rule Lambda does not know, naming the handler and the rule', () => {
    const dir = appWithFilter(`{ kind: [{ 'prefixx': 'temp' }] } as never`);
    expect(() => loadApp(dir)).toThrow(DeclarationError);
    expect(() => loadApp(dir)).toThrow(/reader.*prefixx/s);
  });
});
