/**
 * Browsing a topic's latest records, decoded and validated against its declaration, newest first: what the
 * console's topic page shows. Reads through a throwaway consumer group, so no application group is touched.
 */
import type { Kafka } from 'kafkajs';
import type { AnyTopic } from '../declarations/topic';
import { errorMessage } from '../errors';
import { partitionForKey } from '../kafka/partitioner';
import type { RawRecord } from '../kafka/records';
import { decodeRecord } from '../lambda/decode';
import { readRanges } from './read-ranges';
import { valueToJson } from '../schemas/json-values';

export interface BrowseQuery {
  /** Only this partition. */
  partition?: number;
  /** Only records at or before this offset (with `partition`, else on every partition). */
  offset?: number;
  /** Only records written at or before this time. */
  before?: Date;
  /** Only records with this key: read from the one partition the key goes to. */
  key?: string;
  /** @default 50 */
  limit?: number;
}

export interface BrowsedRecord {
  partition: number;
  offset: number;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  /** The decoded value when it decodes and validates, else the value's text. */
  value: unknown;
  /** Why the value does not decode or validate (the reason a handler would dead-letter it for). */
  problem?: string;
}

/** How many records are scanned per partition to find a key's latest records. */
const KEY_SCAN = 5000;

function inRange(n: number | undefined, what: string, max: number): void {
  if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > max))
    throw new RangeError(`${what} must be an integer from 0 to ${max}, got ${n}`);
}

async function decoded(topic: AnyTopic, raw: RawRecord): Promise<BrowsedRecord> {
  const base = {
    partition: raw.partition,
    offset: raw.offset,
    timestamp: new Date(raw.timestamp).toISOString(),
    key: raw.key === null ? null : raw.key.toString('utf8'),
  };
  const headers: Record<string, string> = {};
  for (const h of raw.headers) if (h.value !== null) headers[h.key] = h.value.toString('utf8');
  try {
    const record = await decodeRecord(topic, raw);
    return { ...base, key: record.key, headers, value: valueToJson(topic, record.value) };
  } catch (error) {
    return { ...base, headers, value: raw.value?.toString('utf8') ?? null, problem: errorMessage(error) };
  }
}

/** The topic's latest records that match, newest first, each decoded and validated as a handler would. */
export async function browseRecords(
  kafka: Kafka,
  topic: AnyTopic,
  query: BrowseQuery = {},
): Promise<BrowsedRecord[]> {
  const limit = query.limit ?? 50;
  inRange(limit, 'limit', 500);
  inRange(query.partition, `partition of ${topic.name}`, topic.partitions - 1);
  inRange(query.offset, 'offset', Number.MAX_SAFE_INTEGER);
  if (query.before && Number.isNaN(query.before.getTime())) throw new RangeError('before is not a date');
  const admin = kafka.admin();
  await admin.connect();
  const ranges = new Map<number, [number, number]>();
  try {
    const offsets = await admin.fetchTopicOffsets(topic.name);
    const byTime = query.before
      ? await admin.fetchTopicOffsetsByTimestamp(topic.name, query.before.getTime() + 1)
      : undefined;
    const only = query.key !== undefined ? partitionForKey(query.key, offsets.length) : query.partition;
    for (const p of offsets) {
      if (only !== undefined && p.partition !== only) continue;
      let to = Number(p.high);
      if (query.offset !== undefined) to = Math.min(to, query.offset + 1);
      const timeBound = byTime?.find((t) => t.partition === p.partition)?.offset;
      // The first offset written after `before` (or -1 when none is): everything before it is older.
      if (timeBound !== undefined && Number(timeBound) >= 0) to = Math.min(to, Number(timeBound));
      const span = query.key !== undefined ? KEY_SCAN : limit;
      ranges.set(p.partition, [Math.max(Number(p.low), to - span), to]);
    }
  } finally {
    await admin.disconnect();
  }
  const raw = (await readRanges(kafka, new Map([[topic.name, ranges]])))
    .filter((r) => query.key === undefined || r.key?.toString('utf8') === query.key)
    .sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset)
    .slice(0, limit);
  return Promise.all(raw.map((r) => decoded(topic, r)));
}
