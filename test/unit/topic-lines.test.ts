import { topicLine } from '../../cli/commands/topics';

describe('topics lines', () => {
  const declared = { partitions: 6, replication: 1 };
  it('say ok, MISSING or DRIFT with the declared shape when the cluster differs', () => {
    expect(topicLine({ name: 't', state: 'missing', declared, partitions: [] })).toBe(
      `${'t'.padEnd(48)} MISSING (declared 6 partitions, replication 1)`,
    );
    expect(topicLine({ name: 't', state: 'ok', declared, actual: declared, partitions: [] })).toBe(
      `${'t'.padEnd(48)} ok  6 partitions, replication 1`,
    );
    const actual = { partitions: 3, replication: 1 };
    expect(topicLine({ name: 't', state: 'drift', declared, actual, partitions: [] })).toBe(
      `${'t'.padEnd(48)} DRIFT  3 partitions, replication 1 (declared 6 partitions, replication 1)`,
    );
    const reasons = ['has 3 partitions, declared 6 (added on the next align or deploy)'];
    expect(topicLine({ name: 't', state: 'drift', declared, actual, reasons, partitions: [] })).toBe(
      `${'t'.padEnd(48)} DRIFT  3 partitions, replication 1 (declared 6 partitions, replication 1): ${reasons[0]}`,
    );
  });
});
