import * as z from 'zod';
import { defineTopic, defineTopicFamily } from '../shared';
import { avro } from '../shared/formats';
import alertSchema from './alerts.avsc';

/** Game servers that emit item logs; each has its own `<server>_item_change` topic. */
export const SERVERS = ['asia1', 'eu1', 'us1'] as const;

export const ItemChange = z.object({
  userId: z.string().min(1),
  itemId: z.string().min(1),
  /** Items gained (positive) or spent (negative). */
  delta: z.number().int(),
  /** The user's count of this item after the change, as the game server saw it. */
  balance: z.number().int(),
  reason: z.enum(['loot', 'craft', 'trade', 'purchase', 'consume', 'admin']),
  /** When the change happened on the game server (epoch ms). */
  time: z.number().int().nonnegative(),
});
export type ItemChange = z.infer<typeof ItemChange>;

/** Keyed by user id: one user's changes stay ordered on one partition while users spread over all 12. */
export const itemChange = defineTopicFamily({
  pattern: '{server}_item_change',
  members: SERVERS,
  partitions: 12,
  config: { 'retention.ms': 7 * 24 * 3600 * 1000 },
  value: ItemChange,
  key: (change) => change.userId,
  description: 'item changes logged by one game server',
});

export const Alert = z.object({
  userId: z.string(),
  server: z.string(),
  kind: z.enum(['negative-balance', 'large-delta-burst']),
  detail: z.string(),
  at: z.number().int(),
});
export type Alert = z.infer<typeof Alert>;

/**
 * Avro behind the schema registry: the schema is `alerts.avsc` beside this file (the registry's copy, checked
 * against schemas.lock.json before every synth); zod refines the decoded value and types it.
 */
export const alerts = defineTopic({
  name: 'alerts',
  partitions: 3,
  value: avro(alertSchema, { refine: Alert }),
  key: (alert) => alert.userId,
  compatibility: 'BACKWARD',
  description: 'anomalies found in item changes',
});

export const ServerStats = z.object({
  server: z.string(),
  minute: z.number().int(),
  changes: z.number().int().nonnegative(),
  users: z.number().int().nonnegative(),
  byReason: z.record(z.string(), z.number().int()),
  net: z.number().int(),
});
export type ServerStats = z.infer<typeof ServerStats>;

/** Compacted: the latest figures per server and minute. */
export const serverStats = defineTopic({
  name: 'server_stats',
  partitions: 3,
  config: { 'cleanup.policy': 'compact' },
  value: ServerStats,
  key: (s) => `${s.server}:${s.minute}`,
  description: 'per-server, per-minute statistics of item changes',
});
