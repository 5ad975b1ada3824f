/**
 * 3. Adapter cost per record on a 10,000-record MSK event (12 partitions, ~200-byte JSON values), in-process, no
 * broker: the framework's Lambda entry (`lambdaHandler`, a no-op `handle`, a sink that is never called) against a
 * hand-written Lambda handler (base64 decode + JSON.parse of each value) and against `@aws-lambda-powertools/kafka`'s
 * `kafkaConsumer` with a JSON value and the same zod schema (its handler reads every `record.value`, which is what
 * makes Powertools decode and validate it). A hand-written handler that also validates with zod is measured too,
 * to separate the schema's cost from the adapter's.
 */
// The package's types are only reachable through its `exports` map, which this tsconfig's module resolution
// does not read: the types come from their file, the module from `require` as Node resolves it.
import type { kafkaConsumer as KafkaConsumer } from '@aws-lambda-powertools/kafka/lib/cjs/consumer';
import type { Context } from 'aws-lambda';
import { lambdaHandler } from '../shared/lambda/adapter';
import { defineHandler } from '../shared/declarations/handler';
import { loadModule } from '../shared/declarations/load-module';
import type { MskBatchResponse, MskEvent } from '../shared/lambda/msk-event';
import { mskEvent, record } from '../shared/testkit';
import { defineTopic } from '../shared/declarations/topic';
import { timePerRecord, rounds, silentLogger, type Benchmark } from './common';
import { benchValue, BenchValue } from './records';
import { describeRuns, median, result } from './report';

export const RECORDS = 10_000;

const topic = defineTopic({ name: 'bench.adapter', partitions: 12, value: BenchValue, key: (v) => v.userId });

function benchEvent(): MskEvent {
  return mskEvent(Array.from({ length: RECORDS }, (_, i) => record(topic, benchValue(i))));
}

export type Lambda = (event: MskEvent) => Promise<unknown>;

/** The framework, as a handler module exports it. */
function frameworkLambda(): Lambda {
  const noop = defineHandler({
    name: 'bench-adapter',
    topics: [topic],
    batch: { size: RECORDS },
    handle() {},
  });
  return lambdaHandler(noop, {
    log: silentLogger,
    // the one EMF document per invocation, measured but not printed amid the figures
    metrics: { write: (line) => void (metricLines += line.length > 0 ? 1 : 0) },
    sink: () => {
      throw new Error('the no-op handler published or dead-lettered a record');
    },
  });
}

let sinkhole = 0;
let metricLines = 0;

/** What one would write by hand: decode each value, parse it, report no failures. */
const handWritten: Lambda = async (event) => {
  for (const list of Object.values(event.records)) {
    for (const r of list) {
      const value = JSON.parse(Buffer.from(r.value ?? '', 'base64').toString('utf8')) as BenchValue;
      sinkhole += value.delta;
    }
  }
  return { batchItemFailures: [] } satisfies MskBatchResponse;
};

/** The same, validating each value with the topic's zod schema. */
const handWrittenZod: Lambda = async (event) => {
  for (const list of Object.values(event.records)) {
    for (const r of list) {
      const parsed = BenchValue.safeParse(JSON.parse(Buffer.from(r.value ?? '', 'base64').toString('utf8')));
      if (!parsed.success) throw new Error(`invalid record at offset ${r.offset}`);
      sinkhole += parsed.data.delta;
    }
  }
  return { batchItemFailures: [] } satisfies MskBatchResponse;
};

function powertoolsLambda(): Lambda {
  const { kafkaConsumer } = loadModule<{ kafkaConsumer: typeof KafkaConsumer }>(
    '@aws-lambda-powertools/kafka',
  );
  const wrapped = kafkaConsumer<unknown, BenchValue>(
    async (event) => {
      for (const r of event.records) sinkhole += r.value.delta;
    },
    { value: { type: 'json', parserSchema: BenchValue } },
  );
  const context = { functionName: 'bench', awsRequestId: 'bench' } as Context;
  return (event) => wrapped(event as Parameters<typeof wrapped>[0], context);
}

/** ns per record over `invocations` calls of one 10,000-record event. */
export const nsPerRecord = (lambda: Lambda, event: MskEvent, invocations: number): Promise<number> =>
  timePerRecord(() => lambda(event), invocations, RECORDS);

export const adapterCost: Benchmark = {
  id: 'adapter',
  title: 'adapter cost per record, 10,000-record MSK event (in-process)',
  needsKafka: false,
  async run({ quick, say }) {
    const event = benchEvent();
    const framework = frameworkLambda();
    const response = (await framework(event)) as MskBatchResponse;
    if (response.batchItemFailures.length)
      throw new Error('the framework reported failures on valid records');
    const powertools = powertoolsLambda();
    const per = quick ? 3 : 10;
    const { samples } = await rounds(
      {
        framework: () => nsPerRecord(framework, event, per),
        handWritten: () => nsPerRecord(handWritten, event, per),
        handWrittenZod: () => nsPerRecord(handWrittenZod, event, per),
        powertools: () => nsPerRecord(powertools, event, per),
      },
      { warmup: quick ? 1 : 3, runs: quick ? 3 : 7 },
      say,
    );
    if (!Number.isFinite(sinkhole)) throw new Error('unreachable: keeps the parsed values alive');
    if (metricLines === 0) throw new Error('the framework wrote no metrics document');
    const value = median(samples.framework);
    const notes = [
      describeRuns('framework', samples.framework, 'ns/record'),
      describeRuns('hand-written', samples.handWritten, 'ns/record'),
      describeRuns('hand-written + zod', samples.handWrittenZod, 'ns/record'),
      describeRuns('Powertools', samples.powertools, 'ns/record'),
    ];
    const subject = `lambdaHandler, no-op handle (decode + zod validate), ${RECORDS}-record event, ${per} invocations per run`;
    return [
      result({
        name: 'adapter cost vs hand-written',
        unit: 'ns/record',
        value,
        baseline: median(samples.handWritten),
        target: null,
        better: 'lower',
        subject,
        against: 'hand-written handler: base64 decode + JSON.parse per record',
        notes,
      }),
      result({
        name: 'adapter cost vs hand-written + zod',
        unit: 'ns/record',
        value,
        // Like for like: the adapter validates every record with the topic's schema (issue #11: at most 1.3x).
        baseline: median(samples.handWrittenZod),
        target: 1.3,
        better: 'lower',
        subject,
        against: 'hand-written handler: base64 decode + JSON.parse + zod safeParse per record',
      }),
      result({
        name: 'adapter cost vs Powertools',
        unit: 'ns/record',
        value,
        baseline: median(samples.powertools),
        target: 1,
        better: 'lower',
        subject,
        against: "@aws-lambda-powertools/kafka kafkaConsumer, value { type: 'json', parserSchema: zod }",
      }),
    ];
  },
};
