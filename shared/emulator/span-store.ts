import { spanCount, spansOfTrace, type SpanEntry, type SpanReport } from '../observability/span-report';

/** Spans kept per handler: about 15 minutes of the example application's load, some 13 MB. */
export const SPANS_KEPT = 200_000;

/**
 * A handler's recent spans as its invocations reported them, kept in their compact form (one id string and a few
 * number arrays per invocation) and dropped oldest invocation first past `capacity` spans.
 */
export class SpanStore {
  private readonly reports: SpanReport[] = [];
  private count = 0;

  constructor(private readonly capacity = SPANS_KEPT) {}

  add(report: SpanReport): void {
    const n = spanCount(report);
    if (n === 0) return;
    this.reports.push(report);
    this.count += n;
    while (this.count > this.capacity && this.reports.length > 1)
      this.count -= spanCount(this.reports.shift()!);
  }

  /** The spans of one trace, and the batch spans linked to it, oldest first. */
  ofTrace(traceId: string): SpanEntry[] {
    return this.reports.flatMap((r) => spansOfTrace(r, traceId)).sort((a, b) => a.start - b.start);
  }

  get size(): number {
    return this.count;
  }
}
