import { invokeHandler } from './lambda/adapter';
import { readDeadLetter, type DeadLetterInfo } from './lambda/dead-letter';
import type { AnyHandlerDefinition } from './declarations/handler';
import { toMskEvent, type MskBatchResponse, type MskEvent, type RawRecord } from './lambda/msk-event';
import type { InvocationReport } from './lambda/invocation-report';
import { partitionForKey } from './kafka/partitioner';
import { keyBytes, type OutgoingRecord, type RecordSink } from './kafka/publish';
import type { AnyTopic, Topic } from './declarations/topic';
import { jsonCodec } from './declarations/codec';

/**
 * Unit-test a handler without a broker, through the very adapter that runs on Lambda:
 *
 *   const result = await runHandler(myHandler, [record(itemChange.of('eu1'), { ... })]);
 *   expect(result.handled).toHaveLength(1);
 */

/** A record to feed a handler: a typed value, or raw bytes to test what malformed input does. */
export interface TestRecord {
  topic: string;
  partitions: number;
  value: Buffer | null;
  key: Buffer | null;
  /** @default - the partition the key goes to (as the Java client picks), else 0 */
  partition?: number;
  /** @default - the next offset of its partition in the event */
  offset?: number;
  /** @default - 2026-01-01T00:00:00Z (epoch ms), fixed so tests are repeatable */
  timestamp?: number;
  /** @default - none */
  headers?: Record<string, string>;
}

type RecordOverrides = Partial<Pick<TestRecord, 'partition' | 'offset' | 'timestamp' | 'headers'>> & {
  key?: string | null;
};

/** A well-formed record of a topic; the key is derived as the topic declares unless given. */
export function record<T>(topic: Topic<T>, value: T, overrides: RecordOverrides = {}): TestRecord {
  const key = overrides.key !== undefined ? overrides.key : topic.keyOf ? topic.keyOf(value) : null;
  return {
    ...overrides,
    topic: topic.name,
    partitions: topic.partitions,
    value: topic.codec.encode(value),
    key: key === null ? null : keyBytes(topic, key),
  };
}

/** A record with arbitrary bytes as value (malformed JSON, a value that breaks the schema). */
export function rawRecord(
  topic: AnyTopic,
  value: string | Buffer | null,
  overrides: RecordOverrides = {},
): TestRecord {
  const key = overrides.key ?? null;
  return {
    ...overrides,
    topic: topic.name,
    partitions: topic.partitions,
    value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value,
    key: key === null ? null : Buffer.from(key, 'utf8'),
  };
}

/** Builds the MSK event Lambda would send for these records (partitions by key as Kafka would, offsets counted per partition). */
export function mskEvent(records: readonly TestRecord[]): MskEvent {
  const nextOffset = new Map<string, number>();
  const raws: RawRecord[] = records.map((r) => {
    const partition = r.partition ?? (r.key ? partitionForKey(r.key, r.partitions) : 0);
    const tp = `${r.topic}-${partition}`;
    const offset = r.offset ?? nextOffset.get(tp) ?? 0;
    nextOffset.set(tp, offset + 1);
    return {
      topic: r.topic,
      partition,
      offset,
      timestamp: r.timestamp ?? Date.UTC(2026, 0, 1),
      timestampType: 'CREATE_TIME',
      key: r.key,
      value: r.value,
      headers: Object.entries(r.headers ?? {}).map(([key, value]) => ({
        key,
        value: Buffer.from(value, 'utf8'),
      })),
    };
  });
  return toMskEvent(raws, {
    eventSourceArn:
      'arn:aws:kafka:us-east-1:000000000000:cluster/testkit/00000000-0000-0000-0000-000000000000-1',
    bootstrapServers: 'test-broker:9092',
  });
}

export interface CapturedRecord {
  topic: string;
  key: string | null;
  /**
   * The value decoded by its topic's registry format (Avro, Protobuf) where it has one, else as JSON where it is
   * JSON, else the raw bytes.
   */
  value: unknown;
  headers: Record<string, string>;
}

export interface HandlerRunResult extends InvocationReport {
  response: MskBatchResponse;
  /** Records the handler published through `ctx.publish`. */
  published: CapturedRecord[];
  /** Records written to dead-letter topics, with what their headers say. */
  deadLetters: (CapturedRecord & { info: DeadLetterInfo })[];
}

/** Decodes with `decode`, or gives `fallback` when the bytes are not of that format. */
function attempt(decode: () => unknown, fallback: unknown): unknown {
  try {
    return decode();
  } catch {
    return fallback;
  }
}

function capture(record: OutgoingRecord, topic: AnyTopic | undefined): CapturedRecord {
  const bytes = record.value;
  let value: unknown = bytes;
  if (bytes && topic && topic.codec !== jsonCodec) value = attempt(() => topic.codec.decode(bytes), bytes);
  else if (bytes) value = attempt(() => JSON.parse(bytes.toString('utf8')), bytes);
  const headers: Record<string, string> = {};
  for (const { key, value } of record.headers) if (value !== null) headers[key] = value.toString('utf8');
  const keyBytes = record.key;
  const key =
    keyBytes === null
      ? null
      : topic?.keyCodec
        ? String(attempt(() => topic.keyCodec!.decode(keyBytes), keyBytes.toString('utf8')))
        : keyBytes.toString('utf8');
  return { topic: record.topic, key, value, headers };
}

/** The declared topic a handler wrote to or read from (dead letters keep their source topic's bytes). */
function topicNamed(def: AnyHandlerDefinition, name: string): AnyTopic | undefined {
  for (const source of [...def.publishes, ...def.sources]) {
    if (source.kind === 'topic' && source.name === name) return source;
    if (source.kind === 'family' && source.memberOf(name) !== undefined)
      return source.of(source.memberOf(name)!);
  }
  return undefined;
}

export interface RunOptions {
  /**
   * Make every write fail, e.g. to test that a failed dead-letter write fails the batch.
   * @default false
   */
  failWrites?: boolean;
}

/** Runs the handler on the records (or a raw MSK event) and returns what it did. Retries do not wait. */
export async function runHandler(
  def: AnyHandlerDefinition,
  input: readonly TestRecord[] | MskEvent,
  options: RunOptions = {},
): Promise<HandlerRunResult> {
  const written: OutgoingRecord[] = [];
  const sink: RecordSink = {
    async send(records) {
      if (options.failWrites) throw new Error('write refused by the test');
      written.push(...records);
    },
  };
  const event = Array.isArray(input) ? mskEvent(input as readonly TestRecord[]) : (input as MskEvent);
  const result = await invokeHandler(def, event, { sink: () => sink, wait: async () => {}, log: silentLog });
  const deadTopics = new Set(result.deadLettered.map((d) => d.deadLetterTopic));
  return {
    ...result,
    published: written
      .filter((r) => !deadTopics.has(r.topic))
      .map((r) => capture(r, topicNamed(def, r.topic))),
    deadLetters: written
      .filter((r) => deadTopics.has(r.topic))
      .map((r) => {
        const info = readDeadLetter(r.headers);
        return { ...capture(r, topicNamed(def, info.source.topic)), info };
      }),
  };
}

const silentLog = { debug() {}, info() {}, warn() {}, error() {} };
