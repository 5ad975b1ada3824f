/**
 * The operations function's deployed bundle, as synth builds it, is complete and carries the application's plan and
 * topic catalog but no handler module: loaded in Node like Lambda loads it, it answers a request of another
 * protocol version without reaching for Kafka.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  exampleManifest,
  logicalIdOf,
  synthesize,
  SYNTH_TIMEOUT_MS,
  type Synthesized,
} from './support/synth';

let synth: Synthesized;
let bundle: string;

beforeAll(() => {
  synth = synthesize(exampleManifest(), { operations: { maxRecordsPerRequest: 10 } });
  const fn = synth.json.Resources[logicalIdOf(synth.stack, synth.stack.operations!.function.fn)]!;
  const key = (fn.Properties!.Code as { S3Key: string }).S3Key.replace(/\.zip$/, '');
  bundle = join(synth.outdir, `asset.${key}`, 'index.js');
}, SYNTH_TIMEOUT_MS);

test('loads as Lambda loads it and answers without Kafka: another protocol version is refused', async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the bundle is CommonJS, loaded as Lambda does
  const { handler } = require(bundle) as { handler: (event: unknown, context: object) => Promise<unknown> };
  const answer = await handler({ v: 99, action: 'topics' }, { awsRequestId: 'test' });
  expect(answer).toEqual({
    v: 1,
    ok: false,
    error: {
      code: 'unsupported',
      message: expect.stringContaining('protocol version 99 is not spoken here'),
    },
  });
});

test('carries the plan and the catalog, and no handler module', () => {
  const text = readFileSync(bundle, 'utf8');
  expect(text).toContain('"inventory-projection"'); // the plan names the handlers
  expect(text).toContain('eu1_item_change.inventory-projection.dlq'); // dead-letter topics, as data
  expect(text).toContain('server_stats'); // the catalog's topics
  expect(text).not.toContain('within a minute'); // text of functions/handlers/anomaly-detector.ts
  expect(text).not.toMatch(/\/(work|home|Users)\/[^"]*functions\/handlers\//); // no module paths
});
