import { SnapshotBuilder } from '../../console/snapshot';
import { HandlerStats } from '../../shared/emulator/stats';

describe('console snapshots', () => {
  it('turn running totals into a records/s history, newest failures first', () => {
    const stats = new HandlerStats();
    const emulator = { stats: new Map([['orders', stats]]), reloads: [] };
    const builder = new SnapshotBuilder();
    expect(builder.tick(emulator, 1_000_000).handlers[0]!.rates).toEqual([]);
    stats.handled = 50;
    stats.remember({ kind: 'dead-letter', reason: 'first' });
    stats.remember({ kind: 'timeout', reason: 'second' });
    const snapshot = builder.tick(emulator, 1_002_000, 'Kafka is down');
    const view = snapshot.handlers[0]!;
    expect(view.rates).toEqual([[1002, 25]]);
    expect(view.recent.map((f) => f.reason)).toEqual(['second', 'first']);
    expect(snapshot.kafkaError).toBe('Kafka is down');
  });
});
