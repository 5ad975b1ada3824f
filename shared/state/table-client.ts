/**
 * The typed client a handler gets for each table it declares (`ctx.table(inventory)`): get, put, update, delete,
 * query, and fold. Writes made on behalf of a record (`from`) are fenced by its position, so a redelivered record
 * changes nothing (README, "Tables").
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TableError, type RecordLocation } from '../errors';
import { validate } from '../declarations/schema';
import { keyAttributes, type AnyTable, type ItemKey, type Table } from '../declarations/table';
import { runLanes, laneBy } from '../lambda/lanes';
import {
  batchFence,
  checkFencedKey,
  fencedPut,
  recordFence,
  remainingAfter,
  type SourcePosition,
} from './fence';
import { checkItemSize } from './item-size';
import {
  isFenceAttribute,
  isTombstone,
  TOMBSTONE_ATTRIBUTE,
  updatedItemFloor,
  updateRequest,
  type FenceStep,
  type ItemUpdate,
  type RawUpdate,
} from './update';

/** What a fenced write did: `applied: false` means its record had been applied before (a redelivery). */
export interface WriteResult {
  readonly applied: boolean;
}

export interface FoldResult {
  /** Distinct items in the batch. */
  readonly items: number;
  /** UpdateItem requests sent (one per item, more only when an item had seen some of the records). */
  readonly writes: number;
  /** Records applied now. */
  readonly applied: number;
  /** Records the items had applied before (redelivered). */
  readonly skipped: number;
}

export interface QueryOptions {
  /** @default - every item of the partition */
  limit?: number;
  /** Only items whose sort key starts with this. @default - all */
  sortKeyBeginsWith?: string;
}

export interface TableClient<T, K extends keyof T> {
  /** The item (strongly consistent read), without the framework's fence attributes. */
  get(key: ItemKey<T, K>): Promise<T | undefined>;
  /**
   * Replaces the whole item. With `from` (the record it is made for) the write is fenced like `update`: the new
   * item keeps every fence of the old one, applies only if the item has not applied that record, and resolves
   * `{ applied: false }` for a redelivery (one consistent read, then one conditional PutItem). Without `from` it
   * is an ordinary PutItem that drops the fences too.
   */
  put(item: T, options?: { from?: SourcePosition }): Promise<WriteResult>;
  /**
   * Updates one item in one request. With `from` (the record it is made for) the write is fenced: it applies only
   * if the item has not applied that record, and resolves `{ applied: false }` for a redelivery.
   */
  update(
    key: ItemKey<T, K>,
    update: ItemUpdate<T, K>,
    options?: { from?: SourcePosition },
  ): Promise<WriteResult>;
  /**
   * Deletes one item. With `from`, fenced like `put`: the item becomes a tombstone that keeps its fences (so a
   * redelivered delete, or a redelivered older write, is refused), which `get` and `query` treat as absent and a
   * later write revives. Without `from` it is an ordinary DeleteItem, fences gone.
   */
  delete(key: ItemKey<T, K>, options?: { from?: SourcePosition }): Promise<WriteResult>;
  /** The items of one partition key, in sort key order. */
  query(partitionKey: string, options?: QueryOptions): Promise<T[]>;
  /**
   * Folds a batch's records per item and writes each item once, fenced by the highest offset per topic-partition:
   * records the item applied before are left out, so a redelivered batch changes nothing. If an item's write fails
   * (after the SDK's retries), the other items are still written, then the first failure is thrown: the batch
   * fails, and its redelivery applies only the records not applied yet.
   */
  fold<R extends SourcePosition>(
    records: readonly R[],
    keyOf: (record: R) => ItemKey<T, K>,
    reduce: (records: readonly R[], key: ItemKey<T, K>) => ItemUpdate<T, K>,
  ): Promise<FoldResult>;
}

/** How many items of a fold are written at once. */
const FOLD_PARALLELISM = 16;
/** Conflicts tolerated on one item in one fold or fenced put before it fails (only a concurrent writer causes them). */
const CONFLICTS = 5;

/** What a handler (or the CLI) sees of a stored item: nothing for a tombstone, and never the fences. */
export function visible<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item || isTombstone(item)) return undefined;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) if (!isFenceAttribute(name)) out[name] = value;
  return out as T;
}

export function tableClient<T, K extends keyof T>(
  table: Table<T, K>,
  options: { client: DynamoDBDocumentClient; tableName: string; group: string },
): TableClient<T, K> {
  const { client, tableName, group } = options;
  const keys = keyAttributes(table as AnyTable);

  const keyOf = (key: unknown): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const attribute of keys) {
      const v = (key as Record<string, unknown> | null)?.[attribute];
      if (typeof v !== 'string' || v.length === 0) {
        throw new TableError(
          table.name,
          'key',
          key,
          `key.${attribute} must be a non-empty string, got ${JSON.stringify(v)}`,
        );
      }
      out[attribute] = v;
    }
    return out;
  };

  /** One request; its failure (after the SDK's retries) a TableError naming table, item and record. */
  const call = async <O>(
    what: string,
    key: unknown,
    at: RecordLocation | undefined,
    run: () => Promise<O>,
  ): Promise<O> => {
    try {
      return await run();
    } catch (error) {
      // A refused condition is an answer (see `applied`), not a failure.
      if (error instanceof ConditionalCheckFailedException) throw error;
      throw new TableError(table.name, what, key, error, at);
    }
  };

  /** A conditional write's outcome: false when the fence refused it or the item changed since it was read. */
  const applied = (write: Promise<unknown>): Promise<boolean> =>
    write.then(
      () => true,
      (error: unknown) => {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      },
    );

  const contended = (what: string, key: Record<string, string>, at?: RecordLocation): TableError =>
    new TableError(
      table.name,
      what,
      key,
      `the item changed under ${CONFLICTS} tries: another writer holds it`,
      at,
    );

  const send = async (
    key: Record<string, string>,
    update: RawUpdate,
    fence: FenceStep[],
    at?: RecordLocation,
  ): Promise<boolean> => {
    const expression = updateRequest(table.name, keys, update, fence);
    checkItemSize(table.name, 'update', key, updatedItemFloor(key, update, fence), at);
    return applied(
      call('update', key, at, () =>
        client.send(new UpdateCommand({ TableName: tableName, Key: key, ...expression })),
      ),
    );
  };

  /** The stored item as it is (fences, tombstone and all), strongly consistent. */
  const read = async (
    key: Record<string, string>,
    at?: RecordLocation,
  ): Promise<Record<string, unknown> | undefined> => {
    const { Item } = await call('get', key, at, () =>
      client.send(new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true })),
    );
    return Item;
  };

  /** A whole-item write for one record (put, or a delete's tombstone): read, then a PutItem fenced as read. */
  const putFenced = async (
    what: 'put' | 'delete',
    key: Record<string, string>,
    body: Record<string, unknown>,
    at: SourcePosition,
  ): Promise<boolean> => {
    checkFencedKey(table.name, table.partitionKey, at, key);
    for (let tries = 0; tries < CONFLICTS; tries++) {
      const put = fencedPut(table.partitionKey, group, at, body, await read(key, at));
      if (!put) return false;
      const { item, ...condition } = put;
      checkItemSize(table.name, what, key, item, at);
      const write = call(what, key, at, () =>
        client.send(new PutCommand({ TableName: tableName, Item: item, ...condition })),
      );
      if (await applied(write)) return true;
    }
    throw contended(what, key, at);
  };

  const foldItem = async <R extends SourcePosition>(
    records: readonly R[],
    key: Record<string, string>,
    reduce: (records: readonly R[], key: ItemKey<T, K>) => ItemUpdate<T, K>,
  ): Promise<{ writes: number; applied: number }> => {
    const typedKey = key as unknown as ItemKey<T, K>;
    for (const r of records) checkFencedKey(table.name, table.partitionKey, r, key);
    // The normal path: the item has seen none of these records, one conditional write and no read.
    if (await send(key, reduce(records, typedKey) as RawUpdate, batchFence(group, records), records[0])) {
      return { writes: 1, applied: records.length };
    }
    for (let writes = 1; writes <= CONFLICTS; writes++) {
      const { pending, fence } = remainingAfter(group, records, (await read(key, records[0])) ?? {});
      if (pending.length === 0) return { writes, applied: 0 };
      if (await send(key, reduce(pending, typedKey) as RawUpdate, fence, pending[0])) {
        return { writes: writes + 1, applied: pending.length };
      }
    }
    throw contended('fold', key, records[0]);
  };

  return {
    async get(key) {
      return visible<T>(await read(keyOf(key)));
    },
    async put(item, options = {}) {
      const key = keyOf(item);
      const valid = (await validate(table.schema, item, undefined, `item of table ${table.name}`)) as Record<
        string,
        unknown
      >;
      if (options.from) return { applied: await putFenced('put', key, valid, options.from) };
      checkItemSize(table.name, 'put', key, valid);
      await call('put', key, undefined, () =>
        client.send(new PutCommand({ TableName: tableName, Item: valid })),
      );
      return { applied: true };
    },
    async update(key, update, options = {}) {
      const k = keyOf(key);
      const at = options.from;
      if (at) checkFencedKey(table.name, table.partitionKey, at, k);
      return { applied: await send(k, update as RawUpdate, at ? recordFence(group, at) : [], at) };
    },
    async delete(key, options = {}) {
      const k = keyOf(key);
      if (options.from) {
        return { applied: await putFenced('delete', k, { ...k, [TOMBSTONE_ATTRIBUTE]: true }, options.from) };
      }
      await call('delete', k, undefined, () =>
        client.send(new DeleteCommand({ TableName: tableName, Key: k })),
      );
      return { applied: true };
    },
    async query(partitionKey, options = {}) {
      const names: Record<string, string> = { '#pk': table.partitionKey };
      const values: Record<string, unknown> = { ':pk': partitionKey };
      let condition = '#pk = :pk';
      if (options.sortKeyBeginsWith !== undefined && table.sortKey !== undefined) {
        names['#sk'] = table.sortKey;
        values[':sk'] = options.sortKeyBeginsWith;
        condition += ' AND begins_with(#sk, :sk)';
      }
      const items: T[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await call('query', { [table.partitionKey]: partitionKey }, undefined, () =>
          client.send(
            new QueryCommand({
              TableName: tableName,
              KeyConditionExpression: condition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ConsistentRead: true,
              ...(options.limit !== undefined && { Limit: options.limit - items.length }),
              ...(start && { ExclusiveStartKey: start }),
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const shown = visible<T>(item);
          if (shown) items.push(shown);
        }
        start = page.LastEvaluatedKey;
      } while (start && (options.limit === undefined || items.length < options.limit));
      return items;
    },
    async fold(records, itemKeyOf, reduce) {
      const keyIds = new Map<SourcePosition, string>();
      const itemKeys = new Map<string, Record<string, string>>();
      for (const r of records) {
        const key = keyOf(itemKeyOf(r));
        const id = JSON.stringify(keys.map((a) => key[a]));
        keyIds.set(r, id);
        itemKeys.set(id, key);
      }
      const groups = laneBy(records, (r) => keyIds.get(r)!);
      let writes = 0;
      let applied = 0;
      // Every item's write is settled before the fold fails: none is left in flight to race the redelivery.
      const failures: unknown[] = [];
      await runLanes(
        groups.map((group) => [group]),
        FOLD_PARALLELISM,
        async (group) => {
          try {
            const result = await foldItem(group, itemKeys.get(keyIds.get(group[0]!)!)!, reduce);
            writes += result.writes;
            applied += result.applied;
          } catch (error) {
            failures.push(error);
          }
        },
      );
      if (failures.length > 0) throw failures[0];
      return { items: groups.length, writes, applied, skipped: records.length - applied };
    },
  };
}
