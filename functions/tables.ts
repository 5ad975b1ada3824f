import * as z from 'zod';
import { defineTable } from '../shared';

export const InventoryItem = z.object({
  userId: z.string().min(1),
  itemId: z.string().min(1),
  /** Items held: the sum of every applied change's delta. */
  balance: z.number().int(),
  /** When the last applied change happened on its game server (epoch ms). */
  updatedAt: z.number().int().optional(),
});
export type InventoryItem = z.infer<typeof InventoryItem>;

/** Per-user item balances: one user's inventory is one partition key (`table inventory --key user-42`). */
export const inventory = defineTable({
  name: 'inventory',
  partitionKey: 'userId',
  sortKey: 'itemId',
  schema: InventoryItem,
  description: "per-user item balances, built from every server's item changes",
});
