import { defineHandler, lambdaHandler } from '../../shared';
import { inventoryStore } from '../inventory-store';
import { itemChange } from '../topics';

/** Per-user item balances, built from every server's item changes. Users run in parallel, each in order. */
export const inventoryProjection = defineHandler({
  name: 'inventory-projection',
  topics: [itemChange],
  startingPosition: 'earliest',
  batch: { size: 500, windowSeconds: 1 },
  concurrency: { by: 'key', maxInFlight: 64 },
  retry: { attempts: 5, backoff: { initialMs: 50, maxMs: 2000 } },
  async handle({ value, topic, partition, offset }) {
    await inventoryStore.apply(value, { topic, partition, offset });
  },
});

export const handler = lambdaHandler(inventoryProjection);
