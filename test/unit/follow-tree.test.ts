import {
  traceTree,
  type TracedRecord,
  type TracedSpan,
  type TraceNode,
} from '../../shared/emulator/follow-tree';

const T = 'a'.repeat(32);
const B = 'b'.repeat(32);

const rec = (
  topic: string,
  offset: number,
  parentSpanId: string,
  timestamp: number,
  extra: Partial<TracedRecord> = {},
): TracedRecord => ({
  traceId: T,
  parentSpanId,
  topic,
  partition: 0,
  offset,
  timestamp,
  key: 'u1',
  value: {},
  ...extra,
});

const span = (handler: string, spanId: string, at: Partial<TracedSpan>, start: number): TracedSpan => ({
  handler,
  traceId: T,
  spanId,
  topic: 'changes',
  partition: 0,
  start,
  end: start + 5,
  outcome: 'handled',
  ...at,
});

/** The tree as indented labels, for comparing shapes. */
function shape(nodes: TraceNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [
    `${'  '.repeat(depth)}${n.kind === 'record' ? `${n.record.topic}@${n.record.offset}` : n.span.handler}`,
    ...shape(n.children, depth + 1),
  ]);
}

describe('the followed trace as a tree', () => {
  it('puts spans under the record they processed and records under the span that published them', () => {
    const records = [
      rec('alerts', 7, 's-detect', 1200),
      rec('changes', 3, 'p-producer', 1000),
      rec('changes.detector.dlq', 0, 'p-producer', 1300, {
        deadLetter: {
          handler: 'audit',
          source: { topic: 'changes', partition: 0, offset: 3 },
          kind: 'handler',
          error: 'x',
        },
      }),
    ];
    const spans = [
      span('detector', 's-detect', { parentSpanId: 'p-producer', offset: 3 }, 1100),
      span('audit', 's-audit', { parentSpanId: 'p-producer', offset: 3, outcome: 'dead-lettered' }, 1050),
      span('notifier', 's-notify', { topic: 'alerts', offset: 7, parentSpanId: 's-detect' }, 1250),
      span('stats', 's-batch', { traceId: B, links: [T] }, 1400),
      span('other', 's-x', { offset: 99 }, 900), // its record was not found: a root
    ];
    expect(shape(traceTree(records, spans))).toEqual([
      'other',
      'changes@3',
      '  audit',
      '    changes.detector.dlq@0',
      '  detector',
      '    alerts@7',
      '      notifier',
      '  stats',
    ]);
  });

  it('cuts a parent chain that comes back to itself', () => {
    const records = [rec('a', 1, 's1', 10)];
    const spans = [span('h', 's1', { topic: 'a', offset: 1 }, 11)];
    const tree = traceTree(records, spans);
    expect(tree.length).toBeGreaterThan(0);
    expect(shape(tree)).toContain('a@1');
  });
});
