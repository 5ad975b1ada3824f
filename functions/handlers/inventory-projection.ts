import { defineHandler, lambdaHandler } from '../../shared';
import { inventory } from '../tables';
import { itemChange } from '../topics';

/**
 * Per-user item balances in the inventory table, built from every server's item changes. Users run in parallel,
 * each in order; every change is applied exactly once: the update is fenced by the record's position, so a
 * redelivered record (crash, rebalance, failover) changes nothing.
 */
export const inventoryProjection = defineHandler({
  name: 'inventory-projection',
  topics: [itemChange],
  tables: [inventory],
  startingPosition: 'earliest',
  batch: { size: 500, windowSeconds: 1 },
  concurrency: { by: 'key', maxInFlight: 64 },
  retry: { attempts: 5, backoff: { initialMs: 50, maxMs: 2000 } },
  async handle(record, ctx) {
    const { userId, itemId, delta, time } = record.value;
    await ctx
      .table(inventory)
      .update({ userId, itemId }, { add: { balance: delta }, set: { updatedAt: time } }, { from: record });
  },
});

export const handler = lambdaHandler(inventoryProjection);
