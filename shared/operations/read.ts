/**
 * Reading a topic forwards, oldest first, a page at a time: what `tail` prints. Each page reads from where the last
 * one stopped up to the topic's end as of the request; its token says where every partition stands, so a caller
 * that passes it on reads every record exactly once, and one that keeps passing it at the end follows the topic.
 */
import type { AnyTopic } from '../declarations/topic';
import { rangeKey } from '../kafka/partition-reader';
import type { RawRecord } from '../kafka/records';
import { decodePageToken, encodePageToken } from './page-token';
import type { ReadPage, RecordView } from './protocol';
import { PageBudget, recordView } from './record-view';
import type { ClusterSession } from './session';

export interface ReadOptions {
  /** Where a first page starts. @default 'end' */
  from?: 'beginning' | 'end';
  pageToken?: string;
  /** At most this many records. @default - as many as fit one response */
  limit?: number;
}

export async function readRecords(
  session: ClusterSession,
  topic: { name: string; declaration?: AnyTopic },
  o: ReadOptions = {},
): Promise<ReadPage> {
  const of = `read:${topic.name}`;
  const offsets = await session.offsetsOfExisting(topic.name);
  const start = o.pageToken ? decodePageToken(of, null, o.pageToken) : [];
  // Partitions added since the last page start at their beginning; records deleted by retention meanwhile are skipped.
  const ranges = offsets.map((p) => {
    const at = start.find((s) => s.partition === p.partition)?.next;
    const from = at ?? (o.from === 'beginning' ? p.low : p.high);
    return {
      topic: topic.name,
      partition: p.partition,
      from: Math.min(Math.max(from, p.low), p.high),
      to: p.high,
    };
  });
  const budget = new PageBudget();
  const limit = o.limit ?? Infinity;
  const records: RecordView[] = [];
  const pending: Promise<RecordView>[] = [];
  const reached = await (
    await session.reader()
  ).read(ranges, (raw: RawRecord) => {
    if (records.length + pending.length >= limit) return false;
    const view = recordView(topic.declaration, raw);
    if (view instanceof Promise) {
      // An asynchronous schema: counted by the value's text, which its view carries at most.
      if (!budget.fits(raw.value?.toString('utf8') ?? null)) return false;
      pending.push(view);
      return true;
    }
    if (!budget.fits(view)) return false;
    records.push(view);
    return true;
  });
  records.push(...(await Promise.all(pending)));
  const positions = ranges.map((r) => ({
    ...r,
    next: reached.get(rangeKey(r.topic, r.partition)) ?? r.from,
  }));
  return {
    records,
    nextPageToken: encodePageToken(of, null, positions),
    atEnd: positions.every((p) => p.next >= p.to),
  };
}
