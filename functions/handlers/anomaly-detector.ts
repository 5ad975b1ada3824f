import { defineHandler, lambdaHandler } from '../../shared';
import { alerts, itemChange, type Alert, type ItemChange } from '../topics';

/** A user gaining or losing at least this many items in one change counts towards a burst. */
export const LARGE_DELTA = 1000;
/** This many large changes within the window is a burst. */
export const BURST_COUNT = 3;
export const BURST_WINDOW_MS = 60_000;

const recentLarge = new Map<string, number[]>();

/** Returns the alerts one change raises. Burst memory is per container: a burst split across two is missed. */
export function detect(change: ItemChange, server: string): Omit<Alert, 'at'>[] {
  const found: Omit<Alert, 'at'>[] = [];
  if (change.balance < 0) {
    found.push({
      userId: change.userId,
      server,
      kind: 'negative-balance',
      detail: `${change.itemId} at ${change.balance}`,
    });
  }
  if (Math.abs(change.delta) >= LARGE_DELTA) {
    const times = (recentLarge.get(change.userId) ?? []).filter((t) => change.time - t < BURST_WINDOW_MS);
    times.push(change.time);
    recentLarge.set(change.userId, times);
    if (times.length === BURST_COUNT) {
      found.push({
        userId: change.userId,
        server,
        kind: 'large-delta-burst',
        detail: `${BURST_COUNT} changes of ${LARGE_DELTA}+ within a minute`,
      });
    }
  }
  return found;
}

/** Flags negative balances and bursts of large deltas; admin corrections are filtered out before invocation. */
export const anomalyDetector = defineHandler({
  name: 'anomaly-detector',
  topics: [itemChange],
  publishes: [alerts],
  startingPosition: 'latest',
  filter: { reason: [{ 'anything-but': ['admin'] }] },
  async handle({ value, topic }, ctx) {
    const server = itemChange.memberOf(topic) ?? topic;
    for (const alert of detect(value, server)) await ctx.publish(alerts, { ...alert, at: value.time });
  },
});

export const handler = lambdaHandler(anomalyDetector);
