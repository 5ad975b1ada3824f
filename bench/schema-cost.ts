/**
 * The adapter on Avro values against the same handler on JSON values of the same data, in the same run, in-process:
 * a 10,000-record MSK event (12 partitions) of the bench's item changes, a no-op `handle`. The Avro event is what
 * the mapping delivers with a schema registry in `EventRecordFormat: SOURCE` (Avro binary, `valueSchemaMetadata`),
 * which the adapter decodes with avsc and checks against the Avro type; the JSON event is the plain topic, parsed
 * and validated with its zod schema. Also measured: the Avro topic delivered as `JSON` (the mapping decoded it), and
 * the Avro topic refined by the same zod schema.
 */
import { lambdaHandler } from '../shared/lambda/adapter';
import { defineHandler, type RecordFormat } from '../shared/declarations/handler';
import { topicSettings } from '../shared/declarations/app-plan';
import { defineTopic, type Topic } from '../shared/declarations/topic';
import { toMskEvent, type MskBatchResponse, type MskEvent, type RawRecord } from '../shared/lambda/msk-event';
import { avro } from '../shared/formats';
import { localRegistryOf } from '../shared/schemas/local-registry';
import { throughRegistry } from '../shared/schemas/registry-delivery';
import { EMPTY_LOCK } from '../shared/schemas/schema-lock';
import { partitionForKey } from '../shared/kafka/partitioner';
import { nsPerRecord, RECORDS, type Lambda } from './adapter-cost';
import { rounds, silentLogger, type Benchmark } from './common';
import { benchValue, BenchValue } from './records';
import { describeRuns, median, result } from './report';

const PARTITIONS = 12;

const BenchAvro = {
  type: 'record',
  name: 'BenchValue',
  fields: [
    { name: 'userId', type: 'string' },
    { name: 'itemId', type: 'string' },
    { name: 'delta', type: 'int' },
    { name: 'balance', type: 'long' },
    {
      name: 'reason',
      type: { type: 'enum', name: 'Reason', symbols: ['loot', 'craft', 'trade', 'purchase', 'consume'] },
    },
    { name: 'time', type: 'long' },
    { name: 'note', type: 'string' },
  ],
} as const;

const json = defineTopic({
  name: 'bench.schema.json',
  partitions: PARTITIONS,
  value: BenchValue,
  key: (v) => v.userId,
});
const avroTopic = defineTopic({
  name: 'bench.schema.avro',
  partitions: PARTITIONS,
  value: avro(BenchAvro),
  key: (v) => v.userId,
});
const refined = defineTopic({
  name: 'bench.schema.refined',
  partitions: PARTITIONS,
  value: avro(BenchAvro, { refine: BenchValue }),
  key: (v) => v.userId,
});

/** The topic's records as written, partitioned by key, offsets counted per partition. */
function written(topic: Topic<BenchValue>): RawRecord[] {
  const next = new Map<number, number>();
  return Array.from({ length: RECORDS }, (_, i) => {
    const value = benchValue(i);
    const key = Buffer.from(value.userId);
    const partition = partitionForKey(key, PARTITIONS);
    const offset = next.get(partition) ?? 0;
    next.set(partition, offset + 1);
    return {
      topic: topic.name,
      partition,
      offset,
      timestamp: 1_767_225_600_000 + i,
      timestampType: 'CREATE_TIME',
      key,
      value: topic.codec.encode(value),
      headers: [],
    };
  });
}

/** The event the mapping delivers for a registry topic in `format`. */
function delivered(topic: Topic<BenchValue>, format: RecordFormat): MskEvent {
  const registry = localRegistryOf([topicSettings(topic)], EMPTY_LOCK);
  return toMskEvent(
    written(topic).map((raw) => {
      const delivery = throughRegistry(raw, ['VALUE'], format, registry);
      if (!delivery.ok) throw new Error(delivery.reason);
      return delivery.record;
    }),
  );
}

function noop(topic: Topic<BenchValue>, recordFormat: RecordFormat): Lambda {
  const def = defineHandler({
    name: `bench-${topic.name.split('.').pop()}-${recordFormat.toLowerCase()}`,
    topics: [topic],
    batch: { size: RECORDS },
    recordFormat,
    handle() {},
  });
  return lambdaHandler(def, {
    log: silentLogger,
    sink: () => {
      throw new Error('the no-op handler published or dead-lettered a record');
    },
  });
}

export const schemaCost: Benchmark = {
  id: 'schemas',
  title: 'adapter on Avro values vs JSON values of the same data, 10,000-record MSK event (in-process)',
  needsKafka: false,
  async run({ quick, say }) {
    const cases = {
      json: { lambda: noop(json, 'JSON'), event: toMskEvent(written(json)) },
      avroSource: { lambda: noop(avroTopic, 'SOURCE'), event: delivered(avroTopic, 'SOURCE') },
      avroJson: { lambda: noop(avroTopic, 'JSON'), event: delivered(avroTopic, 'JSON') },
      avroRefined: { lambda: noop(refined, 'SOURCE'), event: delivered(refined, 'SOURCE') },
    };
    for (const [name, c] of Object.entries(cases)) {
      const response = (await c.lambda(c.event)) as MskBatchResponse;
      if (response.batchItemFailures.length) throw new Error(`${name}: failures on valid records`);
    }
    const per = quick ? 3 : 10;
    const { samples } = await rounds(
      {
        json: () => nsPerRecord(cases.json.lambda, cases.json.event, per),
        avroSource: () => nsPerRecord(cases.avroSource.lambda, cases.avroSource.event, per),
        avroJson: () => nsPerRecord(cases.avroJson.lambda, cases.avroJson.event, per),
        avroRefined: () => nsPerRecord(cases.avroRefined.lambda, cases.avroRefined.event, per),
      },
      { warmup: quick ? 1 : 3, runs: quick ? 3 : 7 },
      say,
    );
    return [
      result({
        name: 'adapter on Avro values vs JSON values',
        unit: 'ns/record',
        value: median(samples.avroSource),
        baseline: median(samples.json),
        target: 1.5,
        better: 'lower',
        subject: `lambdaHandler, no-op handle, Avro topic delivered as SOURCE (avsc decode + Avro type check), ${RECORDS}-record event, ${per} invocations per run`,
        against: 'the same handler on a JSON topic of the same data (JSON.parse + zod)',
        notes: [
          describeRuns('Avro, SOURCE', samples.avroSource, 'ns/record'),
          describeRuns('JSON topic', samples.json, 'ns/record'),
          describeRuns('Avro, delivered as JSON by the mapping', samples.avroJson, 'ns/record'),
          describeRuns('Avro, SOURCE, refined by the same zod schema', samples.avroRefined, 'ns/record'),
        ],
      }),
    ];
  },
};
