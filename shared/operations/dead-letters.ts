/**
 * A handler's dead letters, listed with what their headers say. `dlq list`, `dlq show`, the console and replay
 * all read them here: a page at a time for a caller (each under a response's size), all at once for a replay.
 */
import { rangeKey, type OffsetRange } from '../kafka/partition-reader';
import type { RawRecord } from '../kafka/records';
import { DLQ_HEADER, readDeadLetter, type DeadLetterInfo, type FailureKind } from '../lambda/dead-letter';
import type { HandlerRef } from './app';
import { decodePageToken, encodePageToken, type PagePosition } from './page-token';
import { OperationsError, type DeadLetterPage, type DeadLetterQuery, type DeadLetterView } from './protocol';
import { PageBudget } from './record-view';
import type { ClusterSession } from './session';

export interface DeadLetterFilter {
  since?: Date;
  until?: Date;
  error?: string;
  kind?: FailureKind;
  ids?: readonly string[];
}

export interface DeadLetterEntry {
  /** Where the dead letter itself is stored: `<dlq topic>/<partition>/<offset>`, its identity for replay. */
  id: string;
  info: DeadLetterInfo;
  /** The record as it was in its source topic: its coordinates, key, value and headers. */
  original: RawRecord;
}

export function filterOf(q: DeadLetterQuery = {}): DeadLetterFilter {
  return {
    ...(q.since && { since: new Date(q.since) }),
    ...(q.until && { until: new Date(q.until) }),
    ...(q.error !== undefined && { error: q.error }),
    ...(q.kind && { kind: q.kind }),
    ...(q.ids && { ids: q.ids }),
  };
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

/** A record of a dead-letter topic as an entry; one without the dead-letter headers is refused by its place. */
export function entryOf(letter: RawRecord): DeadLetterEntry {
  const id = `${letter.topic}/${letter.partition}/${letter.offset}`;
  let info: DeadLetterInfo;
  try {
    info = readDeadLetter(letter.headers);
  } catch (error) {
    throw new OperationsError('failed', `${id} is ${(error as Error).message}`);
  }
  return {
    id,
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
}

export function letterView(e: DeadLetterEntry): DeadLetterView {
  const text = (b: Buffer | null): string | null => (b === null ? null : b.toString('utf8'));
  return {
    id: e.id,
    info: { ...e.info, failedAt: e.info.failedAt.toISOString() },
    original: {
      topic: e.original.topic,
      partition: e.original.partition,
      offset: e.original.offset,
      timestamp: e.original.timestamp,
      key: text(e.original.key),
      value: text(e.original.value),
      headers: e.original.headers.map((h) => ({ key: h.key, value: text(h.value) })),
    },
  };
}

/** Every partition of the handler's dead-letter topics that exist, from its log start to its end now. */
async function wholeTopics(session: ClusterSession, handler: HandlerRef): Promise<PagePosition[]> {
  const existing = await session.existingTopics();
  const positions: PagePosition[] = [];
  for (const topic of handler.deadLetterTopics.filter((t) => existing.has(t)))
    for (const p of await session.offsets(topic))
      positions.push({ topic, partition: p.partition, next: p.low, to: p.high });
  return positions;
}

/** Dead letters kept now: a dead-letter topic is never compacted, so its offsets count its records. */
export async function deadLetterCount(session: ClusterSession, handler: HandlerRef): Promise<number> {
  return (await wholeTopics(session, handler)).reduce((n, p) => n + p.to - p.next, 0);
}

/**
 * Reads dead letters from `positions`, handing each match to `take` until it says stop. Resolves with where each
 * partition stands. Positions below a partition's log start (retention removed them meanwhile) start there.
 */
async function scan(
  session: ClusterSession,
  positions: readonly PagePosition[],
  filter: DeadLetterFilter,
  take: (entry: DeadLetterEntry) => boolean,
): Promise<PagePosition[]> {
  const ranges: OffsetRange[] = [];
  for (const topic of new Set(positions.map((p) => p.topic))) {
    const low = new Map((await session.offsets(topic)).map((o) => [o.partition, o.low]));
    for (const p of positions.filter((x) => x.topic === topic))
      ranges.push({
        topic,
        partition: p.partition,
        from: Math.max(p.next, low.get(p.partition) ?? 0),
        to: p.to,
      });
  }
  const reached = await (
    await session.reader()
  ).read(ranges, (letter) => {
    const entry = entryOf(letter);
    return !matches(entry, filter) || take(entry);
  });
  return ranges.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    next: reached.get(rangeKey(r.topic, r.partition))!,
    to: r.to,
  }));
}

/** One page of the handler's dead letters that match, each page under one response's size. */
export async function deadLetterPage(
  session: ClusterSession,
  handler: HandlerRef,
  query: DeadLetterQuery = {},
  pageToken?: string,
): Promise<DeadLetterPage> {
  const of = `dead-letters:${handler.name}`;
  const start = pageToken ? decodePageToken(of, query, pageToken) : await wholeTopics(session, handler);
  const budget = new PageBudget();
  const letters: DeadLetterView[] = [];
  const reached = await scan(session, start, filterOf(query), (entry) => {
    const view = letterView(entry);
    if (!budget.fits(view)) return false;
    letters.push(view);
    return true;
  });
  letters.sort((a, b) => a.info.failedAt.localeCompare(b.info.failedAt));
  const more = reached.some((p) => p.next < p.to);
  return { letters, ...(more && { nextPageToken: encodePageToken(of, query, reached) }) };
}

/** Every dead letter of the handler that matches, oldest failure first (what a replay works through). */
export async function allDeadLetters(
  session: ClusterSession,
  handler: HandlerRef,
  filter: DeadLetterFilter,
): Promise<DeadLetterEntry[]> {
  const entries: DeadLetterEntry[] = [];
  await scan(session, await wholeTopics(session, handler), filter, (entry) => entries.push(entry) > 0);
  return entries.sort((a, b) => a.info.failedAt.getTime() - b.info.failedAt.getTime());
}

/** One dead letter by id, or not-found. */
export async function deadLetterById(
  session: ClusterSession,
  handlers: readonly HandlerRef[],
  id: string,
): Promise<DeadLetterView> {
  const [partition, offset] = id.split('/').slice(-2).map(Number) as [number, number];
  const topic = id.split('/')[0]!;
  if (!handlers.some((h) => h.deadLetterTopics.includes(topic)))
    throw new OperationsError('not-found', `${topic} is not a dead-letter topic of any handler`);
  const gone = new OperationsError(
    'not-found',
    `no dead letter ${id} (removed by retention, or never written)`,
  );
  if (!(await session.existingTopics()).has(topic)) throw gone;
  const kept = (await session.offsets(topic)).find((p) => p.partition === partition);
  if (!kept || offset < kept.low || offset >= kept.high) throw gone;
  let found: DeadLetterEntry | undefined;
  await (
    await session.reader()
  ).read([{ topic, partition, from: offset, to: offset + 1 }], (letter) => {
    if (letter.offset === offset) found = entryOf(letter);
    return true;
  });
  if (!found) throw gone;
  return letterView(found);
}
