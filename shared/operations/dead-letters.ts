/**
 * A handler's dead letters: listed with what their headers say, and replayed to that handler alone after a fix.
 * The CLI (`dlq list`, `dlq replay`) and the console both use these.
 */
import type { Kafka } from 'kafkajs';
import type { HandlerModule } from '../declarations/app';
import { readToEnd } from '../kafka/read-to-end';
import type { RawRecord } from '../kafka/records';
import {
  deadLetterTopics,
  DLQ_HEADER,
  readDeadLetter,
  type DeadLetterInfo,
  type FailureKind,
} from '../lambda/dead-letter';
import { toMskEvent } from '../lambda/msk-event';
import { readBatchResponse } from '../emulator/batch-response';
import { localClusterArn } from '../emulator/local-arns';
import { localFunctionFor } from '../emulator/local-function';

export interface DeadLetterFilter {
  /** Failed at or after. */
  since?: Date;
  /** Failed at or before. */
  until?: Date;
  /** Substring of the error message. */
  error?: string;
  kind?: FailureKind;
  /** Only these dead letters (ids as listed). */
  ids?: readonly string[];
}

export interface DeadLetterEntry {
  /** Where the dead letter itself is stored: `<dlq topic>/<partition>/<offset>`, its identity for replay. */
  id: string;
  info: DeadLetterInfo;
  /** The record as it was in its source topic: its coordinates, key, value and headers. */
  original: RawRecord;
}

const DLQ_HEADER_NAMES = new Set<string>(Object.values(DLQ_HEADER));

function matches(entry: DeadLetterEntry, filter: DeadLetterFilter): boolean {
  const { info } = entry;
  if (filter.since && info.failedAt < filter.since) return false;
  if (filter.until && info.failedAt > filter.until) return false;
  if (filter.error !== undefined && !info.error.includes(filter.error)) return false;
  if (filter.kind !== undefined && info.kind !== filter.kind) return false;
  if (filter.ids && !filter.ids.includes(entry.id)) return false;
  return true;
}

async function existingTopics(kafka: Kafka, names: readonly string[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    return names.filter((t) => existing.has(t));
  } finally {
    await admin.disconnect();
  }
}

/** The handler's dead letters that match, oldest first. */
export async function listDeadLetters(
  kafka: Kafka,
  module: HandlerModule,
  filter: DeadLetterFilter = {},
): Promise<DeadLetterEntry[]> {
  const topics = await existingTopics(
    kafka,
    deadLetterTopics(module.definition).map((t) => t.name),
  );
  const entries: DeadLetterEntry[] = [];
  await readToEnd(kafka, topics, (letter) => {
    const info = readDeadLetter(letter.headers);
    const entry: DeadLetterEntry = {
      id: `${letter.topic}/${letter.partition}/${letter.offset}`,
      info,
      original: {
        ...info.source,
        timestamp: letter.timestamp,
        timestampType: 'CREATE_TIME',
        key: letter.key,
        value: letter.value,
        headers: letter.headers.filter((h) => !DLQ_HEADER_NAMES.has(h.key)),
      },
    };
    if (matches(entry, filter)) entries.push(entry);
  });
  return entries.sort((a, b) => a.info.failedAt.getTime() - b.info.failedAt.getTime());
}

/** The compacted topic that remembers which dead letters a handler's group has replayed. */
export const replayLedgerTopic = (group: string): string => `${group}.dlq-replayed`;

async function ensureLedger(kafka: Kafka, ledger: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if ((await admin.listTopics()).includes(ledger)) return;
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
  } finally {
    await admin.disconnect();
  }
}

export interface ReplayOptions {
  kafka: Kafka;
  brokers: readonly string[];
  module: HandlerModule;
  filter?: DeadLetterFilter;
  /** Progress lines. */
  say?: (line: string) => void;
  /** @default AWS_REGION, else us-east-1 */
  region?: string;
}

export interface ReplayResult {
  replayed: number;
  /** Matching dead letters the ledger says were replayed before. */
  skipped: number;
}

/**
 * Replays dead letters to one handler only: its function is invoked (in a container of its own, as the emulator
 * invokes it) with the original records (original topic, partition, offset, key, value, headers), so no other
 * consumer group sees them again. Each replayed dead letter is written to a ledger first read here, so none is
 * replayed twice. A batch that fails stops the replay; what was replayed before it stays in the ledger.
 */
export async function replayDeadLetters(o: ReplayOptions): Promise<ReplayResult> {
  const { kafka, module } = o;
  const ledger = replayLedgerTopic(module.definition.group);
  await ensureLedger(kafka, ledger);
  const done = new Set<string>();
  await readToEnd(kafka, [ledger], (record) => record.key && done.add(record.key.toString()));

  const matching = await listDeadLetters(kafka, module, o.filter);
  const todo = matching.filter((e) => !done.has(e.id));
  const region = o.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const admin = kafka.admin();
  await admin.connect();
  const eventSourceArn = localClusterArn(region, (await admin.describeCluster()).clusterId);
  await admin.disconnect();
  const fn = localFunctionFor(module, { brokers: o.brokers, region });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let replayed = 0;
  try {
    for (let i = 0; i < todo.length; i += module.definition.batch.size) {
      const chunk = todo.slice(i, i + module.definition.batch.size);
      const event = toMskEvent(
        chunk.map((e) => e.original),
        { eventSourceArn, bootstrapServers: o.brokers.join(',') },
      );
      const outcome = await fn.invoke(JSON.stringify(event));
      if (!outcome.ok)
        throw new Error(`replay failed: ${outcome.error.errorType}: ${outcome.error.errorMessage}`);
      if (module.definition.failureMode === 'report-batch-item-failures') {
        const offsets = new Map(
          Object.entries(event.records).map(([key, list]) => [key, new Set(list.map((r) => r.offset))]),
        );
        const reading = readBatchResponse(outcome.payload, offsets);
        if (!reading.valid || reading.failedAt.size > 0)
          throw new Error(
            `replay reported failures (${reading.valid ? JSON.stringify(Object.fromEntries(reading.failedAt)) : reading.problem}); fix the handler and replay again`,
          );
      }
      await producer.send({
        topic: ledger,
        acks: -1,
        messages: chunk.map((e) => ({ key: e.id, value: new Date().toISOString() })),
      });
      replayed += chunk.length;
      o.say?.(`replayed ${replayed}/${todo.length}`);
    }
  } finally {
    await producer.disconnect();
    await fn.stop();
  }
  return { replayed, skipped: matching.length - todo.length };
}
