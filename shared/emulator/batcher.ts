import { EventPayload, type EncodedRecord, type EventSource } from './event-payload';

/**
 * What happened to one partition's slice of an invocation: all handled, failed from an offset on (the
 * partition resumes there), or the whole invocation failed.
 */
export type SliceOutcome = (
  | { status: 'ok' }
  | { status: 'failed-at'; offset: number }
  | { status: 'error'; reason: string; timedOut: boolean }
) & { invocation?: InvocationInfo };

/** The invocation a slice went out in, for the on-failure record of records given up on. */
export interface InvocationInfo {
  requestId: string;
  /** The event's JSON text, written when asked (only records given up on need it). */
  payload: () => string;
  /** Records in the event. */
  batchSize: number;
  /** The function failed (threw, timed out) rather than answered. */
  functionError: boolean;
}

/** What the event source made of an invocation: per partition key, where a failed partition resumes. */
export type InvocationVerdict = (
  | { status: 'ok'; failedAt: ReadonlyMap<string, number> }
  | { status: 'error'; reason: string; timedOut: boolean }
) & { invocation?: InvocationInfo };

export interface BatchLimits {
  /** Records per invocation (the declaration's batch.size). */
  records: number;
  /** Bytes of the event's JSON text (Lambda's 6 MB payload limit). */
  bytes: number;
  /** How long a batch waits to fill after its first record (the batching window). */
  windowMs: number;
}

/** A slice handed to the batcher: how many of its records went into an invocation, and their outcome. */
export type Submission =
  | { taken: number; outcome: Promise<SliceOutcome> }
  /** The first record alone makes an event larger than the payload limit: it can never be invoked. */
  | { taken: 0; oversized: EncodedRecord };

interface Slice {
  key: string;
  settle: (outcome: SliceOutcome) => void;
}

/**
 * Forms invocations the way the event source mapping does: records from any partitions, sent when the batch
 * holds `records` records, when the next record would take it past `bytes`, or `windowMs` after its first
 * record arrived. A partition is in at most one pending invocation at a time (its poller waits for the outcome).
 */
export class Batcher {
  private payload: EventPayload;
  private slices: Slice[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly limits: BatchLimits,
    private readonly source: EventSource,
    private readonly invoke: (payload: EventPayload) => Promise<InvocationVerdict>,
  ) {
    this.payload = new EventPayload(source);
  }

  /**
   * Takes the longest prefix of `records` (one partition's, in offset order) that fits the batch forming now;
   * `alone`: sends what is queued first and invokes these records in a batch of their own, at once.
   */
  submit(records: readonly EncodedRecord[], alone = false): Submission {
    const first = records[0];
    if (!first) throw new Error('an empty slice cannot be submitted');
    if (alone) this.flush();
    if (!this.fits(first)) {
      this.flush();
      if (!this.fits(first)) return { taken: 0, oversized: first };
    }
    let taken = 0;
    while (taken < records.length && this.fits(records[taken]!)) this.payload.add(records[taken++]!);
    const key = `${first.raw.topic}-${first.raw.partition}`;
    const outcome = new Promise<SliceOutcome>((settle) => this.slices.push({ key, settle }));
    // Full: no more records, or this slice's next record does not fit. Otherwise wait for the window.
    if (alone || this.payload.count >= this.limits.records || taken < records.length) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.limits.windowMs);
    return { taken, outcome };
  }

  private fits(record: EncodedRecord): boolean {
    return this.payload.count < this.limits.records && this.payload.bytesWith(record) <= this.limits.bytes;
  }

  /** Sends whatever is queued now (also used when shutting down). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const { payload, slices } = this;
    if (slices.length === 0) return;
    this.payload = new EventPayload(this.source);
    this.slices = [];
    this.invoke(payload).then(
      (verdict) => {
        const invocation = verdict.invocation && { invocation: verdict.invocation };
        for (const slice of slices) {
          if (verdict.status === 'error') {
            slice.settle({
              status: 'error',
              reason: verdict.reason,
              timedOut: verdict.timedOut,
              ...invocation,
            });
            continue;
          }
          const failed = verdict.failedAt.get(slice.key);
          slice.settle(
            failed === undefined
              ? { status: 'ok', ...invocation }
              : { status: 'failed-at', offset: failed, ...invocation },
          );
        }
      },
      (error: unknown) =>
        slices.forEach((s) =>
          s.settle({
            status: 'error',
            reason: error instanceof Error ? error.message : String(error),
            timedOut: false,
          }),
        ),
    );
  }
}
