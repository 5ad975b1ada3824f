/**
 * 7. What tracing and metrics cost the adapter: the same 10,000-record MSK event (every record carrying a W3C
 * `traceparent`, as the typed producer writes it) through `lambdaHandler` with tracing and metrics on against both
 * off. The handler declares a topic it may publish to, so each record gets the publishing context that carries its
 * trace (a handler that cannot publish skips it). Also, for context: with an OpenTelemetry SDK registered (a span
 * per record, recorded and exported), and as the emulator runs it (every record's span reported for "follow this
 * record").
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, BatchSpanProcessor, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import { lambdaHandler } from '../shared/lambda/adapter';
import { defineHandler } from '../shared/declarations/handler';
import { defineTopic } from '../shared/declarations/topic';
import { observeInvocation } from '../shared/lambda/invocation-report';
import type { MskEvent } from '../shared/lambda/msk-event';
import { formatTraceParent } from '../shared/observability/trace-context';
import { newSpanId, newTraceId } from '../shared/observability/trace-ids';
import { mskEvent, record } from '../shared/testkit';
import { timePerRecord, rounds, silentLogger, type Benchmark } from './common';
import { benchValue, BenchValue } from './records';
import { describeRuns, median, result } from './report';

const RECORDS = 10_000;

const topic = defineTopic({ name: 'bench.traced', partitions: 12, value: BenchValue, key: (v) => v.userId });
const out = defineTopic({
  name: 'bench.traced.out',
  partitions: 12,
  value: BenchValue,
  key: (v) => v.userId,
});

function tracedEvent(): MskEvent {
  return mskEvent(
    Array.from({ length: RECORDS }, (_, i) =>
      record(topic, benchValue(i), {
        headers: { traceparent: formatTraceParent(newTraceId(), newSpanId(), 1) },
      }),
    ),
  );
}

const noop = defineHandler({
  name: 'bench-observed',
  topics: [topic],
  publishes: [out],
  batch: { size: RECORDS },
  handle() {},
});

let metricBytes = 0;
const options = {
  log: silentLogger,
  sink: () => {
    throw new Error('the no-op handler published or dead-lettered a record');
  },
};

type Lambda = (event: MskEvent) => Promise<unknown>;

/** An exporter that takes the spans and drops them: the SDK's own cost, without a network. */
const discard: SpanExporter = {
  export: (spans, done) => done({ code: 0 }),
  shutdown: async () => {},
};

/** Runs `fn` with an SDK registered (as the ADOT layer registers one), and unregisters it after. */
async function withSdk<T>(fn: () => Promise<T>): Promise<T> {
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new BatchSpanProcessor(discard, { maxQueueSize: 4 * RECORDS, maxExportBatchSize: 1024 }),
    ],
  });
  const manager = new AsyncLocalStorageContextManager().enable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(manager);
  try {
    return await fn();
  } finally {
    trace.disable();
    context.disable();
    await provider.shutdown();
  }
}

/** ns per record over `invocations` calls of one event; `observe`: as the emulator's container observes it. */
const perRecord = (lambda: Lambda, event: MskEvent, invocations: number, observe = false): Promise<number> =>
  timePerRecord(
    () => {
      if (observe) observeInvocation(event, () => {});
      return lambda(event);
    },
    invocations,
    RECORDS,
  );

export const observabilityCost: Benchmark = {
  id: 'observability',
  title: 'tracing and metrics in the adapter, 10,000-record MSK event with trace headers (in-process)',
  needsKafka: false,
  async run({ quick, say }) {
    const event = tracedEvent();
    const off = lambdaHandler(noop, { ...options, tracing: false, metrics: false });
    const on = lambdaHandler(noop, {
      ...options,
      metrics: { write: (line) => void (metricBytes += line.length) },
    });
    const per = quick ? 3 : 10;
    const plan = { warmup: quick ? 1 : 3, runs: quick ? 3 : 7 };
    // One pair at a time, the target's first: run side by side, the emulator's and the SDK's paths would leave the
    // JIT's code for the adapter shaped by calls a function never makes on Lambda (with an SDK or without one).
    const main = await rounds(
      { off: () => perRecord(off, event, per), on: () => perRecord(on, event, per) },
      plan,
      say,
    );
    const emulated = await rounds(
      { off: () => perRecord(off, event, per), emulated: () => perRecord(on, event, per, true) },
      plan,
      say,
    );
    const sdk = await rounds(
      { off: () => perRecord(off, event, per), sdk: () => withSdk(() => perRecord(on, event, per)) },
      plan,
      say,
    );
    if (metricBytes === 0) throw new Error('no metrics document was written');
    const subject = `lambdaHandler, no-op handle declaring a publish topic, ${RECORDS} records with traceparent, ${per} invocations per run`;
    const against = 'the same with { tracing: false, metrics: false }, run alternately with it';
    return [
      result({
        name: 'adapter with tracing and metrics',
        unit: 'ns/record',
        value: median(main.samples.on),
        baseline: median(main.samples.off),
        target: 1.15,
        better: 'lower',
        subject: `${subject}; no SDK registered, one EMF document per invocation`,
        against,
        notes: [
          describeRuns('tracing and metrics on', main.samples.on, 'ns/record'),
          describeRuns('both off', main.samples.off, 'ns/record'),
          describeRuns('as the emulator runs it', emulated.samples.emulated, 'ns/record'),
          describeRuns('both off, beside it', emulated.samples.off, 'ns/record'),
          describeRuns('with an SDK', sdk.samples.sdk, 'ns/record'),
          describeRuns('both off, beside it', sdk.samples.off, 'ns/record'),
        ],
      }),
      result({
        name: 'adapter as the emulator runs it',
        unit: 'ns/record',
        value: median(emulated.samples.emulated),
        baseline: median(emulated.samples.off),
        target: null,
        better: 'lower',
        subject: `${subject}; observed: every record's span reported to the emulator`,
        against,
      }),
      result({
        name: 'adapter with an OpenTelemetry SDK',
        unit: 'ns/record',
        value: median(sdk.samples.sdk),
        baseline: median(sdk.samples.off),
        target: null,
        better: 'lower',
        subject: `${subject}; BasicTracerProvider, AsyncLocalStorage context, batch processor into a discarding exporter`,
        against,
      }),
    ];
  },
};
