/**
 * The spans of one invocation in a compact form, for the emulator: it crosses from the function's container to the
 * emulator with every invocation and is kept for "follow this record", so it is a few typed arrays (copied across
 * threads as blocks of memory) and one block of id characters, not an object and three strings per record.
 */

/** What became of the record (or batch) a span covers. */
export const SPAN_OUTCOMES = ['handled', 'dead-lettered', 'failed'] as const;
export type SpanOutcome = (typeof SPAN_OUTCOMES)[number];

/** Characters per span in `ids`: trace id (32), span id (16), parent span id (16; zeros for a root span). */
export const SPAN_ID_CHARS = 64;
export const NO_PARENT = '0'.repeat(16);

export interface SpanReport {
  /** Spans in the report. */
  count: number;
  /** Per span, `SPAN_ID_CHARS` ASCII characters: trace id, span id, parent span id. */
  ids: Uint8Array;
  /** Topic names; `topic[i]` indexes this list. */
  topics: string[];
  topic: Uint16Array;
  partition: Int32Array;
  /** The record's offset; -1 for a batch span. */
  offset: Float64Array;
  /** Epoch milliseconds. */
  start: Float64Array;
  end: Float64Array;
  /** Index into SPAN_OUTCOMES. */
  outcome: Uint8Array;
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

/** Collects an invocation's spans as they end, into arrays sized for the invocation's records. */
export class SpanReportBuilder {
  private readonly topicIndex = new Map<string, number>();
  private lastTopic: string | undefined;
  private lastIndex = 0;
  private readonly r: SpanReport;

  constructor(capacity: number) {
    const n = Math.max(1, capacity);
    this.r = {
      count: 0,
      ids: Buffer.alloc(n * SPAN_ID_CHARS),
      topics: [],
      topic: new Uint16Array(n),
      partition: new Int32Array(n),
      offset: new Float64Array(n),
      start: new Float64Array(n),
      end: new Float64Array(n),
      outcome: new Uint8Array(n),
      links: {},
    };
  }

  add(span: Omit<SpanEntry, 'links'>, links?: readonly string[]): void {
    if (links?.length) this.r.links[this.r.count] = links.join('');
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
    const r = this.r;
    const i = r.count;
    if (i === r.topic.length) return; // more spans than records: a hook calling twice; the rest is not kept
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
    const ids = r.ids as Buffer;
    const at = i * SPAN_ID_CHARS;
    ids.write(traceId, at, 32, 'latin1');
    ids.write(spanId, at + 32, 16, 'latin1');
    ids.write(parentSpanId ?? NO_PARENT, at + 48, 16, 'latin1');
    r.topic[i] = topic;
    r.partition[i] = partition;
    r.offset[i] = offset;
    r.start[i] = start;
    r.end[i] = end;
    r.outcome[i] = outcome === 'handled' ? 0 : SPAN_OUTCOMES.indexOf(outcome);
    r.count = i + 1;
  }

  /** The report, cut to the spans added. */
  build(): SpanReport {
    const r = this.r;
    const n = r.count;
    return {
      ...r,
      ids: r.ids.subarray(0, n * SPAN_ID_CHARS),
      topic: r.topic.subarray(0, n),
      partition: r.partition.subarray(0, n),
      offset: r.offset.subarray(0, n),
      start: r.start.subarray(0, n),
      end: r.end.subarray(0, n),
      outcome: r.outcome.subarray(0, n),
    };
  }
}

/** The id characters of a report as one string (ASCII). */
const idText = (r: SpanReport): string =>
  Buffer.from(r.ids.buffer, r.ids.byteOffset, r.ids.length).toString('latin1');

/** Span `i` of a report; `ids` is the report's id text, when the caller has it already. */
export function spanAt(r: SpanReport, i: number, ids = idText(r)): SpanEntry {
  const at = i * SPAN_ID_CHARS;
  const parent = ids.slice(at + 48, at + 64);
  const links = r.links[i];
  return {
    traceId: ids.slice(at, at + 32),
    spanId: ids.slice(at + 32, at + 48),
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

export const spanCount = (r: SpanReport): number => r.count;

/**
 * The spans of a report that belong to a trace: spans of the trace itself, and batch spans that link to it. Uses
 * the id text's own search, so a trace is found among many spans without reading every one.
 */
export function spansOfTrace(r: SpanReport, traceId: string): SpanEntry[] {
  const found: SpanEntry[] = [];
  const ids = idText(r);
  for (let at = ids.indexOf(traceId); at >= 0; at = ids.indexOf(traceId, at + 1))
    if (at % SPAN_ID_CHARS === 0) found.push(spanAt(r, at / SPAN_ID_CHARS, ids));
  for (const [i, links] of Object.entries(r.links)) {
    for (let at = links.indexOf(traceId); at >= 0; at = links.indexOf(traceId, at + 1))
      if (at % 32 === 0) {
        found.push(spanAt(r, Number(i), ids));
        break;
      }
  }
  return found;
}
