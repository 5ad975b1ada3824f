/**
 * The event source mapping's per-partition decisions (shared/emulator/partition-flow.ts) through its port, without a
 * broker: what is committed, where delivery resumes, when records are given up on. The broker-level behaviour is
 * covered by test/integration/emulator.test.ts and event-source-fidelity.test.ts.
 */
import type { SliceOutcome, Submission } from '../../shared/emulator/batcher';
import type { EncodedRecord } from '../../shared/emulator/event-payload';
import { PartitionFlow, type FlowEvent, type PartitionPort } from '../../shared/emulator/partition-flow';
import type { RawRecord } from '../../shared/kafka/records';

const raw = (offset: number, value = `v${offset}`, timestamp = 0): RawRecord => ({
  topic: 't',
  partition: 0,
  offset,
  timestamp,
  timestampType: 'CREATE_TIME',
  key: null,
  value: Buffer.from(value),
  headers: [],
});
const batch = (from: number, to: number): RawRecord[] =>
  Array.from({ length: to - from + 1 }, (_, i) => raw(from + i));

/** What a test scripts for each invocation: how many records it takes, and its outcome. */
type Script = { take?: number; outcome: SliceOutcome } | 'oversized';

/** A port that records every call, and answers submissions from a script (default: all taken, ok). */
function scriptedPort(
  script: Script[] | ((offsets: number[]) => Script) = [],
  options: { failCommits?: number[] } = {},
) {
  const calls = {
    invoked: [] as number[][],
    alone: [] as boolean[],
    commits: [] as number[],
    seeks: [] as number[],
    pauses: 0,
    discarded: [] as { condition: string; offsets: number[]; attempts?: number }[],
    events: [] as FlowEvent[],
  };
  const port: PartitionPort = {
    submit(records: readonly EncodedRecord[], alone: boolean): Submission {
      const offsets = records.map((r) => r.raw.offset);
      const step = (typeof script === 'function' ? script(offsets) : script.shift()) ?? {
        outcome: { status: 'ok' },
      };
      if (step === 'oversized') return { taken: 0, oversized: records[0]! };
      const taken = step.take ?? records.length;
      calls.invoked.push(offsets.slice(0, taken));
      calls.alone.push(alone);
      return { taken, outcome: Promise.resolve(step.outcome) };
    },
    commit: async (offset) => {
      calls.commits.push(offset);
      return !options.failCommits?.includes(offset);
    },
    seek: (offset) => void calls.seeks.push(offset),
    pause: async () => void calls.pauses++,
    discard: async ({ condition, records, invocation }) =>
      void calls.discarded.push({
        condition,
        offsets: records.map((r) => r.offset),
        ...(invocation && { attempts: invocation.attempts }),
      }),
    stopping: () => false,
    note: (event) => void calls.events.push(event),
  };
  return { port, calls };
}

const invocation = { requestId: 'r', payload: () => '{}', batchSize: 1, functionError: false };

/**
 * Runs the partition as the event source would: each batch from where the flow last sought, until it stops seeking
 * back (the records are there again, as Kafka keeps them).
 */
async function drive(
  flow: PartitionFlow,
  calls: { seeks: number[] },
  all: readonly RawRecord[],
): Promise<void> {
  let from = all[0]!.offset;
  for (let round = 0; round < 50; round++) {
    const seeks = calls.seeks.length;
    await flow.process(all.filter((r) => r.offset >= from));
    if (calls.seeks.length === seeks) return;
    from = calls.seeks[calls.seeks.length - 1]!;
  }
  throw new Error('the partition never settled');
}

/** Fails any invocation that carries one of `bad` as a whole, as a throwing function does. */
const failingOn =
  (...bad: number[]) =>
  (offsets: number[]): Script =>
    offsets.some((o) => bad.includes(o))
      ? { outcome: { status: 'error', reason: 'boom', timedOut: false, invocation } }
      : { outcome: { status: 'ok' } };

describe('one partition, as the event source mapping handles it', () => {
  it('commits past each invocation that succeeded, in slices as the batcher takes them', async () => {
    const { port, calls } = scriptedPort([{ take: 2, outcome: { status: 'ok' } }]);
    await new PartitionFlow(port, { retryPauseMs: 0 }).process(batch(10, 14));
    expect(calls.invoked).toEqual([
      [10, 11],
      [12, 13, 14],
    ]);
    expect(calls.commits).toEqual([12, 15]);
    expect(calls.seeks).toEqual([]);
  });

  it('hands the batcher at most a batch of records at a time', async () => {
    const { port, calls } = scriptedPort();
    await new PartitionFlow(port, { retryPauseMs: 0, maxRecords: 2 }).process(batch(10, 14));
    expect(calls.invoked).toEqual([[10, 11], [12, 13], [14]]);
    expect(calls.commits).toEqual([12, 14, 15]);
  });

  it('commits up to a reported failure, then delivers the partition again from it after a pause', async () => {
    const { port, calls } = scriptedPort([{ outcome: { status: 'failed-at', offset: 12 } }]);
    await new PartitionFlow(port, { retryPauseMs: 0, attempts: 3 }).process(batch(10, 14));
    expect(calls.commits).toEqual([12]);
    expect(calls.pauses).toBe(1);
    expect(calls.seeks).toEqual([12]);
    expect(calls.events).toContainEqual(
      expect.objectContaining({ kind: 'retrying', offset: 12, attempt: 1 }),
    );
  });

  it('commits nothing when the whole invocation failed, and delivers it again from its first record', async () => {
    const { port, calls } = scriptedPort([{ outcome: { status: 'error', reason: 'boom', timedOut: false } }]);
    await new PartitionFlow(port, { retryPauseMs: 0 }).process(batch(10, 14));
    expect(calls.commits).toEqual([]);
    expect(calls.seeks).toEqual([10]);
  });

  it('gives up on a record after `attempts` failed deliveries in a row: on-failure, then moves on', async () => {
    const fail = { outcome: { status: 'failed-at', offset: 11, invocation } as SliceOutcome };
    const { port, calls } = scriptedPort([fail, fail, fail]);
    const flow = new PartitionFlow(port, { retryPauseMs: 0, attempts: 3 });
    await flow.process(batch(10, 12)); // delivery 1: 10 handled, 11 failed
    await flow.process(batch(11, 12)); // delivery 2
    expect(calls.discarded).toEqual([]);
    await flow.process(batch(11, 12)); // delivery 3: given up on, from 11 to the end of the slice
    expect(calls.discarded).toEqual([
      { condition: 'RetryAttemptsExhausted', offsets: [11, 12], attempts: 3 },
    ]);
    expect(calls.commits).toEqual([11, 13]);
    expect(calls.seeks).toEqual([11, 11]);
  });

  it('counts failures in a row per record: a success in between starts the count again', async () => {
    const fail: Script = { outcome: { status: 'failed-at', offset: 12 } };
    const { port, calls } = scriptedPort([fail, fail, { outcome: { status: 'ok' } }, fail]);
    const flow = new PartitionFlow(port, { retryPauseMs: 0, attempts: 3 });
    // Two failed deliveries of 12, a success, then 12 again (a rebalance redelivers it) fails once more.
    for (let i = 0; i < 4; i++) await flow.process(batch(12, 12));
    expect(calls.discarded).toEqual([]);
  });

  it('without an attempts limit retries forever (default mode: the function dead-letters by itself)', async () => {
    const fail: Script = { outcome: { status: 'error', reason: 'boom', timedOut: true } };
    const { port, calls } = scriptedPort(Array.from({ length: 10 }, () => fail));
    const flow = new PartitionFlow(port, { retryPauseMs: 0 });
    for (let i = 0; i < 10; i++) await flow.process(batch(10, 10));
    expect(calls.discarded).toEqual([]);
    expect(calls.seeks).toHaveLength(10);
  });

  it('sends a record too large for any event to the on-failure destination without invoking, and goes on', async () => {
    const { port, calls } = scriptedPort(['oversized']);
    await new PartitionFlow(port, { retryPauseMs: 0 }).process(batch(10, 12));
    expect(calls.discarded).toEqual([{ condition: 'MaximumPayloadSizeExceeded', offsets: [10] }]);
    expect(calls.invoked).toEqual([[11, 12]]);
    expect(calls.commits).toEqual([11, 13]);
  });

  it('commits filtered-out records without an invocation, and never commits past an unhandled one', async () => {
    const { port, calls } = scriptedPort([{ outcome: { status: 'failed-at', offset: 12 } }]);
    const keepEven = (value: Buffer | null): boolean => Number(String(value).slice(1)) % 2 === 0;
    await new PartitionFlow(port, { retryPauseMs: 0, filter: keepEven }).process(batch(9, 13));
    expect(calls.events).toContainEqual({ kind: 'filtered', count: 3 });
    expect(calls.invoked).toEqual([[10, 12]]);
    expect(calls.commits).toEqual([12]); // 10 handled, 11 filtered; 12 failed: the commit stops there
    expect(calls.seeks).toEqual([12]);
  });

  it('commits a batch that the filter rejects entirely', async () => {
    const { port, calls } = scriptedPort();
    await new PartitionFlow(port, { retryPauseMs: 0, filter: () => false }).process(batch(10, 12));
    expect(calls.invoked).toEqual([]);
    expect(calls.commits).toEqual([13]);
  });

  it('after a failed commit delivers again from the uncommitted point rather than going on', async () => {
    const { port, calls } = scriptedPort([{ take: 1, outcome: { status: 'ok' } }], { failCommits: [11] });
    await new PartitionFlow(port, { retryPauseMs: 0 }).process(batch(10, 12));
    expect(calls.invoked).toEqual([[10]]);
    expect(calls.seeks).toEqual([11]);
  });
});

describe("the mapping's error-handling controls", () => {
  it('sends records older than the maximum record age to the on-failure destination without invoking them', async () => {
    const now = 1_000_000;
    const old = now - 61_000;
    const records = [
      raw(10, 'a', old),
      raw(11, 'b', old),
      raw(12, 'c', now - 1000),
      raw(13, 'd', old),
      raw(14, 'e', now),
    ];
    const { port, calls } = scriptedPort();
    await new PartitionFlow(port, {
      retryPauseMs: 0,
      attempts: 3,
      maxRecordAgeMs: 60_000,
      now: () => now,
    }).process(records);
    expect(calls.discarded).toEqual([
      { condition: 'RecordAgeExceeded', offsets: [10, 11] },
      { condition: 'RecordAgeExceeded', offsets: [13] },
    ]);
    // An invocation never reaches past an expired record: 12 alone, then 14.
    expect(calls.invoked).toEqual([[12], [14]]);
    expect(calls.commits).toEqual([12, 13, 14, 15]);
  });

  it('gives up on a record that ages out while it is retried', async () => {
    let now = 100_000;
    const { port, calls } = scriptedPort(() => ({ outcome: { status: 'failed-at', offset: 10 } }));
    const flow = new PartitionFlow(port, { retryPauseMs: 0, maxRecordAgeMs: 60_000, now: () => now });
    await flow.process([raw(10, 'a', 90_000)]);
    expect(calls.discarded).toEqual([]);
    now = 160_000; // 70 s old at its next delivery
    await flow.process([raw(10, 'a', 90_000)]);
    expect(calls.discarded).toEqual([{ condition: 'RecordAgeExceeded', offsets: [10] }]);
    expect(calls.invoked).toEqual([[10]]);
    expect(calls.commits).toEqual([11]);
  });

  it('bisects a failed invocation down to the failing record, then gives it its attempts alone', async () => {
    const { port, calls } = scriptedPort(failingOn(12));
    const flow = new PartitionFlow(port, { retryPauseMs: 0, attempts: 2, bisect: true });
    await drive(flow, calls, batch(10, 13));
    expect(calls.invoked).toEqual([
      [10, 11, 12, 13], // fails: split in two
      [10, 11], // the first half alone: handled
      [12, 13], // the second: fails, split again
      [12], // alone: its first delivery as the failing record
      [12], // its second: attempts exhausted, to the on-failure destination
      [13], // the rest of the batch goes on
    ]);
    expect(calls.alone).toEqual([false, true, true, true, true, true]);
    expect(calls.discarded).toEqual([{ condition: 'RetryAttemptsExhausted', offsets: [12], attempts: 2 }]);
    expect(calls.commits).toEqual([12, 13, 14]);
    // Splitting is not a retry: only the lone record's deliveries were counted.
    expect(calls.events.filter((e) => e.kind === 'retrying')).toEqual([
      expect.objectContaining({ offset: 12, attempt: 1 }),
    ]);
    expect(calls.events.filter((e) => e.kind === 'bisecting')).toHaveLength(2);
  });

  it('does not bisect on a partial batch response: the partition resumes at the reported record', async () => {
    const { port, calls } = scriptedPort((offsets) =>
      offsets.includes(12) ? { outcome: { status: 'failed-at', offset: 12 } } : { outcome: { status: 'ok' } },
    );
    const flow = new PartitionFlow(port, { retryPauseMs: 0, attempts: 2, bisect: true });
    await drive(flow, calls, batch(10, 13));
    expect(calls.invoked).toEqual([
      [10, 11, 12, 13],
      [12, 13],
    ]);
    expect(calls.alone).toEqual([false, false]);
    expect(calls.discarded).toEqual([{ condition: 'RetryAttemptsExhausted', offsets: [12, 13] }]);
  });

  it('delivers every half of a bisected batch, also when several records fail', async () => {
    const { port, calls } = scriptedPort(failingOn(10, 15));
    const flow = new PartitionFlow(port, { retryPauseMs: 0, attempts: 1, bisect: true });
    await drive(flow, calls, batch(10, 17));
    expect(calls.discarded.map((d) => d.offsets)).toEqual([[10], [15]]);
    const handled = calls.invoked.filter((offsets) => !offsets.includes(10) && !offsets.includes(15)).flat();
    expect(handled.sort((a, b) => a - b)).toEqual([11, 12, 13, 14, 16, 17]);
    expect(calls.commits[calls.commits.length - 1]).toBe(18);
  });
});
