/**
 * 6. The broker's ceiling on this machine: Apache Kafka's own ProducerPerformance and ConsumerPerformance (Java
 * client, from the cached broker jars) on the same topic shape: 12 partitions, 200-byte records, acks=all. The
 * figures are given next to the emulator's and the typed producer's from this run: how much of the limit they reach.
 */
import { KAFKA_VERSION } from '../shared/kafka/version';
import { defineTopic } from '../shared/declarations/topic';
import { describeFailure, run } from '../launcher/kafka/exec';
import { classpath, ensureJars } from '../launcher/kafka/jars';
import type { Benchmark } from './common';
import { BenchValue } from './records';
import { describeRuns, formatNumber, median, result, type Result } from './report';

const JVM = ['-Xmx512m', '-Djava.awt.headless=true'];

async function java(mainClass: string, args: readonly string[]): Promise<string> {
  const outcome = await run('java', [...JVM, '-cp', classpath(KAFKA_VERSION), mainClass, ...args], {
    timeoutMs: 5 * 60_000,
  });
  if (outcome.code !== 0) throw new Error(`${mainClass} failed: ${describeFailure(outcome)}`);
  return outcome.stdout;
}

/** "1000000 records sent, 312500.0 records/sec (59.60 MB/sec), ..." */
async function producerPerformance(brokers: string[], topic: string, records: number): Promise<number> {
  const out = await java('org.apache.kafka.tools.ProducerPerformance', [
    '--topic',
    topic,
    '--num-records',
    String(records),
    '--record-size',
    '200',
    '--throughput',
    '-1',
    '--producer-props',
    `bootstrap.servers=${brokers.join(',')}`,
    'acks=all',
    'enable.idempotence=true',
    // Throughput settings: the ceiling is what the broker takes, not what default client batching gets.
    'batch.size=262144',
    'linger.ms=20',
  ]);
  const match = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out.trim().split('\n').pop() ?? '');
  if (!match) throw new Error(`unexpected ProducerPerformance output:\n${out}`);
  return Number(match[2]);
}

/** CSV: start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, ... */
async function consumerPerformance(
  brokers: string[],
  topic: string,
  records: number,
  group: string,
): Promise<number> {
  const out = await java('org.apache.kafka.tools.ConsumerPerformance', [
    '--bootstrap-server',
    brokers.join(','),
    '--topic',
    topic,
    '--messages',
    String(records),
    '--group',
    group,
  ]);
  const lines = out.trim().split('\n');
  const header = lines.findIndex((l) => l.startsWith('start.time'));
  const columns = lines[header]?.split(',').map((c) => c.trim()) ?? [];
  const values = lines[header + 1]?.split(',').map((c) => c.trim()) ?? [];
  const rate = Number(values[columns.indexOf('nMsg.sec')]);
  if (header < 0 || !Number.isFinite(rate)) throw new Error(`unexpected ConsumerPerformance output:\n${out}`);
  return rate;
}

const find = (earlier: readonly Result[], name: string): Result | undefined =>
  earlier.find((r) => r.name === name);

export const brokerCeiling: Benchmark = {
  id: 'ceiling',
  title: "the broker's ceiling (Apache Kafka ProducerPerformance / ConsumerPerformance, Java client)",
  needsKafka: true,
  async run({ quick, say }, bk, earlier) {
    await ensureJars(KAFKA_VERSION, say);
    const records = quick ? 200_000 : 1_000_000;
    const topic = defineTopic({ name: bk!.name('ceiling'), partitions: 12, value: BenchValue, key: null });
    await bk!.createTopics([topic]);
    const produced: number[] = [];
    const consumed: number[] = [];
    // Each round writes `records` more and reads the oldest `records` with a new group; round 0 is the warm-up.
    for (let round = 0; round < 4; round++) {
      const p = await producerPerformance(bk!.brokers, topic.name, records);
      const c = await consumerPerformance(bk!.brokers, topic.name, records, bk!.name(`ceiling.${round}`));
      say(
        `  ${round === 0 ? 'warm-up' : `run ${round}/3`}: produce ${p.toFixed(0)}, consume ${c.toFixed(0)} records/s`,
      );
      if (round > 0) {
        produced.push(p);
        consumed.push(c);
      }
    }
    const shape = `${formatNumber(records)} records of 200 bytes, 12 partitions, acks=all`;
    const out: Result[] = [];
    const emulator = find(earlier, 'emulator throughput');
    const producer = find(earlier, 'producer throughput');
    const notes = [
      describeRuns('ProducerPerformance', produced, 'records/s'),
      describeRuns('ConsumerPerformance', consumed, 'records/s'),
    ];
    if (emulator) {
      out.push(
        result({
          name: 'emulator vs broker ceiling',
          unit: 'records/s',
          value: emulator.value,
          baseline: median(consumed),
          target: null,
          better: 'higher',
          subject: 'the emulator figure above',
          against: `Java ConsumerPerformance (new group, ${shape}), nMsg.sec`,
          notes,
        }),
        result({
          name: 'hand-written consumer vs broker ceiling',
          unit: 'records/s',
          value: emulator.baseline,
          baseline: median(consumed),
          target: null,
          better: 'higher',
          subject: 'the hand-written kafkajs consumer figure above',
          against: 'Java ConsumerPerformance',
        }),
      );
    }
    if (producer) {
      out.push(
        result({
          name: 'typed producer vs broker ceiling',
          unit: 'records/s',
          value: producer.value,
          baseline: median(produced),
          target: null,
          better: 'higher',
          subject: 'the typed producer figure above',
          against: `Java ProducerPerformance (idempotent, batch.size 256 KiB, linger.ms 20, ${shape})`,
          ...(!emulator && { notes }),
        }),
      );
    }
    if (!out.length)
      say(`  (run with the emulator and producer benchmarks to get their share of this ceiling)`);
    return out;
  },
};
