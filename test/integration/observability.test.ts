/**
 * Observability on the real broker: one trace from the producer through a handler that publishes to a second
 * handler, and the metrics documents the functions print against the counts the emulator reports.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Kafka } from 'kafkajs';
import { loadModule } from '../../shared/declarations/load-module';
import { followRecord, startEmulator, type Emulator, type TraceNode } from '../../shared/emulator';
import { createLogger } from '../../shared/lambda/logger';
import { parseEmfLine, type EmfDocument } from '../../shared/observability/emf';
import { parseTraceParent } from '../../shared/observability/trace-context';
import { createProducer } from '../../shared/producer';
import { testBrokers } from '../support/brokers';
import { collect, createFixtureTopics, kafkaClient, REPO } from '../support/emulation';

type TracedTopics = typeof import('../fixtures/traced/topics');

const TRACED_APP = resolve(REPO, 'test/fixtures/traced');
const brokers = testBrokers();

/** Waits for a condition of the emulator's state, checking as invocations land; says what was seen if it never holds. */
async function eventually(check: () => boolean, what: () => string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The tree as indented labels. */
function shape(nodes: TraceNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [
    `${'  '.repeat(depth)}${n.kind === 'record' ? n.record.topic : n.span.handler}`,
    ...shape(n.children, depth + 1),
  ]);
}

describe('observability on a real broker', () => {
  let kafka: Kafka;
  let fx: TracedTopics;
  let emulator: Emulator;
  const lines = new Map<string, string[]>();
  const partial = new Map<string, string>();

  beforeAll(async () => {
    process.env.FIXTURE_PREFIX = `obs-${randomUUID().slice(0, 8)}`;
    jest.resetModules();
    fx = loadModule<TracedTopics>(require.resolve('../fixtures/traced/topics'));
    kafka = kafkaClient(brokers);
    await createFixtureTopics(kafka, TRACED_APP);
    emulator = await startEmulator({
      appDir: TRACED_APP,
      brokers,
      log: createLogger({}, 'silent'),
      // The fixture's topic prefix, passed through by name (a function's environment is its own).
      passEnvironment: ['FIXTURE_PREFIX'],
      // the functions' stdout, as the dev log gets it: cut into lines per handler
      output: (chunk, stream, handler) => {
        if (stream !== 'stdout') return;
        const cut = ((partial.get(handler) ?? '') + chunk).split('\n');
        partial.set(handler, cut.pop()!);
        lines.set(handler, [...(lines.get(handler) ?? []), ...cut]);
      },
    });
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it('carries one trace from the producer through a handler that publishes to a second handler', async () => {
    const ids = Array.from({ length: 6 }, (_, i) => `ok-${i}`);
    const producer = createProducer({ brokers });
    await producer.publishBatch(
      fx.orders,
      ids.map((id) => ({ id })),
    );
    // a foreign trace header never fails a record: the relay starts a trace of its own for it
    await producer.publish(
      fx.orders,
      { id: 'foreign' },
      { headers: { traceparent: 'uber-trace-id:1:2:0:1' } },
    );
    await producer.disconnect();

    const acceptedRecords = await collect(kafka, [fx.accepted.name], (value, headers, meta) => ({
      id: (value as { id: string }).id,
      trace: parseTraceParent(headers.traceparent)!,
      ...meta,
    }));
    const inputs = await collect(kafka, [fx.orders.name], (value, headers, meta) => ({
      id: (value as { id: string }).id,
      trace: parseTraceParent(headers.traceparent),
      ...meta,
    }));
    try {
      await acceptedRecords.until((items) => items.length === ids.length + 1, 60_000, 'every order accepted');
      await inputs.until((items) => items.length === ids.length + 1, 60_000, 'the orders read back');
      await eventually(
        () => emulator.stats.get('ledger')!.handled >= ids.length + 1,
        () => `ledger handled ${emulator.stats.get('ledger')!.handled}`,
      );

      const traceIds = new Set<string>();
      for (const id of ids) {
        const input = inputs.items.find((i) => i.id === id)!;
        const out = acceptedRecords.items.find((a) => a.id === id)!;
        expect(input.trace).toBeDefined();
        traceIds.add(input.trace!.traceId);
        // one trace id from the producer to the second handler
        expect(out.trace.traceId).toBe(input.trace!.traceId);
        const [relaySpan] = emulator.stats.get('relay')!.spans.ofTrace(input.trace!.traceId);
        const [ledgerSpan] = emulator.stats.get('ledger')!.spans.ofTrace(input.trace!.traceId);
        // parent and child in order: producer -> relay's span -> the accepted record -> ledger's span
        expect(relaySpan).toMatchObject({
          parentSpanId: input.trace!.spanId,
          topic: fx.orders.name,
          offset: input.offset,
        });
        expect(out.trace.spanId).toBe(relaySpan!.spanId);
        expect(ledgerSpan).toMatchObject({
          parentSpanId: relaySpan!.spanId,
          topic: fx.accepted.name,
          offset: out.offset,
        });
        expect(ledgerSpan!.start).toBeGreaterThanOrEqual(relaySpan!.start);
      }
      expect(traceIds.size).toBe(ids.length); // the producer started one trace per record

      const foreign = acceptedRecords.items.find((a) => a.id === 'foreign')!;
      expect(foreign.trace.traceId).toMatch(/^[0-9a-f]{32}$/);

      // the console's "follow this record", from the second hop back to the producer's record
      const one = acceptedRecords.items.find((a) => a.id === ids[0])!;
      const followed = await followRecord(emulator, {
        topic: fx.accepted.name,
        partition: one.partition,
        offset: one.offset,
      });
      expect(followed.traceId).toBe(one.trace.traceId);
      expect(shape(followed.tree)).toEqual([
        fx.orders.name,
        '  relay',
        `    ${fx.accepted.name}`,
        '      ledger',
      ]);
    } finally {
      await acceptedRecords.stop();
      await inputs.stop();
    }
  });

  it('prints metrics documents whose counts match what the emulator reports', async () => {
    const producer = createProducer({ brokers });
    await producer.publishBatch(fx.orders, [
      ...Array.from({ length: 10 }, (_, i) => ({ id: `m-${i}` })),
      { id: 'bad-1', fail: true },
      { id: 'bad-2', fail: true },
    ]);
    await producer.disconnect();
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({ topic: fx.orders.name, messages: [{ key: 'broken', value: '{"id": ' }] });
    await raw.disconnect();

    const relay = emulator.stats.get('relay')!;
    // 7 from the test above, 13 here
    await eventually(
      () => relay.handled + relay.deadLettered >= 20,
      () => `relay handled ${relay.handled}, dead-lettered ${relay.deadLettered}`,
    );
    await eventually(
      () => emulator.stats.get('ledger')!.handled >= 17,
      () => `ledger handled ${emulator.stats.get('ledger')!.handled}`,
    );
    await emulator.stop(); // every container shut down: every line it printed has reached us
    for (const [handler, stats] of emulator.stats) {
      const docs = (lines.get(handler) ?? [])
        .map(parseEmfLine)
        .filter((d): d is EmfDocument => d !== undefined);
      const sum = (name: string): number =>
        docs.reduce((n, d) => n + ((d[name] as number | undefined) ?? 0), 0);
      expect(docs.length).toBe(stats.metrics.documents);
      expect(docs.every((d) => d.Handler === handler)).toBe(true);
      expect(sum('RecordsHandled')).toBe(stats.handled);
      expect(sum('RecordsDeadLettered')).toBe(stats.deadLettered);
      expect(sum('RecordsRetried')).toBe(stats.retries);
      expect(sum('RecordsFailed')).toBe(stats.deadLettered + stats.reportedFailures);
      expect(sum('RecordsReceived')).toBe(stats.handled + stats.deadLettered + stats.reportedFailures);
      for (const name of Object.keys(stats.metrics.totals))
        expect(sum(name)).toBe(stats.metrics.totals[name]);
    }
    const relayDocs = (lines.get('relay') ?? [])
      .map(parseEmfLine)
      .filter((d): d is EmfDocument => d !== undefined);
    const total = (name: string): number =>
      relayDocs.reduce((n, d) => n + ((d[name] as number | undefined) ?? 0), 0);
    expect(total('RecordsHandled')).toBe(17);
    expect(total('RecordsFailedHandler')).toBe(2);
    expect(total('RecordsFailedDecode')).toBe(1);
    expect(total('RecordsRetried')).toBe(2);
    expect(
      relayDocs.every(
        (d) => typeof d.RecordAgeMax === 'number' && d.RecordAgeMax >= (d.RecordAgeP50 as number),
      ),
    ).toBe(true);
  });
});
