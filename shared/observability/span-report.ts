/**
 * The spans of one invocation in a compact form, for the emulator: it crosses from the function's container to the
 * emulator with every invocation and is kept for "follow this record", so it holds one string of ids and a few
 * arrays of numbers rather than an object per record.
 */

/** What became of the record (or batch) a span covers. */
export const SPAN_OUTCOMES = ['handled', 'dead-lettered', 'failed'] as const;
export type SpanOutcome = (typeof SPAN_OUTCOMES)[number];

/** Characters per span in `ids`: trace id (32), span id (16), parent span id (16; zeros for a root span). */
export const SPAN_ID_CHARS = 64;
export const NO_PARENT = '0'.repeat(16);

export interface SpanReport {
  /** Per span, `SPAN_ID_CHARS` characters: trace id, span id, parent span id. */
  ids: string;
  /** Topic names; `topic[i]` indexes this list. */
  topics: string[];
  topic: number[];
  partition: number[];
  /** The record's offset; -1 for a batch span. */
  offset: number[];
  /** Epoch milliseconds. */
  start: number[];
  end: number[];
  /** Index into SPAN_OUTCOMES. */
  outcome: number[];
  /** A batch span's links, by span index: the trace ids of the records it processed, 32 characters each. */
  links: Record<number, string>;
}

/** One span, as the follow view reads it back. */
export interface SpanEntry {
  traceId: string;
  spanId: string;
  /** Absent for a root span. */
  parentSpanId?: string;
  topic: string;
  partition: number;
  /** Absent for a batch span. */
  offset?: number;
  start: number;
  end: number;
  outcome: SpanOutcome;
  /** A batch span's linked trace ids. */
  links?: string[];
}

/** Collects an invocation's spans as they end. */
export class SpanReportBuilder {
  private readonly ids: string[] = [];
  private readonly topicIndex = new Map<string, number>();
  readonly report: SpanReport = {
    ids: '',
    topics: [],
    topic: [],
    partition: [],
    offset: [],
    start: [],
    end: [],
    outcome: [],
    links: {},
  };

  private lastTopic: string | undefined;
  private lastIndex = 0;

  add(span: Omit<SpanEntry, 'links'>, links?: readonly string[]): void {
    if (links?.length) this.report.links[this.report.topic.length] = links.join('');
    this.addSpan(
      span.traceId,
      span.spanId,
      span.parentSpanId,
      span.topic,
      span.partition,
      span.offset ?? -1,
      span.start,
      span.end,
      span.outcome,
    );
  }

  /** One span, field by field: this runs for every record the emulator delivers. */
  addSpan(
    traceId: string,
    spanId: string,
    parentSpanId: string | undefined,
    topicName: string,
    partition: number,
    offset: number,
    start: number,
    end: number,
    outcome: SpanOutcome,
  ): void {
    const r = this.report;
    let topic = this.lastIndex;
    if (topicName !== this.lastTopic) {
      topic = this.topicIndex.get(topicName) ?? -1;
      if (topic < 0) {
        topic = r.topics.push(topicName) - 1;
        this.topicIndex.set(topicName, topic);
      }
      this.lastTopic = topicName;
      this.lastIndex = topic;
    }
    this.ids.push(traceId, spanId, parentSpanId ?? NO_PARENT);
    r.topic.push(topic);
    r.partition.push(partition);
    r.offset.push(offset);
    r.start.push(start);
    r.end.push(end);
    r.outcome.push(outcome === 'handled' ? 0 : SPAN_OUTCOMES.indexOf(outcome));
  }

  /** The report, with its ids joined into one string. */
  build(): SpanReport {
    this.report.ids = this.ids.join('');
    return this.report;
  }
}

/** Span `i` of a report. */
export function spanAt(r: SpanReport, i: number): SpanEntry {
  const at = i * SPAN_ID_CHARS;
  const parent = r.ids.slice(at + 48, at + 64);
  const links = r.links[i];
  return {
    traceId: r.ids.slice(at, at + 32),
    spanId: r.ids.slice(at + 32, at + 48),
    ...(parent !== NO_PARENT && { parentSpanId: parent }),
    topic: r.topics[r.topic[i]!]!,
    partition: r.partition[i]!,
    ...(r.offset[i]! >= 0 && { offset: r.offset[i]! }),
    start: r.start[i]!,
    end: r.end[i]!,
    outcome: SPAN_OUTCOMES[r.outcome[i]!] ?? 'handled',
    ...(links !== undefined && { links: links.match(/.{32}/g) ?? [] }),
  };
}

export const spanCount = (r: SpanReport): number => r.topic.length;

/**
 * The spans of a report that belong to a trace: spans of the trace itself, and batch spans that link to it. Uses
 * the id string's own search, so a trace is found among many spans without reading every one.
 */
export function spansOfTrace(r: SpanReport, traceId: string): SpanEntry[] {
  const found: SpanEntry[] = [];
  for (let at = r.ids.indexOf(traceId); at >= 0; at = r.ids.indexOf(traceId, at + 1))
    if (at % SPAN_ID_CHARS === 0) found.push(spanAt(r, at / SPAN_ID_CHARS));
  for (const [i, links] of Object.entries(r.links)) {
    for (let at = links.indexOf(traceId); at >= 0; at = links.indexOf(traceId, at + 1))
      if (at % 32 === 0) {
        found.push(spanAt(r, Number(i)));
        break;
      }
  }
  return found;
}
