import type { HandlerSpec } from '../declarations/handler';
import type { RawRecord } from './msk-event';
import type { Header } from '../kafka/ordered-headers';
import type { OutgoingRecord } from '../kafka/publish';
import { defineTopic, type AnyTopic, type Topic } from '../declarations/topic';
import type { StandardSchemaV1 } from '@standard-schema/spec';

/** Headers a dead-letter record carries beside the original key, value and headers. */
export const DLQ_HEADER = {
  topic: 'dlq.source.topic',
  partition: 'dlq.source.partition',
  offset: 'dlq.source.offset',
  handler: 'dlq.handler',
  group: 'dlq.group',
  attempts: 'dlq.attempts',
  kind: 'dlq.error.kind',
  error: 'dlq.error',
  failedAt: 'dlq.failed.at',
} as const;

export type FailureKind = 'decode' | 'schema' | 'handler';

export interface Failure {
  kind: FailureKind;
  message: string;
  attempts: number;
}

/** The original bytes, untouched, plus headers saying where the record came from and why it failed. */
export function deadLetterRecord(
  spec: HandlerSpec,
  raw: RawRecord,
  failure: Failure,
  now = new Date(),
): OutgoingRecord {
  if (spec.deadLetter === false) throw new Error(`handler "${spec.name}" has no dead-letter topic`);
  const headers: Header[] = [...raw.headers];
  const add = (name: string, value: string | number): void => {
    headers.push({ key: name, value: Buffer.from(String(value), 'utf8') });
  };
  add(DLQ_HEADER.topic, raw.topic);
  add(DLQ_HEADER.partition, raw.partition);
  add(DLQ_HEADER.offset, raw.offset);
  add(DLQ_HEADER.handler, spec.name);
  add(DLQ_HEADER.group, spec.group);
  add(DLQ_HEADER.attempts, failure.attempts);
  add(DLQ_HEADER.kind, failure.kind);
  add(DLQ_HEADER.error, failure.message.slice(0, 4000));
  add(DLQ_HEADER.failedAt, now.toISOString());
  return { topic: spec.deadLetter.topicName(raw.topic, spec.group), key: raw.key, value: raw.value, headers };
}

/** What a dead-letter record says about itself, for the CLI's listing and replay and for tests. */
export interface DeadLetterInfo {
  source: { topic: string; partition: number; offset: number };
  handler: string;
  group: string;
  attempts: number;
  kind: FailureKind;
  error: string;
  failedAt: Date;
}

export function readDeadLetter(
  headers: readonly Header[] | Readonly<Record<string, Buffer | string | undefined>>,
): DeadLetterInfo {
  const byName: Record<string, Buffer | string | null | undefined> = {};
  if (Array.isArray(headers)) for (const h of headers as readonly Header[]) byName[h.key] = h.value;
  else Object.assign(byName, headers);
  const get = (name: string): string => {
    const value = byName[name];
    if (value === undefined || value === null)
      throw new Error(`not a dead-letter record: header ${name} is missing`);
    return value.toString();
  };
  return {
    source: {
      topic: get(DLQ_HEADER.topic),
      partition: Number(get(DLQ_HEADER.partition)),
      offset: Number(get(DLQ_HEADER.offset)),
    },
    handler: get(DLQ_HEADER.handler),
    group: get(DLQ_HEADER.group),
    attempts: Number(get(DLQ_HEADER.attempts)),
    kind: get(DLQ_HEADER.kind) as FailureKind,
    error: get(DLQ_HEADER.error),
    failedAt: new Date(get(DLQ_HEADER.failedAt)),
  };
}

/** Accepts any bytes: a dead-letter topic holds exactly what could not be read. */
const anyValue: StandardSchemaV1<unknown, unknown> = {
  '~standard': { version: 1, vendor: 'kafka-lambda', validate: (value) => ({ value }) },
};

const FOURTEEN_DAYS_MS = 14 * 24 * 3600 * 1000;

/**
 * A topic that holds records a handler failed on: always `cleanup.policy=delete` (compaction would drop records
 * that share a key), kept 14 days, as many partitions and replicas as its widest source so a key's failures stay
 * in order.
 */
function failureTopic(name: string, sources: readonly AnyTopic[], description: string): Topic<unknown> {
  const widest = (of: (t: AnyTopic) => number): number => Math.max(...sources.map(of));
  return defineTopic({
    name,
    partitions: widest((t) => t.partitions),
    replicationFactor: widest((t) => t.replicationFactor),
    config: {
      'cleanup.policy': 'delete',
      'retention.ms': FOURTEEN_DAYS_MS,
      'min.insync.replicas': widest((t) => Number(t.config['min.insync.replicas'])),
    },
    value: anyValue,
    key: null,
    description,
  });
}

/** The dead-letter topics a handler writes to, one per source topic, shaped as its source. */
export function deadLetterTopics(spec: HandlerSpec): Topic<unknown>[] {
  const { deadLetter } = spec;
  if (deadLetter === false) return [];
  return spec.topics.map((source: AnyTopic) =>
    failureTopic(
      deadLetter.topicName(source.name, spec.group),
      [source],
      `dead letters of ${spec.name} from ${source.name}`,
    ),
  );
}

/**
 * The Kafka topic the handler's event source mappings send records they give up on (`onFailure: { topic }`), one
 * for all its mappings; it must exist on the cluster before them, so it is declared like a dead-letter topic.
 */
export function onFailureTopics(spec: HandlerSpec): Topic<unknown>[] {
  const destination = spec.onFailure;
  if (destination === undefined || destination === 's3') return [];
  return [
    failureTopic(destination.topic, spec.topics, `records the event source of ${spec.name} gave up on`),
  ];
}
