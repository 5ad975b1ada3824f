/**
 * DynamoDB's 400 KB item limit, checked before a write is sent so the error names the table, the item and its
 * size instead of a bare ValidationException. Pure: sizes are computed from the JavaScript values the document
 * client marshals, the way DynamoDB documents it ("DynamoDB item sizes and formats"):
 *   string       UTF-8 bytes                          binary       raw bytes
 *   number       1 byte + 1 per two significant digits (base-100 digits: the exact count below), +1 if negative
 *   null, bool   1 byte                               set          the sum of its elements
 *   list, map    3 bytes + per element 1 byte + its size (+ its name's UTF-8 bytes in a map)
 * plus, per top-level attribute, its name's UTF-8 bytes.
 */
import { TableError, type RecordLocation } from '../errors';

/** 400 KB, attribute names and values included. */
export const MAX_ITEM_BYTES = 400 * 1024;

/** A write whose item would exceed DynamoDB's item size limit: refused before it is sent. */
export class ItemSizeError extends TableError {
  override name = 'ItemSizeError';
  constructor(
    readonly table: string,
    what: string,
    readonly key: Readonly<Record<string, string>>,
    readonly size: number,
    at?: RecordLocation,
  ) {
    super(
      table,
      what,
      key,
      `the item would be ${size} bytes, over DynamoDB's limit of ${MAX_ITEM_BYTES} bytes (400 KB, names and values in UTF-8)`,
      at,
    );
  }
}

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

/**
 * A number's stored size from its decimal text: DynamoDB keeps the significant digits in base-100 pairs aligned
 * on the decimal point, one byte per pair, plus one exponent byte, plus a terminator byte when negative.
 */
export function numberSize(text: string): number {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text.trim());
  if (!match) throw new Error(`not a decimal number: ${JSON.stringify(text)}`);
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  const digits = whole + fraction;
  const first = digits.search(/[1-9]/);
  if (first < 0) return 1; // zero
  const significant = digits.slice(first).replace(/0+$/, '');
  // Power of ten of the first significant digit.
  const e = whole.length - 1 - first + Number(exponent);
  const n = significant.length;
  // An even count starting on an even power of ten leaves its last digit alone in a pair: one more byte.
  const pairs = Math.ceil(n / 2) + (n % 2 === 0 && e % 2 === 0 ? 1 : 0);
  return 1 + pairs + (sign === '-' ? 1 : 0);
}

function isBinary(v: unknown): v is ArrayBuffer | ArrayBufferView {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v);
}

/** The size of one value, as the document client marshals it (undefined values are removed, so they weigh 0). */
export function valueSize(v: unknown): number {
  switch (typeof v) {
    case 'undefined':
      return 0;
    case 'string':
      return utf8(v);
    case 'number':
    case 'bigint':
      return numberSize(String(v));
    case 'boolean':
      return 1;
  }
  if (v === null) return 1;
  if (isBinary(v)) return v.byteLength;
  if (v instanceof Set) return [...(v as Set<unknown>)].reduce<number>((n, e) => n + valueSize(e), 0);
  if (Array.isArray(v)) {
    return (v as unknown[]).reduce<number>((n, e) => n + (e === undefined ? 0 : 1 + valueSize(e)), 3);
  }
  // The SDK's NumberValue (a precise number kept as text).
  if (typeof v === 'object' && v.constructor?.name === 'NumberValue' && 'value' in v) {
    return numberSize(String(v.value));
  }
  let size = 3;
  for (const [name, e] of Object.entries(v as object)) {
    if (e !== undefined) size += 1 + utf8(name) + valueSize(e);
  }
  return size;
}

/** An item's size: per attribute, its name's UTF-8 bytes plus its value's size. */
export function itemSize(item: Readonly<Record<string, unknown>>): number {
  let size = 0;
  for (const [name, v] of Object.entries(item)) if (v !== undefined) size += utf8(name) + valueSize(v);
  return size;
}

/** Throws ItemSizeError when the item is over the limit; returns its size otherwise. */
export function checkItemSize(
  table: string,
  what: string,
  key: Readonly<Record<string, string>>,
  item: Readonly<Record<string, unknown>>,
  at?: RecordLocation,
): number {
  const size = itemSize(item);
  if (size > MAX_ITEM_BYTES) throw new ItemSizeError(table, what, key, size, at);
  return size;
}
