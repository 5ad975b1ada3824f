/**
 * The emulator's process learns an application's declarations from a throwaway worker (shared/emulator/learn-app.ts):
 * the plan arrives as plain data, and what the modules do when they load stays in that worker.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { learnApp } from '../../shared/emulator/learn-app';
import { DeclarationError } from '../../shared/errors';

const FRAMEWORK = JSON.stringify(resolve(__dirname, '../../shared'));
const ZOD = JSON.stringify(require.resolve('zod'));

/** An application whose handler module, when it loads, sets a variable and a global and starts a timer. */
function app(handlerOptions: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'learn-app-'));
  mkdirSync(join(dir, 'handlers'));
  writeFileSync(
    join(dir, 'topics.ts'),
    `import * as z from ${ZOD};\nimport { defineTopic } from ${FRAMEWORK};\n` +
      `export const readings = defineTopic({ name: 'readings', partitions: 2, value: z.object({ kind: z.string() }), key: null });\n`,
  );
  writeFileSync(
    join(dir, 'handlers', 'reader.ts'),
    `import { defineHandler, lambdaHandler } from ${FRAMEWORK};\nimport { readings } from '../topics';\n` +
      `process.env.LEARN_APP_LOADED = 'yes';\n(globalThis as Record<string, unknown>).learnAppLoaded = true;\n` +
      `setInterval(() => {}, 1000); // would keep a process alive\n` +
      `export const reader = defineHandler({ name: 'reader', topics: [readings], ${handlerOptions} handle() {} });\n` +
      `export const handler = lambdaHandler(reader);\n`,
  );
  return dir;
}

describe('learnApp', () => {
  it('returns the settled declarations as data, without running the modules in this process', async () => {
    const dir = app(
      `failureMode: 'report-batch-item-failures', retry: { bisectOnError: true }, onFailure: { topic: 'readings-failed' },`,
    );
    const plan = await learnApp(dir);
    expect(process.env.LEARN_APP_LOADED).toBeUndefined();
    expect((globalThis as Record<string, unknown>).learnAppLoaded).toBeUndefined();
    expect(plan.topics.map((t) => [t.name, t.partitions])).toEqual([
      ['readings', 2],
      ['readings.reader.dlq', 2],
      ['readings-failed', 2],
    ]);
    expect(plan.handlers.map((h) => [h.name, h.entry])).toEqual([
      ['reader', join(dir, 'handlers', 'reader.ts')],
    ]);
    expect(plan.handlers[0]!.eventSources[0]).toMatchObject({
      topic: 'readings',
      bisectBatchOnFunctionError: true,
      onFailure: { kind: 'kafka', topic: 'readings-failed' },
    });
  });

  it('rejects as loading the app would: a DeclarationError naming the handler and the field', async () => {
    const dir = app(`retry: { maxRecordAgeSeconds: 10 },`);
    const learning = learnApp(dir);
    await expect(learning).rejects.toThrow(DeclarationError);
    await expect(learning).rejects.toThrow(/handler "reader".*retry\.maxRecordAgeSeconds/);
  });
});
