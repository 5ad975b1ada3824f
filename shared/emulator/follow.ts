/**
 * "Follow this record": from one record, every record and invocation that carries its trace, across topics and
 * handlers, with timings. The invocations come from the spans the emulator's functions reported; the records from
 * Kafka, read around the times those spans and the record give (a trace's records are written within moments of
 * each other), plus the exact records the spans processed, however old.
 */
import type { Admin, Kafka } from 'kafkajs';
import type { AppPlan } from '../declarations/app-plan';
import type { AnyTopic } from '../declarations/topic';
import { errorMessage } from '../errors';
import type { RawRecord } from '../kafka/records';
import { DLQ_HEADER, readDeadLetter } from '../lambda/dead-letter';
import { decodeRecord } from '../lambda/decode';
import { TRACEPARENT, TRACESTATE, traceContextOf } from '../observability/trace-context';
import { traceTree, type TracedRecord, type TracedSpan, type TraceNode } from './follow-tree';
import { PartitionReader, type OffsetRange } from '../kafka/partition-reader';
import type { HandlerStats } from './stats';

export interface FollowTarget {
  topic: string;
  partition: number;
  offset: number;
}

export interface FollowOptions {
  /** How long after the latest known moment of the trace records are looked for. @default 120000 */
  afterMs?: number;
  /** At most this many records read per partition. @default 10000 */
  perPartition?: number;
}

export interface FollowedTrace {
  origin: FollowTarget;
  traceId: string;
  /** Traces of batches that processed a record of this one (their spans link to it): followed one hop. */
  linkedTraceIds: string[];
  records: TracedRecord[];
  spans: TracedSpan[];
  tree: TraceNode[];
  /** What was read to find the records. */
  scanned: { from: string; to: string; topics: number; records: number };
}

/** Per topic, per partition: offsets `[from, to)`. */
type TopicRanges = Map<string, Map<number, [number, number]>>;

/** The records of the ranges that `keep` keeps, read without a consumer group (shared/kafka/partition-reader.ts). */
async function readRanges(
  kafka: Kafka,
  ranges: TopicRanges,
  keep: (raw: RawRecord) => boolean,
): Promise<RawRecord[]> {
  const list: OffsetRange[] = [...ranges].flatMap(([topic, partitions]) =>
    [...partitions].map(([partition, [from, to]]) => ({ topic, partition, from, to })),
  );
  if (list.length === 0) return [];
  const reader = await PartitionReader.connect(kafka);
  const kept: RawRecord[] = [];
  try {
    await reader.read(list, (raw) => {
      if (keep(raw)) kept.push(raw);
      return true;
    });
  } finally {
    await reader.disconnect();
  }
  return kept;
}

/** Before the earliest known moment of the trace, records are looked for this far back. */
const BEFORE_MS = 10_000;

function valuesOf(raw: RawRecord, name: string): string[] {
  return raw.headers.flatMap((h) => (h.key === name && h.value !== null ? [h.value.toString('utf8')] : []));
}

/** A linked trace's own spans count; batches linking to it would lead further afield. */
const wantedTrace = (traceId: string, linked: readonly string[]): boolean => linked.includes(traceId);

const traceOf = (raw: RawRecord) => traceContextOf(valuesOf(raw, TRACEPARENT), valuesOf(raw, TRACESTATE));

/** A record as the follow view shows it: decoded as a handler would, a dead letter with what it says. */
async function traced(raw: RawRecord, topic: AnyTopic | undefined): Promise<TracedRecord> {
  const context = traceOf(raw)!;
  let value: unknown = raw.value?.toString('utf8') ?? null;
  let problem: string | undefined;
  if (topic) {
    try {
      value = (await decodeRecord(topic, raw)).value;
    } catch (error) {
      problem = errorMessage(error);
    }
  }
  let deadLetter: TracedRecord['deadLetter'];
  if (raw.headers.some((h) => h.key === DLQ_HEADER.handler)) {
    try {
      const info = readDeadLetter(raw.headers);
      deadLetter = { handler: info.handler, source: info.source, kind: info.kind, error: info.error };
    } catch {
      // not all of a dead letter's headers: shown as a plain record
    }
  }
  return {
    traceId: context.traceId,
    parentSpanId: context.spanId,
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: raw.timestamp,
    key: raw.key?.toString('utf8') ?? null,
    value,
    ...(problem !== undefined && { problem }),
    ...(deadLetter && { deadLetter }),
  };
}

/** Per partition of each topic, the offsets written from `from` to `to` (epoch ms), at most `cap` of them. */
async function timeRanges(
  admin: Admin,
  topics: readonly string[],
  from: number,
  to: number,
  cap: number,
): Promise<TopicRanges> {
  const ranges: TopicRanges = new Map();
  await Promise.all(
    topics.map(async (topic) => {
      const [ends, starts, stops] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchTopicOffsetsByTimestamp(topic, from),
        admin.fetchTopicOffsetsByTimestamp(topic, to),
      ]);
      const partitions = new Map<number, [number, number]>();
      for (const p of ends) {
        const high = Number(p.high);
        const start = Number(starts.find((s) => s.partition === p.partition)?.offset ?? high);
        const stop = Number(stops.find((s) => s.partition === p.partition)?.offset ?? high);
        // -1: nothing written at or after that time
        const first = start < 0 ? high : Math.max(start, Number(p.low));
        const last = stop < 0 ? high : Math.min(stop, high);
        if (last > first) partitions.set(p.partition, [first, Math.min(last, first + cap)]);
      }
      if (partitions.size) ranges.set(topic, partitions);
    }),
  );
  return ranges;
}

/** Adds single-record ranges for locations the time ranges do not cover. */
function missingLocations(ranges: TopicRanges, locations: readonly FollowTarget[]): TopicRanges {
  const missing: TopicRanges = new Map();
  for (const { topic, partition, offset } of locations) {
    const range = ranges.get(topic)?.get(partition);
    if (range && offset >= range[0] && offset < range[1]) continue;
    let partitions = missing.get(topic);
    if (!partitions) missing.set(topic, (partitions = new Map()));
    const known = partitions.get(partition);
    partitions.set(
      partition,
      known ? [Math.min(known[0], offset), Math.max(known[1], offset + 1)] : [offset, offset + 1],
    );
  }
  return missing;
}

/** Follows the trace of the record at `target`; a RangeError says why it cannot. */
export async function followRecord(
  emulator: {
    kafka: Kafka;
    plan: Pick<AppPlan, 'topics'>;
    /** The catalog's declaration of a topic, to decode its records; undefined: shown as text. */
    declaration(topic: string): AnyTopic | undefined;
    stats: ReadonlyMap<string, HandlerStats>;
  },
  target: FollowTarget,
  options: FollowOptions = {},
): Promise<FollowedTrace> {
  const { kafka, plan, stats } = emulator;
  const topics = new Map(plan.topics.map((t) => [t.name, t]));
  const topic = topics.get(target.topic);
  if (!topic) throw new RangeError(`no declared topic named "${target.topic}"`);
  if (!Number.isInteger(target.partition) || target.partition < 0 || target.partition >= topic.partitions)
    throw new RangeError(
      `partition of ${topic.name} must be an integer from 0 to ${topic.partitions - 1}, got ${target.partition}`,
    );
  if (!Number.isInteger(target.offset) || target.offset < 0)
    throw new RangeError(`offset must be a non-negative integer, got ${target.offset}`);
  const where = `${target.topic}/${target.partition}/${target.offset}`;

  const [origin] = await readRanges(
    kafka,
    new Map([[target.topic, new Map([[target.partition, [target.offset, target.offset + 1]]])]]),
    () => true,
  );
  if (!origin || origin.offset !== target.offset) throw new RangeError(`there is no record at ${where}`);
  const context = traceOf(origin);
  if (!context)
    throw new RangeError(
      `the record at ${where} carries no valid traceparent header: it was written without this framework's producer, or with tracing off`,
    );
  const traceId = context.traceId;

  const spansOf = (id: string): TracedSpan[] =>
    [...stats].flatMap(([handler, s]) => s.spans.ofTrace(id).map((span) => ({ ...span, handler })));
  const own = spansOf(traceId);
  const linkedTraceIds = [...new Set(own.filter((s) => s.traceId !== traceId).map((s) => s.traceId))];
  const spans = [...own];
  const known = new Set(own.map((s) => `${s.handler}\0${s.traceId}\0${s.spanId}`));
  for (const span of linkedTraceIds.flatMap(spansOf)) {
    const id = `${span.handler}\0${span.traceId}\0${span.spanId}`;
    if (!wantedTrace(span.traceId, linkedTraceIds) || known.has(id)) continue;
    known.add(id);
    spans.push(span);
  }
  const wanted = new Set([traceId, ...linkedTraceIds]);

  const moments = [origin.timestamp, ...spans.flatMap((s) => [s.start, s.end])];
  const from = Math.min(...moments) - BEFORE_MS;
  const to = Math.min(Date.now(), Math.max(...moments) + (options.afterMs ?? 120_000));
  const admin = kafka.admin();
  await admin.connect();
  let ranges: TopicRanges;
  try {
    ranges = await timeRanges(admin, [...topics.keys()], from, to, options.perPartition ?? 10_000);
  } finally {
    await admin.disconnect();
  }
  const processed = spans.flatMap((s) =>
    s.offset === undefined ? [] : [{ topic: s.topic, partition: s.partition, offset: s.offset }],
  );
  const extra = missingLocations(ranges, processed);
  // Only the trace's records are kept: the rest of the window is read and dropped as it comes.
  const ofTrace = (raw: RawRecord): boolean => {
    const t = traceOf(raw);
    return t !== undefined && wanted.has(t.traceId);
  };
  const found = [...(await readRanges(kafka, ranges, ofTrace)), ...(await readRanges(kafka, extra, ofTrace))];
  const records = await Promise.all(found.map((raw) => traced(raw, emulator.declaration(raw.topic))));
  records.sort((a, b) => a.timestamp - b.timestamp);
  let scannedCount = 0;
  for (const partitions of ranges.values()) for (const [a, b] of partitions.values()) scannedCount += b - a;
  return {
    origin: target,
    traceId,
    linkedTraceIds,
    records,
    spans,
    tree: traceTree(records, spans),
    scanned: {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      topics: ranges.size,
      records: scannedCount,
    },
  };
}
