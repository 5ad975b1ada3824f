import type { StandardSchemaV1 } from '@standard-schema/spec';
import { DeclarationError } from '../errors';
import type { Infer, Schema } from './schema';

/** Attributes of T that can be a key: DynamoDB keys here are strings (type S). */
export type StringAttribute<T> = {
  [A in keyof T & string]-?: T[A] extends string ? A : never;
}[keyof T & string];

/** The key of an item: its partition key attribute and, when declared, its sort key attribute. */
export type ItemKey<T, K extends keyof T> = Pick<T, K>;

/** A declared DynamoDB table named N whose items are T and whose key attributes are K. */
export interface Table<T = unknown, K extends keyof T = keyof T, N extends string = string> {
  readonly kind: 'table';
  /** The literal name: two tables of one item shape stay different types. */
  readonly name: N;
  readonly partitionKey: K & string;
  readonly sortKey?: K & string;
  readonly schema: Schema<T>;
  readonly description?: string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any table, whatever its item type
export type AnyTable = Table<any, any, string>;
export type ItemOf<Tb> = Tb extends Table<infer T, infer _K, string> ? T : never;
export type KeyAttributesOf<Tb> = Tb extends Table<infer _T, infer K, string> ? K : never;

export interface TableOptions<
  S extends StandardSchemaV1,
  P extends StringAttribute<Infer<S>>,
  Sk extends StringAttribute<Infer<S>> = never,
  N extends string = string,
> {
  /** The table's name locally; on AWS, CloudFormation names it and the function gets the name in its environment. */
  name: N;
  /** The partition key attribute, a string attribute of the item. */
  partitionKey: P;
  /**
   * The sort key attribute, a string attribute of the item.
   * @default - none: the partition key alone identifies an item
   */
  sortKey?: Sk;
  /** The item's schema (any Standard Schema library: zod, valibot, arktype...). */
  schema: S;
  /** @default - none */
  description?: string;
}

const TABLE_NAME = /^[a-zA-Z0-9_.-]{3,255}$/;
/** Attributes the framework keeps in every fenced item (DESIGN.md, "Durable state"). */
export const RESERVED_ATTRIBUTE_PREFIX = '_applied#';

/**
 * Declares a DynamoDB table: its name, key and typed item schema. The same declaration creates the local table,
 * the deployed table and the typed client handlers get through `ctx.table(...)`.
 */
export function defineTable<
  const N extends string,
  S extends StandardSchemaV1,
  P extends StringAttribute<Infer<S>>,
  Sk extends StringAttribute<Infer<S>> = never,
>(options: TableOptions<S, P, Sk, N>): Table<Infer<S>, P | Sk, N> {
  const what = `table "${options.name}"`;
  if (!TABLE_NAME.test(options.name)) {
    throw new DeclarationError(what, 'name must be 3-255 of a-z, A-Z, 0-9, "_", "-" and "."');
  }
  if (!options.schema || typeof options.schema['~standard']?.validate !== 'function') {
    throw new DeclarationError(what, 'schema must be a Standard Schema (zod, valibot, arktype, ...)');
  }
  for (const [field, attribute] of [
    ['partitionKey', options.partitionKey],
    ['sortKey', options.sortKey],
  ] as const) {
    if (attribute === undefined && field === 'sortKey') continue;
    if (typeof attribute !== 'string' || attribute.length === 0 || attribute.startsWith('_applied')) {
      throw new DeclarationError(
        what,
        `${field} must name a string attribute of the item, got ${String(attribute)}`,
      );
    }
  }
  if (options.sortKey !== undefined && (options.sortKey as string) === options.partitionKey) {
    throw new DeclarationError(what, `sortKey "${options.sortKey}" must differ from the partition key`);
  }
  return Object.freeze({
    kind: 'table' as const,
    name: options.name,
    partitionKey: options.partitionKey,
    ...(options.sortKey !== undefined && { sortKey: options.sortKey }),
    schema: options.schema as Schema<Infer<S>>,
    ...(options.description !== undefined && { description: options.description }),
  });
}

/** The key attribute names of a table, partition key first. */
export function keyAttributes(table: Pick<AnyTable, 'partitionKey' | 'sortKey'>): string[] {
  return table.sortKey === undefined ? [table.partitionKey] : [table.partitionKey, table.sortKey];
}

/** Whether a declaration is a table (the app loader finds them among a module's exports). */
export function isTable(value: unknown): value is AnyTable {
  return (value as { kind?: unknown } | null)?.kind === 'table';
}
