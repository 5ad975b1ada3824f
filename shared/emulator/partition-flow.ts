/**
 * What the event source mapping decides for one partition, batch after batch: which records to invoke (the
 * filter), what to commit after each invocation, where to resume after a failure, and when to give up on records
 * and send them to the on-failure destination. Pure decisions over a narrow port, so they are tested without a
 * broker (test/unit/partition-flow.test.ts); event-source.ts binds the port to kafkajs.
 *
 * Delivery (DESIGN.md, contract 2): an offset is committed only past records that were handled, filtered out, or
 * handed to the on-failure destination. A failed invocation, or a partition reported failed, is delivered again from
 * its first unhandled record after a pause. In report-batch-item-failures mode a record that failed `attempts`
 * deliveries in a row is given up on, as the mapping does after MaximumRetryAttempts (= attempts - 1) retries;
 * otherwise the mapping retries until the function succeeds.
 */
import type { RawRecord } from '../kafka/records';
import type { SliceOutcome, Submission } from './batcher';
import { encodeRecord, type EncodedRecord } from './event-payload';
import type { OnFailureCondition } from './on-failure';
import type { InvocationInfo } from './batcher';
import type { Delivery, RegistryFailure } from '../schemas/registry-delivery';

export interface PartitionPort {
  /** Hands records (in offset order) to the batcher forming the next invocation. */
  submit(records: readonly EncodedRecord[]): Submission;
  /** Commits `offset` as the next to read; false when the commit failed. */
  commit(offset: number): Promise<boolean>;
  /** Fetches the partition again from `offset` (the position has already moved past the batch). */
  seek(offset: number): void;
  /** Waits before a retry; resolves early when the emulator stops. */
  pause(ms: number): Promise<void>;
  /** Writes records given up on to the on-failure destination. */
  discard(discarded: {
    condition: OnFailureCondition;
    records: readonly RawRecord[];
    invocation?: InvocationInfo & { attempts: number };
  }): Promise<void>;
  stopping(): boolean;
  /** What the flow did, for the figures and the log. */
  note(event: FlowEvent): void;
}

export type FlowEvent =
  | { kind: 'filtered'; count: number }
  | { kind: 'retrying'; offset: number; attempt: number; reason: string }
  | { kind: 'failed'; offset: number; error: unknown }
  /** The mapping could not read a record through its schema registry; it goes to the on-failure destination. */
  | { kind: 'unreadable'; offset: number; condition: RegistryFailure; reason: string };

export interface FlowPolicy {
  /**
   * A mapping with a schema registry reads every record through it first (registry-delivery.ts): what it cannot
   * read goes to the on-failure destination, the rest is filtered on the decoded value and delivered as read.
   */
  registry?: (raw: RawRecord) => Delivery;
  /** The declaration's filter, compiled; records it rejects are committed without an invocation. */
  filter?: (value: Buffer | null) => boolean;
  /** Deliveries of a failing record before it is given up on; undefined: retried until it succeeds. */
  attempts?: number;
  /** Pause before a failed partition is delivered again. */
  retryPauseMs: number;
}

/** A record as the mapping delivers it, and the bytes its filter reads. */
interface Readable {
  readonly raw: RawRecord;
  readonly filterValue: Buffer | null;
}

export class PartitionFlow {
  /** The record that failed last, and how many deliveries in a row it failed. */
  private failing: { offset: number; attempts: number } | undefined;

  constructor(
    private readonly port: PartitionPort,
    private readonly policy: FlowPolicy,
  ) {}

  /** Runs one fetched batch of the partition (records in offset order) through the function. */
  async process(all: readonly RawRecord[]): Promise<void> {
    if (all.length === 0) return;
    const { filter } = this.policy;
    const end = all[all.length - 1]!.offset + 1;
    let readable: readonly Readable[];
    try {
      readable = await this.readThroughRegistry(all);
    } catch (error) {
      // The on-failure write failed: nothing is committed; the batch comes again.
      this.port.note({ kind: 'failed', offset: all[0]!.offset, error });
      return this.resumeAfterPause(all[0]!.offset);
    }
    const passing = filter ? readable.filter((r) => filter(r.filterValue)) : readable;
    const wanted = passing.map((r) => encodeRecord(r.raw));
    if (wanted.length < readable.length)
      this.port.note({ kind: 'filtered', count: readable.length - wanted.length });
    // Where the commit goes once wanted[i - 1] is done: up to the next wanted record (filtered ones before it are
    // done too), or past the batch.
    const commitPoint = (i: number): number => wanted[i]?.raw.offset ?? end;
    let next = 0;
    let resumeAt: number | undefined;
    try {
      if (wanted.length === 0 && !(await this.port.commit(end))) resumeAt = end;
      while (resumeAt === undefined && next < wanted.length && !this.port.stopping()) {
        const step = await this.step(wanted, next);
        if (step.resumeAt !== undefined) resumeAt = step.resumeAt;
        else if (!(await this.port.commit(commitPoint((next = step.next))))) resumeAt = commitPoint(next);
      }
    } catch (error) {
      // Nothing is committed past the first record not finished; it is delivered again after the pause.
      resumeAt = commitPoint(next);
      this.port.note({ kind: 'failed', offset: resumeAt, error });
    }
    if (resumeAt !== undefined) await this.resumeAfterPause(resumeAt);
  }

  /** Every record as the mapping delivers it; records its registry cannot read go to the on-failure destination. */
  private async readThroughRegistry(all: readonly RawRecord[]): Promise<Readable[]> {
    const { registry } = this.policy;
    if (!registry) return all.map((raw) => ({ raw, filterValue: raw.value }));
    const readable: Readable[] = [];
    for (const raw of all) {
      const delivery = registry(raw);
      if (delivery.ok) readable.push({ raw: delivery.record, filterValue: delivery.filterValue });
      else {
        this.port.note({
          kind: 'unreadable',
          offset: raw.offset,
          condition: delivery.condition,
          reason: delivery.reason,
        });
        await this.port.discard({ condition: delivery.condition, records: [raw] });
      }
    }
    return readable;
  }

  /**
   * Sends wanted[next...] on: returns the index past what is finished (handled or given up on), or the offset to
   * deliver again from when the invocation failed.
   */
  private async step(
    wanted: readonly EncodedRecord[],
    next: number,
  ): Promise<{ next: number; resumeAt?: undefined } | { resumeAt: number }> {
    const submission = this.port.submit(wanted.slice(next));
    if ('oversized' in submission) {
      await this.port.discard({
        condition: 'MaximumPayloadSizeExceeded',
        records: [submission.oversized.raw],
      });
      return { next: next + 1 };
    }
    const outcome = await submission.outcome;
    const slice = wanted.slice(next, next + submission.taken);
    if (outcome.status === 'ok') {
      this.failing = undefined;
      return { next: next + submission.taken };
    }
    const failedAt = outcome.status === 'failed-at' ? outcome.offset : slice[0]!.raw.offset;
    const attempts = this.countFailure(failedAt);
    if (this.policy.attempts !== undefined && attempts >= this.policy.attempts) {
      await this.giveUp(slice, failedAt, attempts, outcome);
      return { next: next + submission.taken };
    }
    this.port.note({
      kind: 'retrying',
      offset: failedAt,
      attempt: attempts,
      reason: outcome.status === 'error' ? outcome.reason : 'reported failed in the batch response',
    });
    if (failedAt > slice[0]!.raw.offset) await this.port.commit(failedAt);
    return { resumeAt: failedAt };
  }

  private countFailure(offset: number): number {
    const attempts = this.failing?.offset === offset ? this.failing.attempts + 1 : 1;
    this.failing = { offset, attempts };
    return attempts;
  }

  /** The records from the failed one to the end of its slice go to the on-failure destination. */
  private async giveUp(
    slice: readonly EncodedRecord[],
    failedAt: number,
    attempts: number,
    outcome: SliceOutcome,
  ): Promise<void> {
    this.failing = undefined;
    const records = slice.filter((r) => r.raw.offset >= failedAt).map((r) => r.raw);
    await this.port.discard({
      condition: 'RetryAttemptsExhausted',
      records,
      ...(outcome.invocation && { invocation: { ...outcome.invocation, attempts } }),
    });
  }

  /**
   * The batch stops short of its end: after a pause the partition is fetched again from `offset`; batches fetched
   * meanwhile lie past it and are dropped (the kafkajs binding sees them as stale).
   */
  private async resumeAfterPause(offset: number): Promise<void> {
    await this.port.pause(this.policy.retryPauseMs);
    if (!this.port.stopping()) this.port.seek(offset);
  }
}
