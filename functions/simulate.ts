import type { SimulateFn } from '../shared/emulator';
import { itemChange, SERVERS, type ItemChange } from './topics';

const ITEMS = ['gold', 'potion', 'arrow', 'gem', 'scroll', 'ore'];
const REASONS: ItemChange['reason'][] = [
  'loot',
  'loot',
  'loot',
  'craft',
  'trade',
  'purchase',
  'consume',
  'consume',
  'admin',
];

/** Share of records that are malformed (bad JSON or schema violations). */
const MALFORMED = 0.005;

const pick = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)]!;

/**
 * Game servers emitting item changes: many users, mostly small gains and spends, an occasional large
 * trade (bursts raise alerts), a rare overdraft (negative balance) and a few malformed records.
 */
export const simulate: SimulateFn = async (ctx, options = {}) => {
  const { users = 2000, rate = 400, limit = Infinity } = options;
  const balances = new Map<string, number>();
  const tickMs = 100;
  const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));
  let sent = 0;
  while (!ctx.signal.aborted && sent < limit) {
    const started = Date.now();
    const batches = new Map<string, ItemChange[]>();
    for (let i = 0; i < perTick && sent < limit; i++, sent++) {
      const server = pick(SERVERS);
      const userId = `user-${Math.floor(Math.random() * users)}`;
      if (Math.random() < MALFORMED) {
        const bad =
          Math.random() < 0.5
            ? '{"userId": "' + userId + '", "itemId": '
            : JSON.stringify({ userId, itemId: 'gold', delta: 'many' });
        await ctx.sendRaw(itemChange.of(server).name, userId, bad);
        continue;
      }
      const itemId = pick(ITEMS);
      const reason = pick(REASONS);
      const large = Math.random() < 0.01;
      const size = large ? 1000 + Math.floor(Math.random() * 5000) : 1 + Math.floor(Math.random() * 20);
      const spend = reason === 'consume' || (reason === 'trade' && Math.random() < 0.5);
      const delta = spend ? -size : size;
      const key = `${userId}/${itemId}`;
      const balance = (balances.get(key) ?? 0) + delta;
      balances.set(key, balance);
      const list = batches.get(server) ?? [];
      list.push({ userId, itemId, delta, balance, reason, time: Date.now() });
      batches.set(server, list);
    }
    await Promise.all(
      [...batches].map(([server, list]) => ctx.producer.publishBatch(itemChange.of(server), list)),
    );
    const elapsed = Date.now() - started;
    if (elapsed < tickMs) await new Promise((r) => setTimeout(r, tickMs - elapsed));
  }
  return sent;
};
