import * as z from 'zod';
import { defineHandler, defineTable, defineTopic, type ItemUpdate } from '../../shared';
import { batchFence, checkFencedKey, fencedPut, recordFence, remainingAfter } from '../../shared/state/fence';
import {
  fenceAttribute,
  isTombstone,
  TOMBSTONE_ATTRIBUTE,
  updateRequest,
  VERSION_ATTRIBUTE,
} from '../../shared/state/update';

const Item = z.object({
  userId: z.string(),
  itemId: z.string(),
  balance: z.number(),
  note: z.string().optional(),
});
const inventory = defineTable({ name: 'inventory', partitionKey: 'userId', sortKey: 'itemId', schema: Item });
const at = (topic: string, partition: number, offset: number, key: string | null = 'u1') => ({
  topic,
  partition,
  offset,
  key,
});

describe('table declarations', () => {
  it('keeps name and key, and refuses bad names and keys with the field named', () => {
    expect(inventory).toMatchObject({
      kind: 'table',
      name: 'inventory',
      partitionKey: 'userId',
      sortKey: 'itemId',
    });
    expect(() => defineTable({ name: 'x', partitionKey: 'userId', schema: Item })).toThrow(
      /table "x": name must be 3-255/,
    );
    expect(() =>
      defineTable({ name: 'inv', partitionKey: 'userId', sortKey: 'userId', schema: Item }),
    ).toThrow(/sortKey "userId" must differ/);
  });

  it('rejects a keyed attribute that is not a string, and update fields the item lacks, at compile time', () => {
    // @ts-expect-error balance is a number: keys are string attributes
    defineTable({ name: 'bad', partitionKey: 'balance', schema: Item });
    const update: ItemUpdate<z.infer<typeof Item>, 'userId' | 'itemId'> = {
      add: { balance: 1 },
      // @ts-expect-error no such attribute
      set: { balanse: 2 },
    };
    // @ts-expect-error note is a string: add takes numeric attributes only
    const notNumeric: ItemUpdate<z.infer<typeof Item>, 'userId' | 'itemId'> = { add: { note: 1 } };
    // @ts-expect-error key attributes cannot be updated
    const onKey: ItemUpdate<z.infer<typeof Item>, 'userId' | 'itemId'> = { set: { userId: 'u2' } };
    expect([update, notNumeric, onKey]).toHaveLength(3);
  });

  it('refuses a handler with tables over an unkeyed topic: no fence can apply its records once', () => {
    const spread = defineTopic({ name: 'spread', partitions: 3, value: Item, key: null });
    expect(() =>
      defineHandler({ name: 'h', topics: [spread], tables: [inventory], handle: () => undefined }),
    ).toThrow(/handler "h": tables: source topic "spread" is unkeyed/);
  });

  it('gives handlers typed clients for exactly their tables', () => {
    const other = defineTable({ name: 'other', partitionKey: 'userId', schema: Item });
    const topic = defineTopic({ name: 't', partitions: 1, value: Item, key: (i) => i.userId });
    defineHandler({
      name: 'typed',
      topics: [topic],
      tables: [inventory],
      async handle(record, ctx) {
        await ctx
          .table(inventory)
          .update({ userId: 'u', itemId: 'i' }, { add: { balance: 1 } }, { from: record });
        // @ts-expect-error not among the handler's tables
        ctx.table(other);
        // @ts-expect-error wrong attribute in the key
        await ctx.table(inventory).get({ userId: 'u', item: 'i' });
      },
    });
  });
});

describe('update expressions', () => {
  it('renders set, add and remove with placeholders, the fence as one condition, and counts the write', () => {
    const request = updateRequest(
      'inventory',
      ['userId', 'itemId'],
      { set: { note: 'x' }, add: { balance: -3 }, remove: ['old'] },
      recordFence('g', at('eu1', 4, 17)),
    );
    expect(request).toEqual({
      UpdateExpression: 'SET #a0 = :v0, #a3 = :v2 ADD #a1 :v1, #a4 :v4 REMOVE #a2',
      ConditionExpression: '(attribute_not_exists(#a3) OR #a3 < :v3)',
      ExpressionAttributeNames: {
        '#a0': 'note',
        '#a1': 'balance',
        '#a2': 'old',
        '#a3': '_applied#g#eu1#4',
        '#a4': '_applied#writes',
      },
      ExpressionAttributeValues: { ':v0': 'x', ':v1': -3, ':v2': 17, ':v3': 17, ':v4': 1 },
    });
  });

  it('refuses to touch key or fence attributes, the same attribute twice, or nothing at all', () => {
    const keys = ['userId', 'itemId'];
    expect(() => updateRequest('inventory', keys, { set: { userId: 'u2' } })).toThrow(
      /table inventory: update.set.userId: a key or fence attribute/,
    );
    expect(() => updateRequest('inventory', keys, { set: { [fenceAttribute('g', 't', 0)]: 1 } })).toThrow(
      /fence/,
    );
    expect(() => updateRequest('inventory', keys, { set: { balance: 1 }, add: { balance: 1 } })).toThrow(
      /update.add.balance: attribute changed twice/,
    );
    expect(() => updateRequest('inventory', keys, { add: { balance: Number.NaN } })).toThrow(/finite number/);
    expect(() => updateRequest('inventory', keys, {})).toThrow(/changes nothing/);
  });
});

describe('fences', () => {
  it('a fenced item must be keyed by its record: the partition key is the record key', () => {
    expect(() =>
      checkFencedKey('inventory', 'userId', at('eu1', 0, 5, 'u1'), { userId: 'u1' }),
    ).not.toThrow();
    expect(() => checkFencedKey('inventory', 'userId', at('eu1', 0, 5, 'u2'), { userId: 'u1' })).toThrow(
      /topic eu1 partition 0 offset 5: a fenced write to table inventory must use the record's key as userId/,
    );
    expect(() => checkFencedKey('inventory', 'userId', at('eu1', 0, 5, null), { userId: 'u1' })).toThrow(
      /null/,
    );
  });

  it('a folded write expects every topic-partition below its first offset and sets it to its last', () => {
    const fence = batchFence('g', [at('eu1', 0, 7), at('us1', 2, 3), at('eu1', 0, 9), at('eu1', 0, 8)]);
    expect(fence).toEqual([
      { attribute: '_applied#g#eu1#0', expect: { below: 7 }, next: 9 },
      { attribute: '_applied#g#us1#2', expect: { below: 3 }, next: 3 },
    ]);
  });

  it('after a conflict, leaves out what the item applied and expects exactly the fences it read', () => {
    const records = [at('eu1', 0, 7), at('eu1', 0, 8), at('eu1', 0, 9), at('us1', 2, 3)];
    const { pending, fence } = remainingAfter('g', records, { '_applied#g#eu1#0': 8, balance: 4 });
    expect(pending.map((r) => `${r.topic}:${r.offset}`)).toEqual(['eu1:9', 'us1:3']);
    expect(fence).toEqual([
      { attribute: '_applied#g#eu1#0', expect: { equals: 8 }, next: 9 },
      { attribute: '_applied#g#us1#2', expect: { equals: undefined }, next: 3 },
    ]);
    expect(remainingAfter('g', records, { '_applied#g#eu1#0': 9, '_applied#g#us1#2': 3 }).pending).toEqual(
      [],
    );
    // Another group's fence is not this group's.
    expect(remainingAfter('g', records, { '_applied#other#eu1#0': 9 }).pending).toHaveLength(4);
  });

  it('a fenced put carries every fence it read, and is conditional on the item being exactly as read', () => {
    const body = { userId: 'u1', itemId: 'gold', balance: 3 };
    expect(fencedPut('userId', 'g', at('eu1', 0, 5), body, undefined)).toEqual({
      item: { ...body, '_applied#writes': 1, '_applied#g#eu1#0': 5 },
      ConditionExpression: 'attribute_not_exists(#a0) AND attribute_not_exists(#a1)',
      ExpressionAttributeNames: { '#a0': 'userId', '#a1': '_applied#g#eu1#0' },
    });
    const stored = {
      userId: 'u1',
      itemId: 'gold',
      balance: 9,
      '_applied#g#eu1#0': 4,
      '_applied#audit#eu1#0': 40,
      '_applied#g#us1#2': 7,
      '_applied#deleted': true,
      '_applied#writes': 6,
    };
    expect(fencedPut('userId', 'g', at('eu1', 0, 5), body, stored)).toEqual({
      // The stored balance and the tombstone go; the fences of other groups and partitions stay.
      item: {
        ...body,
        '_applied#audit#eu1#0': 40,
        '_applied#g#us1#2': 7,
        '_applied#g#eu1#0': 5,
        '_applied#writes': 7,
      },
      // Every fence and the write count as read: even a fence created since the read makes it read again.
      ConditionExpression: '#a0 = :v0 AND #a1 = :v1 AND #a2 = :v2 AND #a3 = :v3',
      ExpressionAttributeNames: {
        '#a0': '_applied#audit#eu1#0',
        '#a1': '_applied#g#us1#2',
        '#a2': '_applied#g#eu1#0',
        '#a3': '_applied#writes',
      },
      ExpressionAttributeValues: { ':v0': 40, ':v1': 7, ':v2': 4, ':v3': 6 },
    });
    // An item no update has counted yet (written by an unfenced put): conditional on no count appearing.
    expect(fencedPut('userId', 'g', at('eu1', 0, 5), body, { ...body, balance: 9 })).toMatchObject({
      item: { ...body, '_applied#g#eu1#0': 5, '_applied#writes': 1 },
      ConditionExpression: 'attribute_not_exists(#a0) AND attribute_not_exists(#a1)',
      ExpressionAttributeNames: { '#a0': '_applied#g#eu1#0', '#a1': '_applied#writes' },
    });
    // Applied before: offset 4 again, or an older one, writes nothing.
    expect(fencedPut('userId', 'g', at('eu1', 0, 4), body, stored)).toBeUndefined();
    expect(fencedPut('userId', 'g', at('eu1', 0, 1), body, stored)).toBeUndefined();
  });

  it('every update counts itself, which is what revives an item after a fenced delete (no REMOVE needed)', () => {
    expect(updateRequest('inventory', ['userId'], { add: { balance: 1 } }).UpdateExpression).toBe(
      'ADD #a0 :v0, #a1 :v1',
    );
    // A fenced delete stamps its tombstone with the count it leaves.
    const deleted = fencedPut(
      'userId',
      'g',
      at('eu1', 0, 9),
      { userId: 'u1', [TOMBSTONE_ATTRIBUTE]: true },
      { userId: 'u1', balance: 2, [VERSION_ATTRIBUTE]: 2 },
    )!.item;
    expect(deleted).toMatchObject({ [TOMBSTONE_ATTRIBUTE]: 3, [VERSION_ATTRIBUTE]: 3 });
    expect(isTombstone(deleted)).toBe(true);
    // The next update adds 1 to the count: the marker no longer matches, the item is back.
    expect(isTombstone({ ...deleted, [VERSION_ATTRIBUTE]: 4 })).toBe(false);
    expect(isTombstone({ userId: 'u1', [VERSION_ATTRIBUTE]: 4 })).toBe(false);
  });
});
