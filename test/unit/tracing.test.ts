import * as z from 'zod';
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type TracerProvider,
} from '@opentelemetry/api';
import { defineHandler, defineTopic } from '../../shared';
import { typedProducer } from '../../shared/producer';
import type { OutgoingRecord } from '../../shared/kafka/publish';
import type { MskEvent } from '../../shared/lambda/msk-event';
import { spanAt, spanCount, type SpanEntry, type SpanReport } from '../../shared/observability/span-report';
import { parseTraceParent } from '../../shared/observability/trace-context';
import { mskEvent, rawRecord, record, runHandler, type TestRecord } from '../../shared/testkit';
import { registerTestSdk, type TestSdk } from '../support/otel-sdk';

const Order = z.object({ userId: z.string(), seq: z.number().int() });
const orders = defineTopic({ name: 'orders', partitions: 4, value: Order, key: (o) => o.userId });
const audit = defineTopic({ name: 'audit', partitions: 1, value: z.object({ seen: z.number() }), key: null });

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const traced = (extra: Record<string, string> = {}): Pick<TestRecord, 'headers'> => ({
  headers: { traceparent: `00-${TRACE}-${PARENT}-01`, ...extra },
});

const relay = defineHandler({
  name: 'relay',
  topics: [orders],
  publishes: [audit],
  retry: { attempts: 1 },
  async handle(r, ctx) {
    if (r.value.seq < 0) throw new Error('negative');
    await ctx.publish(audit, { seen: r.value.seq });
  },
});

const spansOf = (report: SpanReport | undefined): SpanEntry[] =>
  report ? Array.from({ length: spanCount(report) }, (_, i) => spanAt(report, i)) : [];

describe('trace context without an SDK', () => {
  it("continues the record's trace in what the handler publishes, under a span of its own", async () => {
    const result = await runHandler(relay, [
      record(orders, { userId: 'u1', seq: 1 }, traced({ tracestate: 'vendor=x' })),
    ]);
    const published = parseTraceParent(result.published[0]!.headers.traceparent)!;
    expect(published.traceId).toBe(TRACE);
    expect(published.spanId).not.toBe(PARENT);
    expect(result.published[0]!.headers.tracestate).toBe('vendor=x');
    expect(spansOf(result.spans)).toEqual([
      expect.objectContaining({
        traceId: TRACE,
        spanId: published.spanId,
        parentSpanId: PARENT,
        topic: 'orders',
        offset: 0,
        outcome: 'handled',
      }),
    ]);
  });

  it('starts a trace of its own for a record with a malformed or foreign traceparent, and still handles it', async () => {
    for (const header of ['garbage', `00-${TRACE.toUpperCase()}-${PARENT}-01`, 'uber-trace-id']) {
      const result = await runHandler(relay, [
        record(orders, { userId: 'u1', seq: 2 }, { headers: { traceparent: header } }),
      ]);
      expect(result.handled).toHaveLength(1);
      const published = parseTraceParent(result.published[0]!.headers.traceparent)!;
      expect(published.traceId).not.toBe(TRACE);
      const [span] = spansOf(result.spans);
      expect(span).toMatchObject({ traceId: published.traceId, spanId: published.spanId });
      expect(span!.parentSpanId).toBeUndefined();
    }
  });

  it('keeps a traceparent the handler sets itself', async () => {
    const own = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-00`;
    const h = defineHandler({
      name: 'own-context',
      topics: [orders],
      publishes: [audit],
      handle: (r, ctx) => ctx.publish(audit, { seen: 1 }, { headers: { traceparent: own } }),
    });
    const result = await runHandler(h, [record(orders, { userId: 'u1', seq: 1 }, traced())]);
    expect(result.published[0]!.headers.traceparent).toBe(own);
  });

  it('traces records that fail: a dead-lettered one keeps its trace and says so', async () => {
    const result = await runHandler(relay, [
      rawRecord(orders, '{not json', { key: 'u1', ...traced() }),
      record(orders, { userId: 'u2', seq: -1 }, traced()),
    ]);
    expect(result.deadLetters).toHaveLength(2);
    // the dead letter carries the original headers, trace context included
    expect(result.deadLetters.every((d) => d.headers.traceparent === `00-${TRACE}-${PARENT}-01`)).toBe(true);
    const spans = spansOf(result.spans);
    expect(spans.map((s) => [s.traceId, s.parentSpanId, s.outcome])).toEqual([
      [TRACE, PARENT, 'dead-lettered'],
      [TRACE, PARENT, 'dead-lettered'],
    ]);
  });

  it('runs a batch in a trace of its own, linked to every record', async () => {
    const h = defineHandler({
      name: 'batcher',
      topics: [orders],
      publishes: [audit],
      handleBatch: (records, ctx) => ctx.publish(audit, { seen: records.length }),
    });
    const other = 'f'.repeat(32);
    const result = await runHandler(h, [
      record(orders, { userId: 'u1', seq: 1 }, traced()),
      record(orders, { userId: 'u2', seq: 2 }, { headers: { traceparent: `00-${other}-${PARENT}-01` } }),
      record(orders, { userId: 'u3', seq: 3 }),
    ]);
    const published = parseTraceParent(result.published[0]!.headers.traceparent)!;
    const [batch] = spansOf(result.spans);
    expect(batch).toMatchObject({ traceId: published.traceId, spanId: published.spanId, outcome: 'handled' });
    expect(batch!.offset).toBeUndefined();
    expect(batch!.links!.sort()).toEqual([TRACE, other].sort());
  });

  it('writes no trace headers with tracing off', async () => {
    const { invokeHandler } = await import('../../shared/lambda/adapter');
    const written: OutgoingRecord[] = [];
    await invokeHandler(relay, mskEvent([record(orders, { userId: 'u1', seq: 1 }, traced())]), {
      tracing: false,
      sink: () => ({ send: async (records) => void written.push(...records) }),
    });
    expect(written[0]!.headers).toEqual([]);
  });
});

describe('header values', () => {
  it('keeps every value of a repeated header for the handler', async () => {
    const seen: { last?: string; all?: readonly string[] }[] = [];
    const h = defineHandler({
      name: 'baggage-reader',
      topics: [orders],
      handle: (r) => void seen.push({ last: r.headers.baggage, all: r.headerValues.baggage }),
    });
    const event: MskEvent = mskEvent([record(orders, { userId: 'u1', seq: 1 })]);
    const bytes = (s: string): number[] => [...Buffer.from(s)];
    Object.values(event.records)[0]![0]!.headers = [
      { baggage: bytes('user=u1') },
      { other: bytes('x') },
      { baggage: bytes('tenant=t9') },
    ];
    await runHandler(h, event);
    expect(seen).toEqual([{ last: 'tenant=t9', all: ['user=u1', 'tenant=t9'] }]);
  });
});

describe('trace context with an OpenTelemetry SDK', () => {
  let sdk: TestSdk;
  beforeEach(() => {
    sdk = registerTestSdk();
  });
  afterEach(() => sdk.stop());

  it("runs the handler in a process span under the producer's, and publishes under a publish span", async () => {
    let nested: string | undefined;
    let baggage: string | undefined;
    const h = defineHandler({
      name: 'relay-sdk',
      topics: [orders],
      publishes: [audit],
      async handle(r, ctx) {
        baggage = propagation.getBaggage(context.active())?.getEntry('user')?.value;
        // instrumentation the application adds nests under the record's span
        await trace.getTracer('app').startActiveSpan('lookup', async (span) => {
          nested = span.spanContext().spanId;
          span.end();
        });
        await ctx.publish(audit, { seen: r.value.seq });
      },
    });
    const result = await runHandler(h, [
      record(orders, { userId: 'u1', seq: 5 }, traced({ baggage: 'user=u1' })),
    ]);
    const spans = sdk.spans();
    const processSpan = spans.find((s) => s.name === 'process orders')!;
    const publishSpan = spans.find((s) => s.name === 'publish audit')!;
    const lookup = spans.find((s) => s.name === 'lookup')!;
    expect(processSpan.kind).toBe(SpanKind.CONSUMER);
    expect(processSpan.spanContext().traceId).toBe(TRACE);
    expect(processSpan.parentSpanContext?.spanId).toBe(PARENT);
    expect(processSpan.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': 'orders',
      'messaging.destination.partition.id': String(result.handled[0]!.partition),
      'messaging.kafka.offset': 0,
      'messaging.kafka.message.key': 'u1',
      'messaging.consumer.group.name': 'relay-sdk',
      'kafka_lambda.outcome': 'handled',
    });
    expect(lookup.spanContext().spanId).toBe(nested);
    expect(lookup.parentSpanContext?.spanId).toBe(processSpan.spanContext().spanId);
    expect(publishSpan.kind).toBe(SpanKind.PRODUCER);
    expect(publishSpan.parentSpanContext?.spanId).toBe(processSpan.spanContext().spanId);
    expect(publishSpan.attributes).toMatchObject({
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'audit',
    });
    expect(result.published[0]!.headers.traceparent).toBe(
      `00-${TRACE}-${publishSpan.spanContext().spanId}-01`,
    );
    expect(baggage).toBe('u1');
    expect(result.published[0]!.headers.baggage).toBe('user=u1'); // the propagators carry it on
    expect(spansOf(result.spans)[0]).toMatchObject({
      spanId: processSpan.spanContext().spanId,
      parentSpanId: PARENT,
    });
  });

  it('marks the span of a record that failed', async () => {
    await runHandler(relay, [record(orders, { userId: 'u1', seq: -1 }, traced())]);
    const span = sdk.spans().find((s) => s.name === 'process orders')!;
    expect(span.status.code).toBe(SpanStatusCode.ERROR);
    expect(span.attributes).toMatchObject({
      'error.type': 'handler',
      'kafka_lambda.outcome': 'dead-lettered',
    });
  });

  it('links a batch span to every record', async () => {
    const h = defineHandler({ name: 'batch-sdk', topics: [orders], handleBatch() {} });
    await runHandler(h, [
      record(orders, { userId: 'u1', seq: 1 }, traced()),
      record(
        orders,
        { userId: 'u2', seq: 2 },
        { headers: { traceparent: `00-${'e'.repeat(32)}-${PARENT}-01` } },
      ),
    ]);
    const [batch] = sdk.spans();
    expect(batch!.name).toBe('process orders');
    expect(batch!.attributes['messaging.batch.message_count']).toBe(2);
    expect(batch!.links.map((l) => l.context.traceId).sort()).toEqual([TRACE, 'e'.repeat(32)].sort());
  });

  it('handles the record when the SDK itself fails', async () => {
    const broken: TracerProvider = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('exporter misconfigured');
        },
        startActiveSpan: () => {
          throw new Error('exporter misconfigured');
        },
      }),
    };
    await sdk.stop();
    trace.setGlobalTracerProvider(broken);
    const result = await runHandler(relay, [record(orders, { userId: 'u1', seq: 1 }, traced())]);
    expect(result.handled).toHaveLength(1);
    expect(result.deadLetters).toEqual([]);
  });
});

describe('the typed producer', () => {
  const capture = (): {
    sink: { send(records: readonly OutgoingRecord[]): Promise<void> };
    records: OutgoingRecord[];
  } => {
    const records: OutgoingRecord[] = [];
    return { records, sink: { send: async (r) => void records.push(...r) } };
  };
  const traceparentOf = (r: OutgoingRecord): string | undefined =>
    r.headers.find((h) => h.key === 'traceparent')?.value?.toString();

  it('starts a new trace for every record it publishes', async () => {
    const { sink, records } = capture();
    const producer = typedProducer(sink);
    await producer.publish(audit, { seen: 1 });
    await producer.publishBatch(audit, [{ seen: 2 }, { seen: 3 }, { seen: 4 }]);
    const ids = records.map((r) => parseTraceParent(traceparentOf(r))!.traceId);
    expect(new Set(ids).size).toBe(4);
  });

  it('keeps a traceparent given by the caller, and writes none with tracing off', async () => {
    const { sink, records } = capture();
    const own = `00-${TRACE}-${PARENT}-00`;
    await typedProducer(sink).publish(audit, { seen: 1 }, { headers: { traceparent: own, app: 'x' } });
    await typedProducer(sink, undefined, { tracing: false }).publish(audit, { seen: 2 });
    expect(traceparentOf(records[0]!)).toBe(own);
    expect(records[0]!.headers.map((h) => h.key)).toEqual(['traceparent', 'app']);
    expect(records[1]!.headers).toEqual([]);
  });

  it('publishes under the active span when an SDK is registered', async () => {
    const sdk = registerTestSdk();
    try {
      const { sink, records } = capture();
      await trace.getTracer('app').startActiveSpan('request', async (outer) => {
        await typedProducer(sink).publishBatch(audit, [{ seen: 1 }, { seen: 2 }]);
        outer.end();
      });
      const outer = sdk.spans().find((s) => s.name === 'request')!;
      const publish = sdk.spans().find((s) => s.name === 'publish audit')!;
      expect(publish.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      expect(publish.attributes['messaging.batch.message_count']).toBe(2);
      for (const r of records)
        expect(traceparentOf(r)).toBe(`00-${outer.spanContext().traceId}-${publish.spanContext().spanId}-01`);
    } finally {
      await sdk.stop();
    }
  });
});
