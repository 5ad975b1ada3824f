/**
 * 4. Producer throughput: the typed producer (`createProducer(...).publishBatch`: validate, key, encode, send)
 * against raw kafkajs `sendBatch` with the same settings the framework uses (acks -1, idempotent, one request in
 * flight, Java-compatible partitioning) and the same batches, from the same value objects (the raw side
 * JSON.stringifies them and takes the key itself). Batches go one after another, as a service publishing in
 * chunks would; each variant writes to its own 12-partition topic.
 */
import { Kafka, logLevel, type Kafka as KafkaClient } from 'kafkajs';
import { DURABLE_PRODUCER } from '../shared/kafka/sink';
import { createProducer } from '../shared/producer';
import { defineTopic, type Topic } from '../shared/declarations/topic';
import { now, rounds, type Benchmark } from './common';
import type { BenchKafka } from './kafka';
import { benchValue, BenchValue } from './records';
import { describeRuns, median, result } from './report';

const BATCH = 1_000;

function benchTopic(name: string): Topic<BenchValue> {
  return defineTopic({ name, partitions: 12, value: BenchValue, key: (v) => v.userId });
}

function batches(total: number): BenchValue[][] {
  const out: BenchValue[][] = [];
  for (let from = 0; from < total; from += BATCH) {
    out.push(Array.from({ length: Math.min(BATCH, total - from) }, (_, i) => benchValue(from + i)));
  }
  return out;
}

/** records/s of the typed producer over all batches (connection made before the clock starts). */
async function typedRun(brokers: string[], topic: Topic<BenchValue>, work: BenchValue[][]): Promise<number> {
  const producer = createProducer({ clientId: 'bench-typed', brokers });
  await producer.publish(topic, work[0]![0]!); // connects
  const started = now();
  for (const values of work) await producer.publishBatch(topic, values);
  const seconds = (now() - started) / 1000;
  await producer.disconnect();
  return work.reduce((n, b) => n + b.length, 0) / seconds;
}

async function rawRun(kafka: KafkaClient, topic: string, work: BenchValue[][]): Promise<number> {
  const producer = kafka.producer(DURABLE_PRODUCER);
  await producer.connect();
  const started = now();
  for (const values of work) {
    await producer.sendBatch({
      acks: -1,
      topicMessages: [{ topic, messages: values.map((v) => ({ key: v.userId, value: JSON.stringify(v) })) }],
    });
  }
  const seconds = (now() - started) / 1000;
  await producer.disconnect();
  return work.reduce((n, b) => n + b.length, 0) / seconds;
}

export const producerThroughput: Benchmark = {
  id: 'producer',
  title: 'producer throughput (typed publishBatch vs raw kafkajs sendBatch, acks=all, idempotent)',
  needsKafka: true,
  async run({ quick, say }, bk?: BenchKafka) {
    const total = quick ? 20_000 : 200_000;
    const typed = benchTopic(bk!.name('producer.typed'));
    const raw = benchTopic(bk!.name('producer.raw'));
    await bk!.createTopics([typed, raw]);
    const work = batches(total);
    const kafka = new Kafka({ clientId: 'bench-raw', brokers: bk!.brokers, logLevel: logLevel.NOTHING });
    const { samples } = await rounds(
      { typed: () => typedRun(bk!.brokers, typed, work), raw: () => rawRun(kafka, raw.name, work) },
      { warmup: 1, runs: quick ? 3 : 5 },
      say,
    );
    return [
      result({
        name: 'producer throughput',
        unit: 'records/s',
        value: median(samples.typed),
        baseline: median(samples.raw),
        target: 0.9,
        better: 'higher',
        subject: `createProducer().publishBatch, ${total} records in batches of ${BATCH}, one batch at a time`,
        against:
          'kafkajs producer.sendBatch with DURABLE_PRODUCER settings (acks -1, idempotent), same batches',
        notes: [
          describeRuns('typed', samples.typed, 'records/s'),
          describeRuns('raw', samples.raw, 'records/s'),
        ],
      }),
    ];
  },
};
