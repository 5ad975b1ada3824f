import { marshall } from '@aws-sdk/util-dynamodb';
import { NumberValue } from '@aws-sdk/lib-dynamodb';
import { ItemSizeError, MAX_ITEM_BYTES, TableError } from '../../shared';
import { checkItemSize, itemSize, numberSize } from '../../shared/state/item-size';
import { updatedItemFloor } from '../../shared/state/update';

// dynalite's own size rule (what the local server enforces): an independent reference for numbers and nesting.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types
const dynaliteSize = (require('dynalite/db') as { itemSize: (item: unknown) => number }).itemSize;
const reference = (item: Record<string, unknown>): number =>
  dynaliteSize(marshall(item, { removeUndefinedValues: true }));

describe('item size', () => {
  it('sizes numbers by significant base-100 digits, sign and exponent, as DynamoDB stores them', () => {
    expect(numberSize('0')).toBe(1);
    expect(numberSize('5')).toBe(2);
    expect(numberSize('12')).toBe(2);
    expect(numberSize('1.2')).toBe(3);
    expect(numberSize('-5')).toBe(3);
    expect(numberSize('0.000120')).toBe(3); // 0.00|01|20
    expect(numberSize('1e+21')).toBe(2);
    expect(numberSize('12345678901234567890123456789012345678')).toBe(20);
    const samples = [
      0,
      1,
      7,
      10,
      99,
      100,
      101,
      1234,
      -1234,
      0.5,
      0.05,
      3.14159,
      -2.5e-7,
      0.00012,
      1e15,
      Number.MAX_SAFE_INTEGER,
      1 / 3,
    ];
    for (const n of samples) expect([n, numberSize(String(n))]).toEqual([n, reference({ a: n }) - 1]);
    // Beyond 2^53 the marshaller wants a NumberValue (the exact decimal text).
    for (const text of ['1e21', '-98765432109876543210.5', '1.0E-130']) {
      expect([text, numberSize(text)]).toEqual([text, dynaliteSize({ a: { N: text } }) - 1]);
    }
    expect(() => numberSize('1,5')).toThrow(/not a decimal number: "1,5"/);
  });

  it('counts names and values in UTF-8, binary raw, and the overhead of lists, maps and sets', () => {
    expect(itemSize({ 名: 'é' })).toBe(3 + 2);
    expect(itemSize({ b: new Uint8Array(10) })).toBe(1 + 10);
    expect(itemSize({ m: {} })).toBe(1 + 3);
    expect(itemSize({ m: { a: 1 } })).toBe(1 + 3 + 1 + 1 + 2);
    expect(itemSize({ l: [true, null] })).toBe(1 + 3 + 2 + 2);
    expect(itemSize({ s: new Set(['ab', 'c']) })).toBe(1 + 3);
    expect(itemSize({ n: new NumberValue('1.2'), gone: undefined })).toBe(1 + 3);
    const nested = {
      userId: 'u1',
      flag: false,
      nothing: null,
      tags: new Set(['a', 'bc']),
      scores: new Set([1, 22, 333]),
      history: [{ at: 17, delta: -3, note: 'loot' }, [1, 'two', { deep: [true] }]],
      meta: { a: { b: { c: 'd' } }, skipped: undefined },
    };
    expect(itemSize(nested)).toBe(reference(nested));
  });

  it('refuses an item one byte over 400 KB with the table, key and size named; exactly 400 KB passes', () => {
    const key = { userId: 'u1', itemId: 'i' };
    // 6 + 2 (userId) + 6 + 1 (itemId) + 4 (blob) = 19 bytes besides the blob's value.
    const at = (bytes: number) => ({ ...key, blob: 'x'.repeat(bytes - 19) });
    expect(MAX_ITEM_BYTES).toBe(409_600);
    expect(checkItemSize('inventory', 'put', key, at(MAX_ITEM_BYTES))).toBe(MAX_ITEM_BYTES);
    expect(reference(at(MAX_ITEM_BYTES))).toBe(MAX_ITEM_BYTES);
    const refuse = () =>
      checkItemSize('inventory', 'put', key, at(MAX_ITEM_BYTES + 1), { topic: 't', partition: 2, offset: 9 });
    expect(refuse).toThrow(ItemSizeError);
    expect(refuse).toThrow(TableError);
    expect(refuse).toThrow(
      'topic t partition 2 offset 9: put on table inventory item {"userId":"u1","itemId":"i"} failed: ' +
        "the item would be 409601 bytes, over DynamoDB's limit of 409600 bytes",
    );
    try {
      refuse();
    } catch (error) {
      expect(error).toMatchObject({
        name: 'ItemSizeError',
        table: 'inventory',
        key,
        size: MAX_ITEM_BYTES + 1,
      });
    }
  });

  it("bounds an update's item from below: key, sets, fences, and 1 byte per added number", () => {
    const floor = updatedItemFloor(
      { userId: 'u1' },
      { set: { note: 'abc', gone: undefined }, add: { balance: 123456 }, remove: ['old'] },
      [{ attribute: '_applied#g#t#0', expect: { below: 5 }, next: 5 }],
    );
    expect(floor).toEqual({ userId: 'u1', note: 'abc', balance: 0, '_applied#g#t#0': 5 });
    expect(itemSize(floor)).toBe(8 + 7 + 8 + 16);
  });
});
