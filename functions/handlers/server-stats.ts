import { defineHandler, lambdaHandler } from '../../shared';
import { itemChange, serverStats, type ServerStats } from '../topics';

/** Folds a batch of changes into per-server, per-minute figures. */
export function summarize(
  changes: readonly { server: string; userId: string; delta: number; reason: string; time: number }[],
): ServerStats[] {
  const stats = new Map<string, ServerStats & { userSet: Set<string> }>();
  for (const c of changes) {
    const minute = Math.floor(c.time / 60_000) * 60_000;
    const id = `${c.server}:${minute}`;
    let s = stats.get(id);
    if (!s)
      stats.set(
        id,
        (s = { server: c.server, minute, changes: 0, users: 0, byReason: {}, net: 0, userSet: new Set() }),
      );
    s.changes++;
    s.net += c.delta;
    s.byReason[c.reason] = (s.byReason[c.reason] ?? 0) + 1;
    s.userSet.add(c.userId);
  }
  return [...stats.values()].map(({ userSet, ...s }) => ({ ...s, users: userSet.size }));
}

/** Per-server statistics, one batch at a time; publishes a partial figure per server-minute and batch. */
export const serverStatsHandler = defineHandler({
  name: 'server-stats',
  topics: [itemChange],
  publishes: [serverStats],
  startingPosition: 'latest',
  batch: { size: 1000, windowSeconds: 5 },
  async handleBatch(records, ctx) {
    const changes = records.map((r) => ({ ...r.value, server: itemChange.memberOf(r.topic) ?? r.topic }));
    for (const figure of summarize(changes)) await ctx.publish(serverStats, figure);
  },
});

export const handler = lambdaHandler(serverStatsHandler);
