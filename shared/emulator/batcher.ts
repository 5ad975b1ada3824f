import type { RawRecord } from '../lambda/msk-event';

/** What happened to one partition's slice of an invocation. */
export type SliceOutcome =
  { status: 'ok' } | { status: 'failed-at'; offset: number } | { status: 'error'; error: unknown };

interface Slice {
  records: RawRecord[];
  settle: (outcome: SliceOutcome) => void;
}

export interface InvocationResult {
  /** The partitions reported failed, with the offset each resumes from. */
  failedAt: Map<string, number>;
}

/**
 * Forms invocations the way the event source mapping does: up to `size` records from any partitions,
 * sent when full or when `windowMs` has passed since the first record arrived.
 */
export class Batcher {
  private pending: Slice[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly size: number,
    private readonly windowMs: number,
    private readonly invoke: (records: RawRecord[]) => Promise<InvocationResult>,
  ) {}

  /** Queues one partition's records (at most `size`) and resolves with their outcome. */
  submit(records: RawRecord[]): Promise<SliceOutcome> {
    if (this.count + records.length > this.size) this.flush();
    return new Promise((settle) => {
      this.pending.push({ records, settle });
      this.count += records.length;
      if (this.count >= this.size) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
    });
  }

  /** Sends whatever is queued now (also used when shutting down). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const slices = this.pending;
    this.pending = [];
    this.count = 0;
    if (slices.length === 0) return;
    this.invoke(slices.flatMap((s) => s.records)).then(
      ({ failedAt }) => {
        for (const slice of slices) {
          const first = slice.records[0]!;
          const failed = failedAt.get(`${first.topic}-${first.partition}`);
          slice.settle(failed === undefined ? { status: 'ok' } : { status: 'failed-at', offset: failed });
        }
      },
      (error: unknown) => slices.forEach((s) => s.settle({ status: 'error', error })),
    );
  }
}
