import { rawRecord, record, runHandler } from '../../shared/testkit';
import { anomalyDetector, BURST_COUNT, LARGE_DELTA } from '../../functions/handlers/anomaly-detector';
import { inventoryProjection } from '../../functions/handlers/inventory-projection';
import { serverStatsHandler } from '../../functions/handlers/server-stats';
import { itemChange, type ItemChange } from '../../functions/topics';

const eu1 = itemChange.of('eu1');
const change = (over: Partial<ItemChange>): ItemChange => ({
  userId: 'u1',
  itemId: 'gold',
  delta: 5,
  balance: 5,
  reason: 'loot',
  time: Date.UTC(2026, 10, 25, 12, 0, 0),
  ...over,
});

describe('example app, through the test kit', () => {
  it('the anomaly detector alerts on a negative balance and on a burst of large deltas', async () => {
    const records = [
      record(eu1, change({ userId: 'neg', delta: -8, balance: -3, reason: 'consume' })),
      ...Array.from({ length: BURST_COUNT }, (_, i) =>
        record(eu1, change({ userId: 'burst', delta: LARGE_DELTA, time: change({}).time + i * 1000 })),
      ),
    ];
    const result = await runHandler(anomalyDetector, records);
    expect(result.published.map((p) => [p.topic, (p.value as { kind: string }).kind, p.key])).toEqual([
      ['alerts', 'negative-balance', 'neg'],
      ['alerts', 'large-delta-burst', 'burst'],
    ]);
    expect(result.published[0]!.value).toMatchObject({ server: 'eu1', detail: 'gold at -3' });
  });

  it('malformed item changes go to the dead-letter topic with the field named', async () => {
    const result = await runHandler(inventoryProjection, [
      rawRecord(eu1, JSON.stringify({ ...change({}), delta: 'lots' }), { key: 'u9' }),
    ]);
    expect(result.handled).toHaveLength(0);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]!.topic).toBe('eu1_item_change.inventory-projection.dlq');
    expect(result.deadLetters[0]!.info.error).toMatch(/field delta/);
  });

  it('server statistics fold a batch into per-server, per-minute figures', async () => {
    const t = change({}).time;
    const result = await runHandler(serverStatsHandler, [
      record(eu1, change({ userId: 'a', delta: 3, time: t })),
      record(eu1, change({ userId: 'b', delta: -1, reason: 'consume', time: t + 1000 })),
      record(itemChange.of('us1'), change({ userId: 'a', delta: 2, time: t })),
    ]);
    const byServer = Object.fromEntries(
      result.published.map((p) => [(p.value as { server: string }).server, p.value]),
    );
    expect(byServer.eu1).toEqual({
      server: 'eu1',
      minute: t,
      changes: 2,
      users: 2,
      byReason: { loot: 1, consume: 1 },
      net: 2,
    });
    expect(byServer.us1).toEqual({
      server: 'us1',
      minute: t,
      changes: 1,
      users: 1,
      byReason: { loot: 1 },
      net: 2,
    });
    expect(result.published[0]!.key).toMatch(/^(eu1|us1):\d+$/);
  });
});
