/**
 * Typed item updates and their DynamoDB UpdateItem expressions, fenced or not. Pure: no client, unit-tested alone.
 */
import { RESERVED_ATTRIBUTE_PREFIX } from '../declarations/table';

type NumericAttribute<T> = {
  [A in keyof T & string]-?: NonNullable<T[A]> extends number ? A : never;
}[keyof T & string];
type OptionalAttribute<T> = {
  [A in keyof T & string]-?: undefined extends T[A] ? A : never;
}[keyof T & string];

/**
 * What an update does to one item's non-key attributes: `set` replaces values, `add` adds to numbers (a missing
 * attribute counts as 0), `remove` deletes optional attributes. An absent item is created.
 */
export interface ItemUpdate<T, K extends keyof T> {
  set?: Partial<Omit<T, K>>;
  add?: { [A in NumericAttribute<Omit<T, K>>]?: number };
  remove?: readonly OptionalAttribute<Omit<T, K>>[];
}

/** The loose shape the expression builder reads (the typed one above is what callers write). */
export interface RawUpdate {
  set?: Record<string, unknown>;
  add?: Record<string, number | undefined>;
  remove?: readonly string[];
}

/**
 * One source topic-partition's fence on an item: the last offset applied, kept in the item under
 * `_applied#<group>#<topic>#<partition>`. `expect` says what it must be for the write to apply: below an offset
 * (the first offset this write applies), or exactly a value read before (`undefined`: never written).
 */
export interface FenceStep {
  readonly attribute: string;
  readonly expect: { below: number } | { equals: number | undefined };
  /** The last offset this write applies from that topic-partition. */
  readonly next: number;
}

export interface UpdateRequest {
  UpdateExpression: string;
  ConditionExpression?: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

export function fenceAttribute(group: string, topic: string, partition: number): string {
  return `${RESERVED_ATTRIBUTE_PREFIX}${group}#${topic}#${partition}`;
}

/** The topic-partition a fence attribute stands for, or undefined for an ordinary attribute. */
export function isFenceAttribute(name: string): boolean {
  return name.startsWith(RESERVED_ATTRIBUTE_PREFIX);
}

/**
 * Marks an item deleted by a fenced delete: the item keeps its fences (so a redelivered delete, or an older
 * record's write, is still refused) and `get` and `query` treat it as absent. Its value is the write count the
 * delete left, so any later write (every update counts itself) brings the item back without having to remove the
 * marker: an update's expression stays as short as it can be. Not a fence: no `#<partition>` tail.
 */
export const TOMBSTONE_ATTRIBUTE = `${RESERVED_ATTRIBUTE_PREFIX}deleted`;

/**
 * Counts an item's writes: every update adds 1, and a fenced put (which must read the item to carry its fences)
 * is conditional on it, so a fence created between its read and its write (another group's first write to the
 * item) makes it read again instead of being dropped. Not a fence either.
 */
export const VERSION_ATTRIBUTE = `${RESERVED_ATTRIBUTE_PREFIX}writes`;

/** Whether a stored item is a fenced delete's tombstone, not yet written again. */
export function isTombstone(item: Readonly<Record<string, unknown>>): boolean {
  const marker = item[TOMBSTONE_ATTRIBUTE];
  return marker !== undefined && marker === item[VERSION_ATTRIBUTE];
}

/** Whether an attribute is a fence proper (not the tombstone marker or the write count). */
export function isFence(name: string): boolean {
  return isFenceAttribute(name) && name !== TOMBSTONE_ATTRIBUTE && name !== VERSION_ATTRIBUTE;
}

type Placeholder = (v: string) => string;

/** Expression placeholders `#a0`, `:v0`, ... and the maps that resolve them. */
export function placeholders(): {
  names: Record<string, string>;
  values: Record<string, unknown>;
  name: Placeholder;
  value: (v: unknown) => string;
} {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  return {
    names,
    values,
    name(attribute) {
      const placeholder = `#a${Object.keys(names).length}`;
      names[placeholder] = attribute;
      return placeholder;
    },
    value(v) {
      const placeholder = `:v${Object.keys(values).length}`;
      values[placeholder] = v;
      return placeholder;
    },
  };
}

/** The condition one fence step puts on its attribute (placeholder `f`). */
export function fenceCondition(
  expect: FenceStep['expect'],
  f: string,
  value: (v: unknown) => string,
): string {
  if ('below' in expect) return `(attribute_not_exists(${f}) OR ${f} < ${value(expect.below)})`;
  if (expect.equals === undefined) return `attribute_not_exists(${f})`;
  return `${f} = ${value(expect.equals)}`;
}

/** Builds `SET ... ADD ... REMOVE ...` with placeholders, plus the fence's condition when there is one. */
export function updateRequest(
  table: string,
  keyAttributes: readonly string[],
  update: RawUpdate,
  fence: readonly FenceStep[] = [],
): UpdateRequest {
  const { names, values, name, value } = placeholders();
  const touched = new Set<string>();
  const check = (field: string, attribute: string): void => {
    if (keyAttributes.includes(attribute) || isFenceAttribute(attribute) || touched.has(attribute)) {
      throw new Error(
        `table ${table}: update.${field}.${attribute}: ${touched.has(attribute) ? 'attribute changed twice in one update' : 'a key or fence attribute cannot be updated'}`,
      );
    }
    touched.add(attribute);
  };

  const sets: string[] = [];
  const adds: string[] = [];
  const removes: string[] = [];
  for (const [attribute, v] of Object.entries(update.set ?? {})) {
    if (v === undefined) continue;
    check('set', attribute);
    sets.push(`${name(attribute)} = ${value(v)}`);
  }
  for (const [attribute, n] of Object.entries(update.add ?? {})) {
    if (n === undefined) continue;
    check('add', attribute);
    if (typeof n !== 'number' || !Number.isFinite(n)) {
      throw new Error(`table ${table}: update.add.${attribute} must be a finite number, got ${String(n)}`);
    }
    adds.push(`${name(attribute)} ${value(n)}`);
  }
  for (const attribute of update.remove ?? []) {
    check('remove', attribute);
    removes.push(name(attribute));
  }
  const conditions: string[] = [];
  for (const step of fence) {
    const f = name(step.attribute);
    sets.push(`${f} = ${value(step.next)}`);
    conditions.push(fenceCondition(step.expect, f, value));
  }
  if (sets.length + adds.length + removes.length === 0) {
    throw new Error(`table ${table}: the update changes nothing`);
  }
  // Counting the write also brings a deleted item (a tombstone) back: the marker no longer matches the count.
  adds.push(`${name(VERSION_ATTRIBUTE)} ${value(1)}`);
  const clauses = [
    sets.length > 0 && `SET ${sets.join(', ')}`,
    `ADD ${adds.join(', ')}`,
    removes.length > 0 && `REMOVE ${removes.join(', ')}`,
  ].filter((c): c is string => typeof c === 'string');
  return {
    UpdateExpression: clauses.join(' '),
    ...(conditions.length > 0 && { ConditionExpression: conditions.join(' AND ') }),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
}

/**
 * The smallest item an update can leave: its key, the values it sets, its fences and, for each attribute it adds
 * to, the smallest number (1 byte; the sum's size depends on the stored value). What it removes or leaves alone
 * can only add to this, so an update whose floor is over the item limit is refused before it is sent.
 */
export function updatedItemFloor(
  key: Readonly<Record<string, string>>,
  update: RawUpdate,
  fence: readonly FenceStep[] = [],
): Record<string, unknown> {
  const item: Record<string, unknown> = { ...key, ...update.set };
  for (const [attribute, n] of Object.entries(update.add ?? {})) if (n !== undefined) item[attribute] = 0;
  for (const step of fence) item[step.attribute] = step.next;
  return item;
}
