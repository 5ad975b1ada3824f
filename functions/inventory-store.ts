/**
 * Where the inventory projection keeps per-user item balances. Applying a change is idempotent: each user
 * remembers the last offset applied from each topic-partition, and a redelivered record (at or below it) is
 * skipped. This holds under per-key concurrency because one user's records are ordered on one partition.
 */
export interface InventoryStore {
  /** Applies a delta unless this source offset was already applied; returns whether it applied. */
  apply(
    change: { userId: string; itemId: string; delta: number },
    source: { topic: string; partition: number; offset: number },
  ): Promise<boolean>;
  balance(userId: string, itemId: string): Promise<number>;
}

interface UserState {
  items: Map<string, number>;
  applied: Map<string, number>;
}

/** In-process store: what the local emulator and tests use. On AWS, put a DynamoDB-backed store behind the same interface. */
export class MemoryInventoryStore implements InventoryStore {
  readonly users = new Map<string, UserState>();

  async apply(
    change: { userId: string; itemId: string; delta: number },
    source: { topic: string; partition: number; offset: number },
  ): Promise<boolean> {
    let user = this.users.get(change.userId);
    if (!user) this.users.set(change.userId, (user = { items: new Map(), applied: new Map() }));
    const tp = `${source.topic}-${source.partition}`;
    if ((user.applied.get(tp) ?? -1) >= source.offset) return false;
    user.items.set(change.itemId, (user.items.get(change.itemId) ?? 0) + change.delta);
    user.applied.set(tp, source.offset);
    return true;
  }

  async balance(userId: string, itemId: string): Promise<number> {
    return this.users.get(userId)?.items.get(itemId) ?? 0;
  }
}

export const inventoryStore: InventoryStore = new MemoryInventoryStore();
