import type { InvocationSummary } from './container-protocol';
import type { PartitionLag } from '../operations/lag';
import { METRIC, type EmfDocument } from '../observability/emf';
import { SpanStore } from './span-store';

/** A failure worth showing a person: a dead-lettered or reported record, a failed invocation, a discarded batch. */
export interface RecentFailure {
  at: Date;
  kind: 'dead-letter' | 'reported' | 'invocation' | 'timeout' | 'discarded';
  topic?: string;
  partition?: number;
  offset?: number;
  reason: string;
}

const RECENT = 50;

/** The metrics names a document carries as counts, summed over every document the function printed. */
const COUNTED = Object.values(METRIC)
  .filter((m) => m.unit === 'Count' && m.name !== METRIC.batchSize.name)
  .map((m) => m.name);

/** What the function's EMF documents said, as the console shows it. */
export class MetricFigures {
  /** Documents received (one per invocation and topic). */
  documents = 0;
  /** Each count metric summed over every document. */
  readonly totals: Record<string, number> = Object.fromEntries(COUNTED.map((name) => [name, 0]));
  /** The latest document's record age (max and median), duration and batch size, in milliseconds and records. */
  latest:
    | { at: Date; recordAgeMaxMs?: number; recordAgeP50Ms?: number; durationMs: number; batchSize: number }
    | undefined;

  add(doc: EmfDocument): void {
    this.documents++;
    for (const name of COUNTED) if (typeof doc[name] === 'number') this.totals[name]! += doc[name];
    const num = (name: string): number | undefined => (typeof doc[name] === 'number' ? doc[name] : undefined);
    const ageMax = num(METRIC.recordAgeMax.name);
    const ageP50 = num(METRIC.recordAgeP50.name);
    this.latest = {
      at: new Date(doc._aws.Timestamp),
      ...(ageMax !== undefined && { recordAgeMaxMs: ageMax }),
      ...(ageP50 !== undefined && { recordAgeP50Ms: ageP50 }),
      durationMs: num(METRIC.duration.name) ?? 0,
      batchSize: num(METRIC.batchSize.name) ?? 0,
    };
  }
}

/** Running totals for one handler, fed by its invocations and its event sources. */
export class HandlerStats {
  handled = 0;
  deadLettered = 0;
  /** Records a report-batch-item-failures response left for redelivery. */
  reportedFailures = 0;
  /** Handler calls repeated in the function after a failure. */
  retries = 0;
  /** Invocations that failed whole (threw, timed out, crashed, or answered what the mapping cannot use). */
  invocationErrors = 0;
  timeouts = 0;
  filtered = 0;
  /** Records given up on and written to the on-failure destination. */
  discarded = 0;
  invocations = 0;
  /** Lag per topic (the sum over its partitions), as of the last refreshLag(). */
  lag = new Map<string, number>();
  /** Lag per partition of every topic the handler reads, as of the last refreshLag(). */
  partitionLag: PartitionLag[] = [];
  /** The latest failures, newest last. */
  readonly recent: RecentFailure[] = [];
  /** The function's own metrics, from the EMF documents it printed. */
  readonly metrics = new MetricFigures();
  /** Its records' recent spans, for "follow this record". */
  readonly spans = new SpanStore();

  /** What one invocation did; `error` when it failed whole. */
  recordInvocation(
    summary: InvocationSummary | undefined,
    error?: { reason: string; timedOut: boolean },
  ): void {
    this.invocations++;
    if (summary) {
      for (const doc of summary.metrics ?? []) this.metrics.add(doc);
      if (summary.spans) this.spans.add(summary.spans);
      this.handled += summary.handled;
      this.retries += summary.retries;
      this.deadLettered += summary.deadLettered.length;
      this.reportedFailures += summary.failed.length;
      for (const d of summary.deadLettered)
        this.remember({
          kind: 'dead-letter',
          topic: d.topic,
          partition: d.partition,
          offset: d.offset,
          reason: `${d.kind}: ${d.message}`,
        });
      for (const f of summary.failed)
        this.remember({
          kind: 'reported',
          topic: f.topic,
          partition: f.partition,
          offset: f.offset,
          reason: f.message,
        });
    }
    if (error) {
      this.invocationErrors++;
      if (error.timedOut) this.timeouts++;
      this.remember({ kind: error.timedOut ? 'timeout' : 'invocation', reason: error.reason });
    }
  }

  remember(failure: Omit<RecentFailure, 'at'>): void {
    this.recent.push({ at: new Date(), ...failure });
    if (this.recent.length > RECENT) this.recent.splice(0, this.recent.length - RECENT);
  }

  totalLag(): number {
    let sum = 0;
    for (const v of this.lag.values()) sum += v;
    return sum;
  }
}
