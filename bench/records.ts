/**
 * The record every throughput benchmark moves: an item change of about 200 bytes as JSON, valid for `BenchValue`.
 * Values are cheap to generate and deterministic, so runs compare like with like.
 */
import * as z from 'zod';

export const BenchValue = z.object({
  userId: z.string(),
  itemId: z.string(),
  delta: z.number().int(),
  balance: z.number().int(),
  reason: z.enum(['loot', 'craft', 'trade', 'purchase', 'consume']),
  time: z.number().int(),
  note: z.string(),
});
export type BenchValue = z.infer<typeof BenchValue>;

const REASONS = BenchValue.shape.reason.options;
const NOTE = 'x'.repeat(77);

/** The i-th value: one of `users` users, so keys repeat and spread over partitions. */
export function benchValue(i: number, users = 10_000): BenchValue {
  return {
    userId: `user-${String(i % users).padStart(6, '0')}`,
    itemId: `item-${String(i % 997).padStart(4, '0')}`,
    delta: (i % 201) - 100,
    balance: 1_000_000 + i,
    reason: REASONS[i % REASONS.length]!,
    time: 1_767_225_600_000 + i,
    note: NOTE,
  };
}

/** The byte size of a typical encoded value (printed next to the figures). */
export const VALUE_BYTES = Buffer.byteLength(JSON.stringify(benchValue(123_456)));
