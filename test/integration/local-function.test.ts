/**
 * A function's code as the emulator runs it: bundled with the settings infra deploys with, so what would fail to
 * load on Lambda fails locally too, and a bundle is built once and reused until one of its files changes.
 */
import { mkdtempSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KAFKA_CLIENT_MODULES } from '../../shared/declarations/bundling';
import { bundleFunction } from '../../shared/emulator/function-bundle';
import {
  LOCAL_CONCURRENCY,
  LocalFunction,
  type LocalFunctionOptions,
} from '../../shared/emulator/local-function';

const base: Omit<LocalFunctionOptions, 'entry'> = {
  name: 'bundled',
  environment: {},
  timeoutSeconds: 30,
  memoryMb: 256,
  region: 'us-east-1',
  account: '123456789012',
};

async function invokeOnce(options: LocalFunctionOptions) {
  const fn = new LocalFunction(options);
  try {
    return await fn.invoke('{}');
  } finally {
    await fn.stop();
  }
}

describe('a function bundled as infra bundles it', () => {
  const needsKafkajs = resolve(__dirname, '../fixtures/functions/needs-kafkajs.ts');

  it('loads the Kafka client when the bundle carries it', async () => {
    const outcome = await invokeOnce({ ...base, entry: needsKafkajs, externalModules: [] });
    expect(outcome).toMatchObject({ ok: true, payload: 'function' });
  });

  it('cannot load a package its deployed bundle leaves out, as on Lambda', async () => {
    const outcome = await invokeOnce({
      ...base,
      entry: needsKafkajs,
      externalModules: [...KAFKA_CLIENT_MODULES],
    });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.errorType).toBe('Error');
    expect(outcome.error.errorMessage).toMatch(/Cannot find module 'kafkajs'/);
  });

  it('reports a module that does not bundle as an import error naming the file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-broken-'));
    const entry = join(dir, 'broken.ts');
    writeFileSync(entry, 'export const handler = () => {\n  return (1;\n};\n');
    const outcome = await invokeOnce({ ...base, entry });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.error.errorType).toBe('Runtime.ImportModuleError');
    expect(outcome.error.errorMessage).toContain(`${entry} does not bundle`);
    expect(outcome.error.errorMessage).toMatch(/broken\.ts:2: /);
  });

  it('reuses a bundle until one of its files changes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bundle-cache-'));
    const entry = join(dir, 'answer.ts');
    writeFileSync(entry, 'export const handler = () => 1;\n');
    const first = await bundleFunction(entry, []);
    if (!first.ok) throw new Error(first.error.errorMessage);
    const builtAt = statSync(first.file).mtimeMs;
    const again = await bundleFunction(entry, []);
    expect(again).toEqual(first);
    expect(statSync(first.file).mtimeMs).toBe(builtAt);

    writeFileSync(entry, 'export const handler = () => 2;\n');
    const later = new Date(Date.now() + 5_000);
    utimesSync(entry, later, later);
    const rebuilt = await bundleFunction(entry, []);
    expect(rebuilt).toEqual(first);
    expect(statSync(first.file).mtimeMs).not.toBe(builtAt);
    const outcome = await invokeOnce({ ...base, entry });
    expect(outcome).toMatchObject({ ok: true, payload: 2 });
  });
});

describe('concurrent invocations', () => {
  /** Answers with its container's log stream (one per container) after a pause, so invocations overlap. */
  const source =
    'export const handler = async () => {\n' +
    '  await new Promise((resolve) => setTimeout(resolve, 200));\n' +
    '  return process.env.AWS_LAMBDA_LOG_STREAM_NAME;\n' +
    '};\n';

  async function containersFor(invocations: number, maxConcurrency?: number): Promise<number> {
    const dir = mkdtempSync(join(tmpdir(), 'concurrency-'));
    const entry = join(dir, 'slow.ts');
    writeFileSync(entry, source);
    const fn = new LocalFunction({ ...base, entry, ...(maxConcurrency && { maxConcurrency }) });
    try {
      const outcomes = await Promise.all(Array.from({ length: invocations }, () => fn.invoke('{}')));
      const streams = outcomes.map((o) => (o.ok ? String(o.payload) : `failed: ${o.error.errorMessage}`));
      expect(streams.filter((s) => s.startsWith('failed'))).toEqual([]);
      return new Set(streams).size;
    } finally {
      await fn.stop();
    }
  }

  it('runs at most one container fewer than the machine has cores; the other invocations wait for one', async () => {
    expect(await containersFor(LOCAL_CONCURRENCY + 3)).toBe(LOCAL_CONCURRENCY);
  });

  it('runs no more containers than the reserved concurrency', async () => {
    expect(await containersFor(4, 1)).toBe(1);
  });
});
