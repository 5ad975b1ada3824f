/**
 * The broker the benchmarks run against: KAFKA_BROKERS when set, else the local cluster (started by the run, and
 * stopped at its end only if the run started it). Every topic a run creates is named `bench.<run id>.…` (dead-letter
 * topics the emulator adds too) and is deleted when its benchmark ends.
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { down, up } from '../launcher/kafka/cluster';
import { brokerList } from '../shared/kafka/connection';
import { javaCompatiblePartitioner } from '../shared/kafka/placement';
import { alignTopics } from '../shared/emulator/align-topics';
import type { AnyTopic } from '../shared/declarations/topic';

export interface BenchKafka {
  brokers: string[];
  /** `bench.<run id>.<suffix>`: a topic or group name of this run. */
  name(suffix: string): string;
  kafka: Kafka;
  admin: Admin;
  /** Creates (or aligns) topics exactly as the emulator would from their declarations. */
  createTopics(topics: readonly AnyTopic[]): Promise<void>;
  /** Deletes this run's topics and disconnects. */
  dispose(): Promise<void>;
}

/** The brokers to use, and how to release them: the local cluster is stopped only if it was started here. */
export interface Brokers {
  brokers: string[];
  release(): Promise<void>;
}

export async function acquireBrokers(say: (line: string) => void): Promise<Brokers> {
  const given = brokerList(process.env.KAFKA_BROKERS);
  if (given.length) return { brokers: given, release: async () => {} };
  const started = Date.now();
  const cluster = await up({ startedBy: 'bench' });
  say(
    `${cluster.started ? 'started' : 'reusing'} the local ${cluster.mode} cluster at ${cluster.brokers.join(',')}` +
      (cluster.started ? ` in ${((Date.now() - started) / 1000).toFixed(1)} s` : ''),
  );
  return {
    brokers: cluster.brokers,
    async release() {
      if (!cluster.started) return;
      await down();
      say('stopped the local cluster this run started');
    },
  };
}

/** A new id for one `npm run bench`: every topic and group it makes is named `bench.<run id>.…`. */
export const newRunId = (): string => `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

async function deleteRunTopics(admin: Admin, prefix: string): Promise<void> {
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (mine.length) await admin.deleteTopics({ topics: mine, timeout: 30_000 }).catch(() => undefined);
}

export async function openBenchKafka(brokers: string[], runId: string): Promise<BenchKafka> {
  const kafka = new Kafka({ clientId: 'kafka-lambda-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const name = (suffix: string): string => `bench.${runId}.${suffix}`;
  return {
    brokers,
    name,
    kafka,
    admin,
    async createTopics(topics) {
      await alignTopics(admin, topics);
    },
    async dispose() {
      await deleteRunTopics(admin, name(''));
      await admin.disconnect();
    },
  };
}

/**
 * Writes `count` records keyed as the topic declares, placed by the same partitioner the framework uses.
 * acks=1 without idempotence: this is setup, not a measurement.
 */
export async function fillTopic<T>(
  kafka: Kafka,
  topic: { name: string; keyOf: ((value: T) => string) | null },
  count: number,
  valueAt: (i: number) => T,
): Promise<void> {
  const producer = kafka.producer({
    createPartitioner: javaCompatiblePartitioner,
    allowAutoTopicCreation: false,
  });
  await producer.connect();
  const chunk = 5_000;
  const inFlight = 4;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + chunk);
      const messages = [];
      for (let i = from; i < next; i++) {
        const value = valueAt(i);
        messages.push({ key: topic.keyOf ? topic.keyOf(value) : null, value: JSON.stringify(value) });
      }
      await producer.send({ topic: topic.name, acks: 1, messages });
    }
  };
  try {
    await Promise.all(Array.from({ length: inFlight }, worker));
  } finally {
    await producer.disconnect();
  }
}

/** Sum of the end offsets of a topic: how many records it holds (no deletions or compaction here). */
export async function recordCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}
