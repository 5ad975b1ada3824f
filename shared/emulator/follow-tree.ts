/**
 * A followed trace as a tree: a record, the handlers' spans that processed it, the records they published, and so on
 * down. Pure: built from the records found in Kafka and the spans the emulator kept.
 */
import type { SpanEntry } from '../observability/span-report';

/** A record that carries the trace (or a linked one). */
export interface TracedRecord {
  traceId: string;
  /** The span that produced it: the `traceparent`'s parent id. */
  parentSpanId: string;
  topic: string;
  partition: number;
  offset: number;
  /** Epoch milliseconds. */
  timestamp: number;
  key: string | null;
  /** Decoded as the topic declares, or its text when it does not decode. */
  value: unknown;
  problem?: string;
  /** For a dead letter: which handler gave up on which record, and why. */
  deadLetter?: {
    handler: string;
    source: { topic: string; partition: number; offset: number };
    kind: string;
    error: string;
  };
}

/** A span of a handler of the emulator. */
export interface TracedSpan extends SpanEntry {
  handler: string;
}

export type TraceNode =
  | { kind: 'record'; record: TracedRecord; children: TraceNode[] }
  | { kind: 'span'; span: TracedSpan; children: TraceNode[] };

const at = (topic: string, partition: number, offset: number): string => `${topic}\0${partition}\0${offset}`;
const timeOf = (n: TraceNode): number => (n.kind === 'record' ? n.record.timestamp : n.span.start);

/**
 * Arranges records and spans by who caused what: a span under the record it processed (by its location); a batch
 * span under a record of a trace it links to, in its topic; a record under the span that produced it (its
 * traceparent's parent id); a dead letter under the span that gave up on its record. What has no parent found is a
 * root. Siblings are in time order.
 */
export function traceTree(records: readonly TracedRecord[], spans: readonly TracedSpan[]): TraceNode[] {
  const recordNodes = records.map((record): TraceNode => ({ kind: 'record', record, children: [] }));
  const spanNodes = spans.map((span): TraceNode => ({ kind: 'span', span, children: [] }));
  const recordAt = new Map<string, TraceNode>();
  for (const n of recordNodes)
    if (n.kind === 'record') recordAt.set(at(n.record.topic, n.record.partition, n.record.offset), n);
  const spanById = new Map<string, TraceNode>();
  for (const n of spanNodes) if (n.kind === 'span') spanById.set(`${n.span.traceId}\0${n.span.spanId}`, n);

  const parentOf = new Map<TraceNode, TraceNode>();
  for (const n of spanNodes) {
    if (n.kind !== 'span') continue;
    const { span } = n;
    let parent: TraceNode | undefined;
    if (span.offset !== undefined) parent = recordAt.get(at(span.topic, span.partition, span.offset));
    else if (span.links?.length) {
      const linked = recordNodes.filter(
        (r) => r.kind === 'record' && r.record.topic === span.topic && span.links!.includes(r.record.traceId),
      );
      parent = linked.find((r) => r.kind === 'record' && r.record.partition === span.partition) ?? linked[0];
    }
    if (parent) parentOf.set(n, parent);
  }
  for (const n of recordNodes) {
    if (n.kind !== 'record') continue;
    const { record } = n;
    let parent: TraceNode | undefined;
    const dl = record.deadLetter;
    if (dl) {
      parent =
        spanNodes.find(
          (s) =>
            s.kind === 'span' &&
            s.span.handler === dl.handler &&
            s.span.topic === dl.source.topic &&
            s.span.partition === dl.source.partition &&
            s.span.offset === dl.source.offset,
        ) ?? recordAt.get(at(dl.source.topic, dl.source.partition, dl.source.offset));
    } else parent = spanById.get(`${record.traceId}\0${record.parentSpanId}`);
    if (parent) parentOf.set(n, parent);
  }

  // A parent chain that comes back to a node (inconsistent data) is cut there: that node becomes a root.
  const roots: TraceNode[] = [];
  for (const n of [...recordNodes, ...spanNodes]) {
    const parent = parentOf.get(n);
    let cyclic = false;
    for (let p = parent, steps = 0; p; p = parentOf.get(p), steps++)
      if (p === n || steps > parentOf.size) {
        cyclic = true;
        break;
      }
    if (parent && !cyclic) parent.children.push(n);
    else roots.push(n);
  }
  const sort = (nodes: TraceNode[]): void => {
    nodes.sort((a, b) => timeOf(a) - timeOf(b));
    nodes.forEach((c) => sort(c.children));
  };
  sort(roots);
  return roots;
}
