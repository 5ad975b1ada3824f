/**
 * The typed client a handler gets for each table it declares (`ctx.table(inventory)`): get, put, update, delete,
 * query, and fold. Updates made on behalf of a record are fenced by its position, so a redelivered record
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
import { batchFence, checkFencedKey, recordFence, remainingAfter, type SourcePosition } from './fence';
import { checkItemSize } from './item-size';
import {
  isFenceAttribute,
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
  /** Replaces the whole item, fences included (unfenced: use `update` with `from` for apply-once writes). */
  put(item: T): Promise<void>;
  /**
   * Updates one item in one request. With `from` (the record it is made for) the write is fenced: it applies only
   * if the item has not applied that record, and resolves `{ applied: false }` for a redelivery.
   */
  update(
    key: ItemKey<T, K>,
    update: ItemUpdate<T, K>,
    options?: { from?: SourcePosition },
  ): Promise<WriteResult>;
  delete(key: ItemKey<T, K>): Promise<void>;
  /** The items of one partition key, in sort key order. */
  query(partitionKey: string, options?: QueryOptions): Promise<T[]>;
  /**
   * Folds a batch's records per item and writes each item once, fenced by the highest offset per topic-partition:
   * records the item applied before are left out, so a redelivered batch changes nothing.
   */
  fold<R extends SourcePosition>(
    records: readonly R[],
    keyOf: (record: R) => ItemKey<T, K>,
    reduce: (records: readonly R[], key: ItemKey<T, K>) => ItemUpdate<T, K>,
  ): Promise<FoldResult>;
}

/** How many items of a fold are written at once. */
const FOLD_PARALLELISM = 16;
/** Conflicts tolerated on one item in one fold before it fails (only a concurrent writer causes them). */
const FOLD_CONFLICTS = 5;

function withoutFences<T>(item: Record<string, unknown> | undefined): T | undefined {
  if (!item) return undefined;
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

  const send = async (
    key: Record<string, string>,
    update: RawUpdate,
    fence: FenceStep[],
    at?: RecordLocation,
  ) => {
    const request = updateRequest(table.name, keys, update, fence);
    checkItemSize(table.name, 'update', key, updatedItemFloor(key, update, fence), at);
    try {
      await client.send(
        new UpdateCommand({
          TableName: tableName,
          Key: key,
          ...request,
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw new TableError(table.name, 'update', key, error, at);
    }
  };

  const readFences = async (key: Record<string, string>): Promise<Record<string, unknown>> => {
    const { Item } = await client.send(
      new GetCommand({ TableName: tableName, Key: key, ConsistentRead: true }),
    );
    return Item ?? {};
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
    for (let writes = 1; writes <= FOLD_CONFLICTS; writes++) {
      const { pending, fence } = remainingAfter(group, records, await readFences(key));
      if (pending.length === 0) return { writes, applied: 0 };
      if (await send(key, reduce(pending, typedKey) as RawUpdate, fence, pending[0])) {
        return { writes: writes + 1, applied: pending.length };
      }
    }
    throw new TableError(
      table.name,
      'fold',
      key,
      `the item changed under ${FOLD_CONFLICTS} tries: another writer holds it`,
      records[0],
    );
  };

  return {
    async get(key) {
      const { Item } = await client.send(
        new GetCommand({ TableName: tableName, Key: keyOf(key), ConsistentRead: true }),
      );
      return withoutFences<T>(Item);
    },
    async put(item) {
      const key = keyOf(item);
      const valid = await validate(table.schema, item, undefined, `item of table ${table.name}`);
      checkItemSize(table.name, 'put', key, valid as Record<string, unknown>);
      await client
        .send(new PutCommand({ TableName: tableName, Item: valid as Record<string, unknown> }))
        .catch((error: unknown) => {
          throw new TableError(table.name, 'put', key, error);
        });
    },
    async update(key, update, options = {}) {
      const k = keyOf(key);
      const at = options.from;
      if (at) checkFencedKey(table.name, table.partitionKey, at, k);
      return { applied: await send(k, update as RawUpdate, at ? recordFence(group, at) : [], at) };
    },
    async delete(key) {
      const k = keyOf(key);
      await client.send(new DeleteCommand({ TableName: tableName, Key: k })).catch((error: unknown) => {
        throw new TableError(table.name, 'delete', k, error);
      });
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
        const page = await client.send(
          new QueryCommand({
            TableName: tableName,
            KeyConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ConsistentRead: true,
            ...(options.limit !== undefined && { Limit: options.limit - items.length }),
            ...(start && { ExclusiveStartKey: start }),
          }),
        );
        for (const item of page.Items ?? []) items.push(withoutFences<T>(item)!);
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
      await runLanes(
        groups.map((group) => [group]),
        FOLD_PARALLELISM,
        async (group) => {
          const result = await foldItem(group, itemKeys.get(keyIds.get(group[0]!)!)!, reduce);
          writes += result.writes;
          applied += result.applied;
        },
      );
      return { items: groups.length, writes, applied, skipped: records.length - applied };
    },
  };
}
