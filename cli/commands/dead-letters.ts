import { Kafka, logLevel } from 'kafkajs';
import { readDeadLetter, deadLetterTopics, DLQ_HEADER, type DeadLetterInfo } from '../../shared/lambda/dead-letter';
import type { HandlerModule } from '../../shared/declarations/app';
import { retainDefaultSink } from '../../shared/lambda/adapter';
import { loadModule } from '../../shared/declarations/load-module';
import type { LambdaHandler } from '../../shared/declarations/handler';
import { toMskEvent, type RawRecord } from '../../shared/lambda/msk-event';
import { readToEnd } from '../read-topics';
import { cliKafkaConfig } from '../brokers';

export interface DeadLetterFilter {
  since?: Date;
  until?: Date;
  /** Substring of the error message. */
  error?: string;
}

export interface DeadLetterEntry {
  /** Where the dead letter itself is stored: `<dlq topic>/<partition>/<offset>`, its identity for replay. */
  id: string;
  info: DeadLetterInfo;
  original: RawRecord;
}

const DLQ_HEADER_NAMES = new Set<string>(Object.values(DLQ_HEADER));

function toBuffer(v: Buffer | string | (Buffer | string)[] | undefined): Buffer | undefined {
  if (v === undefined) return undefined;
  const one = Array.isArray(v) ? v[v.length - 1] : v;
  return one === undefined ? undefined : Buffer.isBuffer(one) ? one : Buffer.from(one);
}

export async function listDeadLetters(
  kafka: Kafka,
  module: HandlerModule,
  filter: DeadLetterFilter = {},
): Promise<DeadLetterEntry[]> {
  const topics = deadLetterTopics(module.definition).map((t) => t.name);
  const admin = kafka.admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  await admin.disconnect();
  const entries: DeadLetterEntry[] = [];
  await readToEnd(
    kafka,
    topics.filter((t) => existing.has(t)),
    ({ topic, partition, message }) => {
      const headers: Record<string, Buffer> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) {
        const b = toBuffer(v);
        if (b) headers[k] = b;
      }
      const info = readDeadLetter(headers);
      if (filter.since && info.failedAt < filter.since) return;
      if (filter.until && info.failedAt > filter.until) return;
      if (filter.error && !info.error.includes(filter.error)) return;
      entries.push({
        id: `${topic}/${partition}/${message.offset}`,
        info,
        original: {
          ...info.source,
          timestamp: Number(message.timestamp),
          key: message.key,
          value: message.value,
          headers: Object.entries(headers)
            .filter(([k]) => !DLQ_HEADER_NAMES.has(k))
            .map(([key, value]) => ({ key, value })),
        },
      });
    },
  );
  return entries.sort((a, b) => a.info.failedAt.getTime() - b.info.failedAt.getTime());
}

/** The compacted topic that remembers which dead letters a handler's group has replayed. */
export const replayLedgerTopic = (group: string): string => `${group}.dlq-replayed`;

/**
 * Replays dead letters to one handler only: its module's `handler` is invoked with the original records
 * (original topic, partition, offset, key, value, headers), so no other consumer group sees them again.
 * Each replayed dead letter is written to a ledger first read here, so none is replayed twice.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  module: HandlerModule,
  filter: DeadLetterFilter,
  say: (line: string) => void,
): Promise<{ replayed: number; skipped: number }> {
  const ledger = replayLedgerTopic(module.definition.group);
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(ledger)) {
    const brokers = (await admin.describeCluster()).brokers.length;
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic: ledger,
          numPartitions: 1,
          replicationFactor: Math.min(3, brokers),
          configEntries: [{ name: 'cleanup.policy', value: 'compact' }],
        },
      ],
    });
  }
  await admin.disconnect();
  const done = new Set<string>();
  await readToEnd(kafka, [ledger], ({ message }) => message.key && done.add(message.key.toString()));

  const matching = await listDeadLetters(kafka, module, filter);
  const todo = matching.filter((e) => !done.has(e.id));
  const skipped = matching.length - todo.length;
  const { handler } = loadModule<{ handler: LambdaHandler }>(module.entry);
  // The handler's own dead letters and publishes go through the process-wide producer: close it when done.
  const releaseSink = retainDefaultSink();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let replayed = 0;
  try {
    for (let i = 0; i < todo.length; i += module.definition.batch.size) {
      const chunk = todo.slice(i, i + module.definition.batch.size);
      const response = await handler(toMskEvent(chunk.map((e) => e.original)));
      const failed = response?.batchItemFailures ?? [];
      if (failed.length)
        throw new Error(
          `replay reported failures: ${JSON.stringify(failed)}; fix the handler and replay again`,
        );
      await producer.send({
        topic: ledger,
        acks: -1,
        messages: chunk.map((e) => ({ key: e.id, value: new Date().toISOString() })),
      });
      replayed += chunk.length;
      say(`replayed ${replayed}/${todo.length}`);
    }
  } finally {
    await producer.disconnect();
    await releaseSink();
  }
  return { replayed, skipped };
}

export function kafkaFor(brokers: string[]): Kafka {
  return new Kafka({ ...cliKafkaConfig(brokers, 'kafka-lambda-cli'), logLevel: logLevel.NOTHING });
}
