import * as z from 'zod';
import { defineTable, defineTopic } from '../../../shared';

/**
 * The reliability suite's own application: one source topic and one output topic, both with the framework's
 * durable defaults (replication factor 3, min.insync.replicas 2), and one table of balances. Each scenario names
 * its own topics, table and group through RELIABILITY_PREFIX, so scenarios never share state.
 */
export const PREFIX = process.env.RELIABILITY_PREFIX ?? 'reliability';

/** An item change, reduced to what the projection needs: whose balance (key), by how much (delta), which one (seq). */
export const Change = z.object({
  key: z.string(),
  seq: z.number().int(),
  delta: z.number().int(),
  /** The handler throws on this record, every attempt (it ends in the dead-letter topic). */
  fail: z.boolean().optional(),
  /** The handler hangs after publishing this record while RELIABILITY_LINGER_MS is set: a kill lands mid-batch. */
  linger: z.boolean().optional(),
});
export type Change = z.infer<typeof Change>;

export const changes = defineTopic({
  name: `${PREFIX}_changes`,
  partitions: 6,
  value: Change,
  key: (c) => c.key,
});

/**
 * What the projection applied, one record per handled source record: the durable effect a test folds into
 * balances. `pid` says which emulator process handled it.
 */
export const Applied = z.object({
  key: z.string(),
  seq: z.number().int(),
  delta: z.number().int(),
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  pid: z.number().int(),
});
export type Applied = z.infer<typeof Applied>;

export const applied = defineTopic({
  name: `${PREFIX}_applied`,
  partitions: 6,
  value: Applied,
  key: (a) => a.key,
});

/** One item per key: the projection's durable state, written with the framework's fenced (apply-once) update. */
export const Balance = z.object({
  key: z.string(),
  /** The sum of the deltas applied. */
  balance: z.number().int(),
  /** How many records were applied: a record applied twice (or never) shows here even when its delta is 0. */
  applies: z.number().int(),
});
export type Balance = z.infer<typeof Balance>;

export const balances = defineTable({
  name: `${PREFIX}_balances`,
  partitionKey: 'key',
  schema: Balance,
});
