/**
 * Tables against the real local DynamoDB server (started by the global setup) and, for the example projection,
 * real Kafka: fenced updates and folds apply each record once, redelivered records change nothing.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import * as z from 'zod';
import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { defineTable, FenceKeyError, ItemSizeError, MAX_ITEM_BYTES } from '../../shared';
import { itemSize } from '../../shared/state/item-size';
import { ensureTables } from '../../launcher/dynamodb/tables';
import { startEmulator } from '../../shared/emulator';
import { createLogger } from '../../shared/lambda/logger';
import { createProducer } from '../../shared/producer';
import { createDocumentClient } from '../../shared/state/dynamodb';
import { tableClient } from '../../shared/state/table-client';
import { inventory } from '../../functions/tables';
import { itemChange, type ItemChange } from '../../functions/topics';
import { testBrokers } from '../support/brokers';
import { createFixtureTopics, kafkaClient, quietOutput, REPO } from '../support/emulation';

const Counter = z.object({
  userId: z.string(),
  itemId: z.string(),
  balance: z.number().int(),
  note: z.string().optional(),
});
const counters = defineTable({
  name: `counters-${randomUUID().slice(0, 8)}`,
  partitionKey: 'userId',
  sortKey: 'itemId',
  schema: Counter,
});
const client = createDocumentClient();
const table = tableClient(counters, { client, tableName: counters.name, group: 'g' });
const at = (key: string, offset: number, topic = 'eu1_item_change', partition = 3) => ({
  topic,
  partition,
  offset,
  key,
  delta: offset + 1,
});

beforeAll(async () => {
  await ensureTables(client, [counters, inventory]);
});
afterAll(() => client.destroy());

describe('a table on the local server', () => {
  it('applies a fenced update once: a redelivered record changes nothing and says so', async () => {
    const key = { userId: 'u1', itemId: 'gold' };
    expect(await table.update(key, { add: { balance: 5 } }, { from: at('u1', 10) })).toEqual({
      applied: true,
    });
    expect(await table.update(key, { add: { balance: 5 } }, { from: at('u1', 10) })).toEqual({
      applied: false,
    });
    expect(await table.update(key, { add: { balance: 5 } }, { from: at('u1', 9) })).toEqual({
      applied: false,
    });
    // Another partition's fence is its own; so is another group's.
    expect(
      await table.update(key, { add: { balance: 1 } }, { from: at('u1', 3, 'us1_item_change', 0) }),
    ).toEqual({
      applied: true,
    });
    const other = tableClient(counters, { client, tableName: counters.name, group: 'audit' });
    expect(await other.update(key, { set: { note: 'seen' } }, { from: at('u1', 10) })).toEqual({
      applied: true,
    });
    expect(await table.get(key)).toEqual({ userId: 'u1', itemId: 'gold', balance: 6, note: 'seen' });
  });

  it('refuses a fenced write to an item not keyed by the record, before writing', async () => {
    await expect(
      table.update({ userId: 'u2', itemId: 'gold' }, { add: { balance: 1 } }, { from: at('u1', 1) }),
    ).rejects.toThrow(FenceKeyError);
    expect(await table.get({ userId: 'u2', itemId: 'gold' })).toBeUndefined();
  });

  it('puts, queries one partition key in sort order, and deletes, with the schema checked on put', async () => {
    await table.put({ userId: 'q1', itemId: 'b', balance: 2 });
    await table.put({ userId: 'q1', itemId: 'a', balance: 1 });
    expect(await table.query('q1')).toEqual([
      { userId: 'q1', itemId: 'a', balance: 1 },
      { userId: 'q1', itemId: 'b', balance: 2 },
    ]);
    await table.delete({ userId: 'q1', itemId: 'a' });
    expect(await table.query('q1', { limit: 5 })).toHaveLength(1);
    await expect(table.put({ userId: 'q1', itemId: 'c', balance: 1.5 })).rejects.toThrow(
      /item of table counters-.* violates schema: field balance/,
    );
  });

  it('applies a fenced put once, keeping every fence: redeliveries and older records change nothing', async () => {
    const key = { userId: 'p1', itemId: 'gold' };
    const audit = tableClient(counters, { client, tableName: counters.name, group: 'audit' });
    expect(await table.put({ ...key, balance: 1 }, { from: at('p1', 5) })).toEqual({ applied: true });
    expect(await audit.update(key, { set: { note: 'audited' } }, { from: at('p1', 5) })).toEqual({
      applied: true,
    });
    expect(await table.put({ ...key, balance: 99 }, { from: at('p1', 5) })).toEqual({ applied: false });
    expect(await table.put({ ...key, balance: 99 }, { from: at('p1', 2) })).toEqual({ applied: false });
    expect(await table.get(key)).toEqual({ ...key, balance: 1, note: 'audited' });
    // A newer put replaces the item (the note goes) but keeps both groups' fences.
    expect(await table.put({ ...key, balance: 7 }, { from: at('p1', 6) })).toEqual({ applied: true });
    expect(await table.update(key, { add: { balance: 1 } }, { from: at('p1', 6) })).toEqual({
      applied: false,
    });
    expect(await audit.update(key, { set: { note: 'again' } }, { from: at('p1', 5) })).toEqual({
      applied: false,
    });
    expect(await table.get(key)).toEqual({ ...key, balance: 7 });
  });

  it("a fenced put that loses a race reads again: another group's first fence, written in between, is kept", async () => {
    const key = { userId: 'r1', itemId: 'gold' };
    await table.put({ ...key, balance: 1 }); // unfenced: no fence, no write count yet
    const audit = tableClient(counters, { client, tableName: counters.name, group: 'audit' });
    // Between the fenced put's read and its write, the audit group writes the item for the first time.
    const racing = createDocumentClient();
    let raced = 0;
    racing.middlewareStack.add(
      (next) => async (args) => {
        if ((args.input as { Item?: unknown }).Item !== undefined && raced++ === 0) {
          await audit.update(key, { set: { note: 'audited' } }, { from: at('r1', 3) });
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    try {
      const racer = tableClient(counters, { client: racing, tableName: counters.name, group: 'g' });
      expect(await racer.put({ ...key, balance: 5 }, { from: at('r1', 4) })).toEqual({ applied: true });
    } finally {
      racing.destroy();
    }
    expect(raced).toBe(2); // the refused write, then the one made after reading again
    expect(await table.get(key)).toEqual({ ...key, balance: 5 });
    expect(await audit.update(key, { set: { note: 'again' } }, { from: at('r1', 3) })).toEqual({
      applied: false,
    });
  });

  it('a fenced delete leaves a tombstone: absent to get and query, refusing redeliveries, revived by a newer write', async () => {
    const key = { userId: 'd1', itemId: 'gold' };
    // Sorts after the deleted item: a query with a limit must read past the tombstone.
    await table.put({ userId: 'd1', itemId: 'silver', balance: 1 });
    expect(await table.update(key, { add: { balance: 4 } }, { from: at('d1', 10) })).toEqual({
      applied: true,
    });
    expect(await table.delete(key, { from: at('d1', 11) })).toEqual({ applied: true });
    expect(await table.get(key)).toBeUndefined();
    expect(await table.query('d1')).toEqual([{ userId: 'd1', itemId: 'silver', balance: 1 }]);
    expect(await table.query('d1', { limit: 1 })).toEqual([{ userId: 'd1', itemId: 'silver', balance: 1 }]);
    // The whole batch again: the update, then the delete. Neither applies; the item stays deleted.
    expect(await table.update(key, { add: { balance: 4 } }, { from: at('d1', 10) })).toEqual({
      applied: false,
    });
    expect(await table.delete(key, { from: at('d1', 11) })).toEqual({ applied: false });
    expect(await table.put({ ...key, balance: 50 }, { from: at('d1', 9) })).toEqual({ applied: false });
    expect(await table.get(key)).toBeUndefined();
    // A newer record's write starts the item afresh: the deleted balance is gone.
    expect(await table.update(key, { add: { balance: 2 } }, { from: at('d1', 12) })).toEqual({
      applied: true,
    });
    expect(await table.get(key)).toEqual({ ...key, balance: 2 });
  });

  it("refuses an item over 400 KB before sending it, at the same byte count as the server's", async () => {
    const key = { userId: 's1', itemId: 'big' };
    const sized = (bytes: number) => {
      const base = { ...key, balance: 1, note: '' };
      return { ...base, note: 'x'.repeat(bytes - itemSize(base)) };
    };
    expect(await table.put(sized(MAX_ITEM_BYTES))).toEqual({ applied: true });
    await expect(table.put(sized(MAX_ITEM_BYTES + 1))).rejects.toThrow(ItemSizeError);
    await expect(table.put(sized(MAX_ITEM_BYTES + 1))).rejects.toThrow(
      /put on table counters-\w+ item \{"userId":"s1","itemId":"big"\} failed: the item would be 409601 bytes/,
    );
    // The server draws the line at the same byte: sent anyway, it refuses the item.
    await expect(
      client.send(new PutCommand({ TableName: counters.name, Item: sized(MAX_ITEM_BYTES + 1) })),
    ).rejects.toThrow(/Item size has exceeded the maximum allowed size/);
    expect((await table.get(key))!.note).toHaveLength(sized(MAX_ITEM_BYTES).note.length);
    // An update whose own attributes are over the limit is refused the same way, naming the record.
    await expect(
      table.update(key, { set: { note: 'x'.repeat(MAX_ITEM_BYTES) } }, { from: at('s1', 1) }),
    ).rejects.toThrow(/topic eu1_item_change partition 3 offset 1: update on table counters-\w+ .* bytes/);
  });

  it('folds a batch into one write per item, and a redelivered, overlapping batch applies only what is new', async () => {
    const users = ['f1', 'f2', 'f3'];
    // Offsets 0-29 on one partition, users round-robin: 10 records per user.
    const first = Array.from({ length: 30 }, (_, i) => at(users[i % 3]!, i));
    const fold = (records: typeof first) =>
      table.fold(
        records,
        (r) => ({ userId: r.key, itemId: 'gold' }),
        (rs) => ({ add: { balance: rs.reduce((n, r) => n + r.delta, 0) } }),
      );
    expect(await fold(first)).toEqual({ items: 3, writes: 3, applied: 30, skipped: 0 });
    // Redelivered from offset 15 with ten more: 15-29 were applied, 30-39 are new.
    const second = Array.from({ length: 25 }, (_, i) => at(users[(i + 15) % 3]!, i + 15));
    const result = await fold(second);
    expect(result).toMatchObject({ items: 3, applied: 10, skipped: 15 });
    expect(result.writes).toBe(6); // per item: the refused optimistic write, then the write of what is new
    expect(await fold(second)).toMatchObject({ applied: 0, skipped: 25 });
    const balances = await Promise.all(users.map((u) => table.get({ userId: u, itemId: 'gold' })));
    const expected = users.map((_, u) =>
      Array.from({ length: 40 }, (_, i) => i).reduce((n, i) => (i % 3 === u ? n + i + 1 : n), 0),
    );
    expect(balances.map((b) => b!.balance)).toEqual(expected);
  });

  it('a throttled item fails the fold once the others are written; the redelivered batch applies only its records', async () => {
    // Throttled past the SDK's retries: this middleware runs before the retry loop, so the failure is final.
    const throttled = createDocumentClient();
    throttled.middlewareStack.add(
      (next) => async (args) => {
        if (JSON.stringify((args.input as { Key?: unknown }).Key ?? null).includes('"t2"')) {
          throw new ProvisionedThroughputExceededException({
            message: 'The level of configured provisioned throughput for the table was exceeded',
            $metadata: {},
          });
        }
        return next(args);
      },
      { step: 'initialize' },
    );
    const users = ['t1', 't2', 't3'];
    const batch = Array.from({ length: 12 }, (_, i) => at(users[i % 3]!, i));
    const fold = (t: typeof table) =>
      t.fold(
        batch,
        (r) => ({ userId: r.key, itemId: 'gold' }),
        (rs) => ({ add: { balance: rs.reduce((n, r) => n + r.delta, 0) } }),
      );
    const balance = async (u: string) => (await table.get({ userId: u, itemId: 'gold' }))?.balance;
    const expected = (u: number) => batch.reduce((n, r, i) => (i % 3 === u ? n + r.delta : n), 0);
    try {
      await expect(
        fold(tableClient(counters, { client: throttled, tableName: counters.name, group: 'g' })),
      ).rejects.toThrow(
        /^topic eu1_item_change partition 3 offset 1: update on table counters-\w+ item \{"userId":"t2","itemId":"gold"\} failed: The level of configured provisioned throughput/,
      );
    } finally {
      throttled.destroy();
    }
    // Settled when it failed: t1 and t3 written, t2 not.
    expect(await Promise.all(users.map(balance))).toEqual([expected(0), undefined, expected(2)]);
    // The batch again: only t2's four records apply.
    expect(await fold(table)).toEqual({ items: 3, writes: 3, applied: 4, skipped: 8 });
    expect(await Promise.all(users.map(balance))).toEqual([expected(0), expected(1), expected(2)]);
  });
});

describe('the example inventory projection on real Kafka', () => {
  it('writes each change once, and a full redelivery of its topics changes no balance', async () => {
    const brokers = testBrokers();
    const kafka = kafkaClient(brokers);
    const app = resolve(REPO, 'functions');
    await createFixtureTopics(kafka, app);
    const run = randomUUID().slice(0, 8);
    const changes: ItemChange[] = Array.from({ length: 60 }, (_, i) => ({
      userId: `user-${run}-${i % 7}`,
      itemId: i % 2 ? 'gold' : 'gem',
      delta: (i % 5) - 1,
      balance: 0,
      reason: 'loot',
      time: Date.UTC(2026, 11, 1) + i,
    }));
    const producer = createProducer({ brokers });
    for (const [i, change] of changes.entries()) {
      await producer.publish(itemChange.of(['asia1', 'eu1', 'us1'][i % 3]!), change);
    }
    await producer.disconnect();

    const expected = new Map<string, number>();
    for (const c of changes)
      expected.set(`${c.userId}/${c.itemId}`, (expected.get(`${c.userId}/${c.itemId}`) ?? 0) + c.delta);
    const projection = tableClient(inventory, { client, tableName: inventory.name, group: 'reader' });
    const balances = async (): Promise<Map<string, number>> => {
      const found = new Map<string, number>();
      for (const user of new Set(changes.map((c) => c.userId))) {
        for (const item of await projection.query(user))
          found.set(`${item.userId}/${item.itemId}`, item.balance);
      }
      return found;
    };
    const runUntilApplied = async (): Promise<void> => {
      const emulator = await startEmulator({
        appDir: app,
        brokers,
        log: createLogger({}, 'silent'),
        only: ['inventory-projection'],
        output: quietOutput,
        watch: false,
      });
      try {
        const deadline = Date.now() + 60_000;
        // Lag as committed right now (after a reset: everything), then until the group has caught up.
        await emulator.refreshLag();
        while ([...emulator.stats.values()][0]!.totalLag() > 0 || (await balances()).size < expected.size) {
          if (Date.now() > deadline) {
            throw new Error(`projection did not catch up: ${JSON.stringify([...(await balances())])}`);
          }
          await new Promise((r) => setTimeout(r, 250));
          await emulator.refreshLag();
        }
      } finally {
        await emulator.stop();
      }
    };

    await runUntilApplied();
    expect(await balances()).toEqual(expected);

    // Redeliver everything: every group of the projection back to the start of its topic.
    const admin = kafka.admin();
    await admin.connect();
    for (const topic of itemChange.topics) {
      // Explicit offsets (resetOffsets would commit a sentinel that empty partitions never replace).
      const partitions = (await admin.fetchTopicOffsets(topic.name)).map((p) => ({
        partition: p.partition,
        offset: p.low,
      }));
      await admin.setOffsets({
        groupId: `inventory-projection.${topic.name}`,
        topic: topic.name,
        partitions,
      });
    }
    await admin.disconnect();
    await runUntilApplied();
    expect(await balances()).toEqual(expected);
  });
});
