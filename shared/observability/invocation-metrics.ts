/**
 * The metrics hook of the adapter: one EMF document per invocation and source topic, printed as one line (on
 * Lambda, stdout goes to the function's log group, where CloudWatch extracts the metrics; locally, to the dev log).
 * An invocation still running shortly before its deadline prints its document then, counting the records it has
 * not finished as timed out: a function that times out is stopped without a chance to say anything later.
 */
import type { FailureKind } from '../lambda/dead-letter';
import type {
  InvocationHook,
  InvocationObserver,
  InvocationReport,
  InvocationStart,
} from '../lambda/invocation-report';
import { emfDocument, type EmfDocument, type MetricKey } from './emf';

/** Where a document's line goes. */
export type MetricsWriter = (line: string) => void;

const FAILED_BY_KIND: Record<FailureKind, MetricKey> = {
  decode: 'failedDecode',
  schema: 'failedSchema',
  handler: 'failedHandler',
};

/** The median (nearest rank) of the first `n` values, found in place without sorting them all. */
export function median(values: Float64Array, n = values.length): number {
  if (n === 0) return NaN;
  const k = Math.ceil(n / 2) - 1;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const pivot = values[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const t = values[i]!;
        values[i++] = values[j]!;
        values[j--] = t;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}

interface Ages {
  max: number;
  p50: number;
}

/** Record age per topic: the invocation's start minus each record's timestamp (never below zero). */
function agesByTopic(inv: InvocationStart): Map<string, Ages> {
  const lists = Object.values(inv.event.records ?? {});
  const byTopic = new Map<string, { values: Float64Array; n: number }>();
  for (const list of lists) {
    const topic = list[0]?.topic;
    if (topic === undefined) continue;
    let ages = byTopic.get(topic);
    if (!ages) {
      let size = 0;
      for (const l of lists) if (l[0]?.topic === topic) size += l.length;
      byTopic.set(topic, (ages = { values: new Float64Array(size), n: 0 }));
    }
    for (const r of list) ages.values[ages.n++] = Math.max(0, inv.startedAt - Number(r.timestamp));
  }
  const out = new Map<string, Ages>();
  for (const [topic, { values, n }] of byTopic) {
    let max = 0;
    for (let i = 0; i < n; i++) if (values[i]! > max) max = values[i]!;
    out.set(topic, { max, p50: median(values, n) });
  }
  return out;
}

/** The documents of an invocation; `timedOut` counts what is unfinished as timed out. */
export function invocationDocuments(
  inv: InvocationStart,
  report: InvocationReport,
  outcome: { timedOut: boolean; failedWhole: boolean },
): EmfDocument[] {
  const ages = agesByTopic(inv);
  const docs: EmfDocument[] = [];
  for (const [topic, tally] of Object.entries(report.byTopic)) {
    const values: Partial<Record<MetricKey, number>> = {
      received: tally.received,
      handled: tally.handled,
      retried: tally.retries,
      deadLettered: 0,
      failed: 0,
      failedDecode: 0,
      failedSchema: 0,
      failedHandler: 0,
      failedTimeout: 0,
    };
    const count = (key: MetricKey): void => void (values[key] = (values[key] ?? 0) + 1);
    for (const d of report.deadLettered)
      if (d.topic === topic) {
        count('deadLettered');
        count('failed');
        count(FAILED_BY_KIND[d.kind]);
      }
    for (const f of report.failed)
      if (f.topic === topic) {
        count('failed');
        count(FAILED_BY_KIND[f.kind]);
      }
    if (outcome.timedOut) {
      const unfinished = tally.received - tally.handled - tally.skipped - values.failed!;
      values.failedTimeout = Math.max(0, unfinished);
      values.failed! += values.failedTimeout;
    }
    const age = ages.get(topic);
    docs.push(
      emfDocument({
        timestamp: inv.startedAt,
        handler: report.handler,
        topic,
        values: {
          ...values,
          batchSize: report.records,
          duration: report.durationMs,
          ...(age && { recordAgeMax: age.max, recordAgeP50: age.p50 }),
          invocationErrors: outcome.timedOut || outcome.failedWhole ? 1 : 0,
        },
        properties: {
          Group: report.group,
          ...(inv.lambda?.awsRequestId !== undefined && { RequestId: inv.lambda.awsRequestId }),
        },
      }),
    );
  }
  return docs;
}

class InvocationMetrics implements InvocationObserver {
  #written = false;

  constructor(
    private readonly inv: InvocationStart,
    private readonly write: MetricsWriter | undefined,
  ) {}

  nearDeadline(report: InvocationReport): void {
    this.#emit(report, { timedOut: true, failedWhole: false });
  }

  end(report: InvocationReport, error?: unknown): void {
    if (!this.#written) this.#emit(report, { timedOut: false, failedWhole: error !== undefined });
  }

  #emit(report: InvocationReport, outcome: { timedOut: boolean; failedWhole: boolean }): void {
    this.#written = true;
    const docs = invocationDocuments(this.inv, report, outcome);
    report.metrics = docs;
    if (this.write) for (const doc of docs) this.write(JSON.stringify(doc));
  }
}

/** The metrics hook; `write` prints each document (Lambda's entry point passes stdout), else they are only reported. */
export function metricsHook(write?: MetricsWriter): InvocationHook {
  return { start: (inv) => new InvocationMetrics(inv, write) };
}

/** One line on stdout, where Lambda's runtime takes it as one log event. */
export const stdoutWriter: MetricsWriter = (line) => void process.stdout.write(line + '\n');
