/**
 * Browsing a topic's latest records, newest first, decoded and validated against its declaration: what the
 * console's topic page shows. Pages go back in time: each partition is read downwards from where the last page
 * stopped, and the partitions are merged by timestamp, so every record of the window appears on exactly one page.
 */
import type { AnyTopic } from '../declarations/topic';
import { partitionForKey } from '../kafka/partitioner';
import type { RawRecord } from '../kafka/records';
import { badRequest } from './protocol';
import type { BrowseQuery, RecordPage, RecordView } from './protocol';
import { decodePageToken, encodePageToken, type PagePosition } from './page-token';
import { PageBudget, recordView } from './record-view';
import type { ClusterSession } from './session';

/** How many records are scanned per partition to find a key's latest records. */
const KEY_SCAN = 5000;

/**
 * The window each partition is browsed in, newest end first: `next` is the offset below which the page reads
 * (exclusive), `to` the oldest offset it may reach (inclusive). Named as page-token positions.
 */
async function windows(session: ClusterSession, topic: string, q: BrowseQuery): Promise<PagePosition[]> {
  const offsets = await session.offsetsOfExisting(topic);
  if (q.partition !== undefined && q.partition >= offsets.length)
    throw badRequest(
      `partition of ${topic} must be an integer from 0 to ${offsets.length - 1}, got ${q.partition}`,
    );
  const byTime = q.before
    ? await (await session.admin()).fetchTopicOffsetsByTimestamp(topic, new Date(q.before).getTime() + 1)
    : undefined;
  const only = q.key !== undefined ? partitionForKey(q.key, offsets.length) : q.partition;
  return offsets
    .filter((p) => only === undefined || p.partition === only)
    .map((p) => {
      let upper = p.high;
      if (q.offset !== undefined) upper = Math.min(upper, q.offset + 1);
      const timeBound = byTime?.find((t) => t.partition === p.partition)?.offset;
      // The first offset written after `before` (or -1 when none is): everything below it is older.
      if (timeBound !== undefined && Number(timeBound) >= 0) upper = Math.min(upper, Number(timeBound));
      return { topic, partition: p.partition, next: upper, to: p.low };
    });
}

/** The next records of a merge: the partition whose newest unread record is the latest goes first. */
function mergeNewestFirst(lists: RawRecord[][], take: (r: RawRecord) => boolean): void {
  const heads = lists.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const r = lists[i]![heads[i]!];
      if (!r) continue;
      const b = best >= 0 ? lists[best]![heads[best]!]! : undefined;
      if (!b || r.timestamp > b.timestamp || (r.timestamp === b.timestamp && r.offset > b.offset)) best = i;
    }
    if (best < 0 || !take(lists[best]![heads[best]!]!)) return;
    heads[best]!++;
  }
}

/** One page of a topic's records, newest first. */
export async function browseRecords(
  session: ClusterSession,
  topic: { name: string; declaration?: AnyTopic },
  query: BrowseQuery = {},
  pageToken?: string,
): Promise<RecordPage> {
  const limit = query.limit ?? 50;
  const of = `browse:${topic.name}`;
  const positions = pageToken
    ? decodePageToken(of, query, pageToken)
    : await windows(session, topic.name, query);
  const span = query.key !== undefined ? KEY_SCAN : limit;
  const ranges = positions
    .filter((p) => p.next > p.to)
    .map((p) => ({
      topic: topic.name,
      partition: p.partition,
      from: Math.max(p.to, p.next - span),
      to: p.next,
    }));
  const read = new Map<number, RawRecord[]>(ranges.map((r) => [r.partition, []]));
  await (
    await session.reader()
  ).read(ranges, (r) => {
    if (query.key === undefined || r.key?.toString('utf8') === query.key) read.get(r.partition)!.push(r);
    return true;
  });
  // Each partition newest first; what the merge leaves of a partition is where its next page starts.
  const lists = ranges.map((r) => read.get(r.partition)!.sort((a, b) => b.offset - a.offset));
  const next = new Map(ranges.map((r) => [r.partition, r.from]));
  const candidates: RawRecord[] = [];
  mergeNewestFirst(lists, (raw) => candidates.length < limit && candidates.push(raw) > 0);
  const budget = new PageBudget();
  const records: RecordView[] = [];
  const taken = new Set<RawRecord>();
  for (const raw of candidates) {
    const pending = recordView(topic.declaration, raw);
    const view = pending instanceof Promise ? await pending : pending;
    if (!budget.fits(view)) break;
    records.push(view);
    taken.add(raw);
  }
  for (const [i, r] of ranges.entries()) {
    const left = lists[i]!.find((raw) => !taken.has(raw));
    if (left) next.set(r.partition, left.offset + 1);
  }
  const remaining = positions.map((p) => ({ ...p, next: next.get(p.partition) ?? p.next }));
  const more = remaining.some((p) => p.next > p.to);
  return { records, ...(more && { nextPageToken: encodePageToken(of, query, remaining) }) };
}
