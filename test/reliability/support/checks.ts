/**
 * The accounting every scenario asserts on: the producer's ledger (what was acknowledged, what was rejected)
 * against the durable output (the projection's `applied` log and its dead-letter topic), plus per-key order, the
 * projection folded idempotently (the last offset applied per key and partition, as the table's fence keeps it),
 * and the projection's real table (written by the handler with the framework's fenced update).
 */
import type { Kafka } from 'kafkajs';
import { retriable } from '../../../shared/kafka/retriable';
import type { Applied, Balance } from '../app/topics';
import { LogReader } from './log-reader';
import {
  exited,
  handlerLedger,
  outputIds,
  type DeadLetter,
  type EmulatorProcess,
  type Output,
  type Timeline,
} from './scenario';
import { handleable, ID_HEADER, type Sent, type Traffic } from './traffic';

export interface Counts {
  /** Publishes started by the traffic generator. */
  produced: number;
  acked: number;
  /** Publishes whose promise rejected (reported with their errors). */
  rejected: number;
  /** Rejected publishes that nevertheless reached the log and the handler. */
  rejectedButDelivered: number;
  /** Records in the output topic, and distinct source records among them. */
  handled: number;
  handledUnique: number;
  deadLettered: number;
  deadLetteredUnique: number;
  /** Output records beyond the first for the same source record (handled or dead-lettered again). */
  duplicates: number;
}

export interface Analysis {
  counts: Counts;
  /** Acknowledged records neither handled nor dead-lettered. */
  missing: Sent[];
  /** Records both handled and dead-lettered. */
  both: string[];
  /** Bad records (malformed, or made to throw) that were handled. */
  handledBad: string[];
  /** Good records that were dead-lettered (only a failing write in the handler, e.g. during a broker outage, explains that). */
  deadLetteredGood: DeadLetter[];
  /** Output naming a record nobody sent. */
  unknown: string[];
  /** Per key, a record handled (for the first time) after a later record of that key. */
  orderViolations: string[];
  /** Records found at two offsets of the source topic: written twice by an idempotent producer that was never asked to retry. */
  writtenTwice: string[];
  projection: {
    keys: number;
    /** Sum over keys of the balance the producer's ledger implies. */
    expected: number;
    /** The same, folded from the output idempotently (fenced per key and source partition). */
    folded: number;
    /** The same, applying every output record (what the duplicates would do without idempotence). */
    naive: number;
    wrongKeys: string[];
  };
  table: TableCheck;
}

/** The balances table against the ledger: every good record the ledger says was written applied once, per key. */
export interface TableCheck {
  /** Keys in the ledger or in the table. */
  keys: number;
  /** Sum of the deltas of the good records the ledger says were written / sum of the table's balances. */
  expectedBalance: number;
  balance: number;
  /** Those records' count / sum of the table's per-item applied counters. */
  expectedApplies: number;
  applies: number;
  /** Keys whose item differs, e.g. `k7: balance 12 (ledger 9), applies 5 (ledger 4)`. */
  wrongKeys: string[];
}

/**
 * Compares the table with the records it must hold, each exactly once: a record applied twice shows in its key's
 * `applies` (and in its balance unless its delta is 0), one never applied likewise; an item of a key the ledger
 * does not know is wrong too.
 */
export function checkTable(
  records: readonly { key: string; delta: number }[],
  items: readonly Balance[],
): TableCheck {
  const expected = new Map<string, { balance: number; applies: number }>();
  for (const r of records) {
    const e = expected.get(r.key) ?? { balance: 0, applies: 0 };
    expected.set(r.key, { balance: e.balance + r.delta, applies: e.applies + 1 });
  }
  const actual = new Map(items.map((i) => [i.key, i]));
  const keys = [...new Set([...expected.keys(), ...actual.keys()])].sort();
  const wrongKeys = keys.flatMap((key) => {
    const e = expected.get(key) ?? { balance: 0, applies: 0 };
    const a = actual.get(key) ?? { balance: 0, applies: 0 };
    return a.balance === e.balance && a.applies === e.applies
      ? []
      : [`${key}: balance ${a.balance} (ledger ${e.balance}), applies ${a.applies} (ledger ${e.applies})`];
  });
  const total = (list: Iterable<{ balance: number; applies: number }>, f: 'balance' | 'applies'): number =>
    [...list].reduce((n, x) => n + x[f], 0);
  return {
    keys: keys.length,
    expectedBalance: total(expected.values(), 'balance'),
    balance: total(actual.values(), 'balance'),
    expectedApplies: total(expected.values(), 'applies'),
    applies: total(actual.values(), 'applies'),
    wrongKeys,
  };
}

const idOf = (h: Applied): string => `${h.key}/${h.seq}`;

export async function analyse(
  traffic: Traffic,
  handled: Applied[],
  deadLetters: DeadLetter[],
  table: Balance[],
): Promise<Analysis> {
  const sentById = new Map<string, Sent>();
  for (const s of traffic.acked) sentById.set(s.id, s);
  for (const r of traffic.rejected) sentById.set(r.sent.id, r.sent);
  const handledIds = new Set(handled.map(idOf));
  const deadIds = new Set(deadLetters.map((d) => d.id));
  const delivered = (id: string): boolean => handledIds.has(id) || deadIds.has(id);

  const handledBad = [...sentById.values()]
    .filter((s) => !handleable(s.kind) && handledIds.has(s.id))
    .map((s) => s.id);
  const deadLetteredGood = deadLetters.filter((d) => {
    const sent = sentById.get(d.id);
    return sent !== undefined && handleable(sent.kind);
  });

  // Order: each key lives on one source partition; a record handled for the first time must come after every
  // record of its key handled before it (in source offset and in send order).
  const orderViolations: string[] = [];
  const last = new Map<string, { offset: number; seq: number }>();
  const seen = new Set<string>();
  for (const h of handled) {
    if (seen.has(idOf(h))) continue;
    seen.add(idOf(h));
    const before = last.get(h.key);
    if (before && (h.offset <= before.offset || h.seq <= before.seq))
      orderViolations.push(
        `${idOf(h)} at offset ${h.offset} after seq ${before.seq} at offset ${before.offset}`,
      );
    last.set(h.key, {
      offset: Math.max(h.offset, before?.offset ?? -1),
      seq: Math.max(h.seq, before?.seq ?? -1),
    });
  }

  const sourceOffsets = new Map<string, Set<number>>();
  for (const h of handled)
    sourceOffsets.set(idOf(h), (sourceOffsets.get(idOf(h)) ?? new Set()).add(h.offset));
  const writtenTwice = [...sourceOffsets]
    .filter(([, offsets]) => offsets.size > 1)
    .map(([id, o]) => `${id} at ${[...o].join(' and ')}`);

  // The projection, fed the durable log of what the handler applied, in log order, fenced per key and partition.
  const balances = new Map<string, number>();
  const fences = new Map<string, number>();
  const expected = new Map<string, number>();
  const naive = new Map<string, number>();
  for (const h of handled) {
    const fence = `${h.key}#${h.topic}#${h.partition}`;
    if ((fences.get(fence) ?? -1) < h.offset) {
      fences.set(fence, h.offset);
      balances.set(h.key, (balances.get(h.key) ?? 0) + h.delta);
    }
    naive.set(h.key, (naive.get(h.key) ?? 0) + h.delta);
  }
  // What the ledger says was written (acknowledged, or rejected but handled all the same) and is meant to be applied.
  const ackedIds = new Set(traffic.acked.map((s) => s.id));
  const written = [...sentById.values()].filter(
    (s) => handleable(s.kind) && (ackedIds.has(s.id) || handledIds.has(s.id)),
  );
  for (const s of written) expected.set(s.key, (expected.get(s.key) ?? 0) + s.delta);
  const keys = new Set([...expected.keys(), ...naive.keys()]);
  const folded = (key: string): number => balances.get(key) ?? 0;
  const wrongKeys = [...keys].filter((k) => folded(k) !== (expected.get(k) ?? 0));
  const sum = (f: (k: string) => number): number => [...keys].reduce((n, k) => n + f(k), 0);

  return {
    counts: {
      produced: traffic.attempted,
      acked: traffic.acked.length,
      rejected: traffic.rejected.length,
      rejectedButDelivered: traffic.rejected.filter((r) => delivered(r.sent.id)).length,
      handled: handled.length,
      handledUnique: handledIds.size,
      deadLettered: deadLetters.length,
      deadLetteredUnique: deadIds.size,
      duplicates: handled.length - handledIds.size + deadLetters.length - deadIds.size,
    },
    missing: traffic.acked.filter((s) => !delivered(s.id)),
    both: [...handledIds].filter((id) => deadIds.has(id)),
    handledBad,
    deadLetteredGood,
    unknown: [...handledIds, ...deadIds].filter((id) => !sentById.has(id)),
    orderViolations,
    writtenTwice,
    projection: {
      keys: keys.size,
      expected: sum((k) => expected.get(k) ?? 0),
      folded: sum(folded),
      naive: sum((k) => naive.get(k) ?? 0),
      wrongKeys,
    },
    table: checkTable(written, table),
  };
}

/**
 * The common assertions: nothing acknowledged is lost, every record went where its kind says, order per key, an
 * exact projection, every publish accounted for. With `transientFailures` (a broker outage), a good record may
 * also have been dead-lettered, but only as a handler failure, i.e. its publish failed through every retry.
 */
export function expectSound(a: Analysis, o: { transientFailures?: boolean } = {}): void {
  expect(a.missing.map((s) => s.id)).toEqual([]);
  expect(a.handledBad).toEqual([]);
  if (o.transientFailures) {
    expect(
      a.deadLetteredGood.filter((d) => d.info.kind !== 'handler' || /marked to fail/.test(d.info.error)),
    ).toEqual([]);
    const excused = new Set(a.deadLetteredGood.map((d) => d.id));
    expect(a.both.filter((id) => !excused.has(id))).toEqual([]);
  } else {
    expect(a.deadLetteredGood.map((d) => `${d.id}: ${d.info.error}`)).toEqual([]);
    expect(a.both).toEqual([]);
  }
  expect(a.unknown).toEqual([]);
  expect(a.orderViolations).toEqual([]);
  expect(a.writtenTwice).toEqual([]);
  expect(a.projection.wrongKeys).toEqual([]);
  expect(a.projection.folded).toBe(a.projection.expected);
  // The real table: every record the ledger says was written applied exactly once, none twice, none missing.
  expect(a.table.wrongKeys).toEqual([]);
  expect(a.table.applies).toBe(a.table.expectedApplies);
  expect(a.table.balance).toBe(a.table.expectedBalance);
  expect(a.counts.produced).toBe(a.counts.acked + a.counts.rejected); // every publish settled, none unaccounted
}

export function report(title: string, a: Analysis, extra: Record<string, string | number> = {}): string {
  const c = a.counts;
  const lines = [
    `${title}`,
    `  produced ${c.produced}: acknowledged ${c.acked}, rejected ${c.rejected} (of which delivered anyway ${c.rejectedButDelivered})`,
    `  handled ${c.handledUnique} distinct (${c.handled} output records), dead-lettered ${c.deadLetteredUnique} distinct (${c.deadLettered} records), duplicates ${c.duplicates}`,
    `  missing ${a.missing.length}, handled and dead-lettered ${a.both.length}, good records dead-lettered ${a.deadLetteredGood.length}, bad records handled ${a.handledBad.length}, order violations ${a.orderViolations.length}, written twice to the source ${a.writtenTwice.length}`,
    ...a.writtenTwice.slice(0, 5).map((w) => `    written twice: ${w}`),
    ...a.deadLetteredGood.slice(0, 5).map((d) => `    dead-lettered good record ${d.id}: ${d.info.error}`),
    `  projection over ${a.projection.keys} keys: expected ${a.projection.expected}, folded idempotently ${a.projection.folded}, naive sum ${a.projection.naive}`,
    `  table over ${a.table.keys} keys: balance ${a.table.balance} (ledger ${a.table.expectedBalance}), records applied ${a.table.applies} (ledger ${a.table.expectedApplies}), wrong keys ${a.table.wrongKeys.length}`,
    ...a.table.wrongKeys.slice(0, 5).map((w) => `    wrong item ${w}`),
    ...Object.entries(extra).map(([k, v]) => `  ${k}: ${v}`),
  ];
  return lines.join('\n');
}

/** Waits until the group has committed every partition of `topic` up to its end (lag 0). */
export async function waitForNoLag(
  kafka: Kafka,
  group: string,
  topic: string,
  timeoutMs: number,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const [committed] = await retriable(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
      const ends = await retriable(() => admin.fetchTopicOffsets(topic));
      const behind = ends.filter((e) => {
        const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
        const at = c === '-1' ? Number(e.low) : Number(c);
        return at < Number(e.high);
      });
      if (behind.length === 0) return;
      if (Date.now() > until) {
        const lag = behind.map((e) => `p${e.partition} at ${e.high}`).join(', ');
        throw new Error(`group ${group} still behind on ${topic} (${lag}) after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Committed offset per partition (the log start where the group has none). */
export async function committedOffsets(
  kafka: Kafka,
  group: string,
  topic: string,
): Promise<Map<number, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await retriable(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
    const ends = await retriable(() => admin.fetchTopicOffsets(topic));
    return new Map(
      ends.map((e) => {
        const c = committed?.partitions.find((p) => p.partition === e.partition)?.offset ?? '-1';
        return [e.partition, c === '-1' ? Number(e.low) : Number(c)];
      }),
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Where records are in the source topic, by their `rel.id` header: tells a record the broker lost (acknowledged,
 * not in the log) from one the consumer side lost (in the log, never handled).
 */
export async function locateInSource(
  kafka: Kafka,
  topic: string,
  ids: string[],
): Promise<Map<string, string>> {
  const wanted = new Set(ids);
  const found = new Map<string, string>();
  if (wanted.size === 0) return found;
  const reader = await LogReader.start(kafka, [topic], (_value, meta) => {
    const id = meta.headers[ID_HEADER];
    if (id !== undefined && wanted.has(id)) found.set(id, `p${meta.partition}@${meta.offset}`);
    return null;
  });
  try {
    await reader.drain(120_000);
  } finally {
    await reader.stop();
  }
  return found;
}

/** Waits for a condition without failing the test: a scenario still prints its counts, then its assertions fail. */
export async function softly(wait: Promise<void>, notes: string[]): Promise<boolean> {
  try {
    await wait;
    return true;
  } catch (error) {
    notes.push((error as Error).message);
    return false;
  }
}

/**
 * Waits until every acknowledged record is in the output (handled or dead-lettered), then until the group has
 * committed up to the end of the source. Never throws: what did not happen goes to `notes`, and the counts the
 * scenario prints and asserts on next show it.
 */
export async function settle(
  kafka: Kafka,
  app: { group: string; changes: { name: string } },
  reader: LogReader<Output>,
  traffic: Traffic,
  notes: string[],
): Promise<void> {
  const acked = traffic.acked.map((s) => s.id);
  const complete = await softly(
    reader.until(
      (items) => {
        const ids = outputIds(items);
        return acked.every((id) => ids.has(id));
      },
      180_000,
      'every acknowledged record handled or dead-lettered',
    ),
    notes,
  );
  if (complete) await softly(waitForNoLag(kafka, app.group, app.changes.name, 120_000), notes);
}

/**
 * The end of a scenario with an emulator process: the traffic is over, everything settles (see settle), the
 * emulator is stopped with SIGTERM (it finishes and commits what it holds), and the output is read to its end.
 */
export async function finish(
  kafka: Kafka,
  app: { group: string; changes: { name: string } },
  reader: LogReader<Output>,
  traffic: Traffic,
  timeline: Timeline,
  emulator: EmulatorProcess,
): Promise<{ notes: string[]; exitCode: number | null }> {
  await traffic.done;
  timeline.mark('traffic ended');
  const notes: string[] = [];
  await settle(kafka, app, reader, traffic, notes);
  timeline.mark('all handled and committed');
  emulator.kill('SIGTERM');
  const exitCode = await exited(emulator);
  await reader.drain();
  return { notes, exitCode };
}

/**
 * What became of each missing record (at most 20 listed): not in the source log (the producer lost an acknowledged
 * write), in it and the handler's publish acknowledged (the handler's output was lost), or in it and never
 * handled (the consumer side skipped it).
 */
export async function describeMissing(
  kafka: Kafka,
  topic: string,
  a: Analysis,
  prefix: string,
): Promise<string> {
  if (a.missing.length === 0) return 'none';
  const ids = a.missing.map((s) => s.id);
  const where = await locateInSource(kafka, topic, ids);
  const ledger = handlerLedger(prefix);
  const fate = (id: string): string =>
    !where.has(id)
      ? 'NOT IN THE SOURCE LOG'
      : ledger.has(id)
        ? `at ${where.get(id)}, handled, its output NOT IN THE LOG`
        : `at ${where.get(id)}, NEVER HANDLED`;
  return `${ids.length}: ${ids
    .slice(0, 20)
    .map((id) => `${id} ${fate(id)}`)
    .join('; ')}`;
}
