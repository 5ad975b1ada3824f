import type { InvocationReport } from '../lambda/invocation-report';

/** Running totals for one handler, fed by invocation reports and the poller. */
export class HandlerStats {
  handled = 0;
  deadLettered = 0;
  reportedFailures = 0;
  invocationErrors = 0;
  filtered = 0;
  invocations = 0;
  lag = new Map<string, number>();

  record(report: InvocationReport): void {
    this.invocations++;
    this.handled += report.handled.length;
    this.deadLettered += report.deadLettered.length;
    this.reportedFailures += report.failed.length;
  }

  totalLag(): number {
    let sum = 0;
    for (const v of this.lag.values()) sum += v;
    return sum;
  }
}
