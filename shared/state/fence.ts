/**
 * Apply-once bookkeeping (DESIGN.md, contract 8), pure: which records of a batch an item still needs, and the
 * fence steps that make its write conditional on the offsets it already holds.
 */
import { describeLocation, KafkaLambdaError, type RecordLocation } from '../errors';
import {
  fenceAttribute,
  fenceCondition,
  isFence,
  placeholders,
  TOMBSTONE_ATTRIBUTE,
  VERSION_ATTRIBUTE,
  type FenceStep,
} from './update';

/** Where a record came from, and its Kafka key (which decided its partition). */
export interface SourcePosition extends RecordLocation {
  readonly key: string | null;
}

/** A fenced write whose item is not keyed by its record's Kafka key: the apply-once guarantee would not hold. */
export class FenceKeyError extends KafkaLambdaError {
  override name = 'FenceKeyError';
}

/**
 * One key's records are ordered only within the partition its key chose, so a fence keeps its promise only for
 * items whose partition key is the record's key. Anything else is refused before it is written.
 */
export function checkFencedKey(
  table: string,
  partitionKey: string,
  at: SourcePosition,
  item: Readonly<Record<string, unknown>>,
): void {
  const value = item[partitionKey];
  if (at.key === null || value !== at.key) {
    throw new FenceKeyError(
      `${describeLocation(at)}: a fenced write to table ${table} must use the record's key as ${partitionKey} ` +
        `(record key ${JSON.stringify(at.key)}, ${partitionKey} ${JSON.stringify(value)}): one item's records ` +
        'must all come from one partition, in order',
    );
  }
}

/** The fence of one record: applies only if its topic-partition's last applied offset is below it. */
export function recordFence(group: string, at: RecordLocation): FenceStep[] {
  return [
    {
      attribute: fenceAttribute(group, at.topic, at.partition),
      expect: { below: at.offset },
      next: at.offset,
    },
  ];
}

/** Per fence attribute (one per topic-partition), the lowest and highest offsets among the records. */
function offsetRanges(
  group: string,
  records: readonly RecordLocation[],
): Map<string, { min: number; max: number }> {
  const ranges = new Map<string, { min: number; max: number }>();
  for (const r of records) {
    const attribute = fenceAttribute(group, r.topic, r.partition);
    const range = ranges.get(attribute);
    if (!range) ranges.set(attribute, { min: r.offset, max: r.offset });
    else {
      range.min = Math.min(range.min, r.offset);
      range.max = Math.max(range.max, r.offset);
    }
  }
  return ranges;
}

/**
 * The optimistic fence of a folded write: every topic-partition's fence below the first offset folded, then
 * set to the last. Holds whenever the item has seen none of these records (the normal path, no read needed).
 */
export function batchFence(group: string, records: readonly RecordLocation[]): FenceStep[] {
  return [...offsetRanges(group, records)].map(([attribute, range]) => ({
    attribute,
    expect: { below: range.min },
    next: range.max,
  }));
}

/**
 * After the optimistic write was refused: the records the item has not applied yet, given the fences read from
 * it, and a fence that expects exactly those values (so a concurrent writer makes this one fail, not apply twice).
 */
export function remainingAfter<R extends RecordLocation>(
  group: string,
  records: readonly R[],
  fences: Readonly<Record<string, unknown>>,
): { pending: R[]; fence: FenceStep[] } {
  const seen = (attribute: string): number | undefined => {
    const v = fences[attribute];
    return typeof v === 'number' ? v : undefined;
  };
  const pending = records.filter((r) => {
    const last = seen(fenceAttribute(group, r.topic, r.partition));
    return last === undefined || r.offset > last;
  });
  const fence = batchFence(group, pending).map((step): FenceStep => ({
    ...step,
    expect: { equals: seen(step.attribute) },
  }));
  return { pending, fence };
}

/** A fenced PutItem: the item to write, fences carried over, and the condition that makes it apply once. */
export interface FencedPut {
  readonly item: Record<string, unknown>;
  readonly ConditionExpression: string;
  readonly ExpressionAttributeNames: Record<string, string>;
  readonly ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * A whole-item write (a put, or a delete's tombstone) made for record `at`, given the item as read just before
 * (consistently): undefined if the item has applied that record already. The new item carries every fence the
 * old one had (every group's and partition's) plus this record's, and the write is conditional on the item being
 * exactly as read: its fences and its write count (absent, if it was absent). A write in between makes it fail,
 * to be read again, rather than drop the other writer's fence.
 */
export function fencedPut(
  partitionKey: string,
  group: string,
  at: RecordLocation,
  body: Readonly<Record<string, unknown>>,
  current: Readonly<Record<string, unknown>> | undefined,
): FencedPut | undefined {
  const own = fenceAttribute(group, at.topic, at.partition);
  const last = current?.[own];
  if (typeof last === 'number' && last >= at.offset) return undefined;
  const { names, values, name, value } = placeholders();
  const item: Record<string, unknown> = { ...body };
  const conditions: string[] = [];
  if (current === undefined) conditions.push(`attribute_not_exists(${name(partitionKey)})`);
  for (const [attribute, v] of Object.entries(current ?? {})) {
    if (!isFence(attribute) || attribute === own) continue;
    item[attribute] = v;
    conditions.push(
      fenceCondition({ equals: typeof v === 'number' ? v : undefined }, name(attribute), value),
    );
  }
  conditions.push(fenceCondition({ equals: typeof last === 'number' ? last : undefined }, name(own), value));
  // Written since the read, even only a new fence of another group: read again.
  const writes = current?.[VERSION_ATTRIBUTE];
  const version = typeof writes === 'number' ? writes : undefined;
  if (current !== undefined)
    conditions.push(fenceCondition({ equals: version }, name(VERSION_ATTRIBUTE), value));
  item[VERSION_ATTRIBUTE] = (version ?? 0) + 1;
  // A delete's tombstone is stamped with the count it leaves (isTombstone): the next write revives the item.
  if (item[TOMBSTONE_ATTRIBUTE] !== undefined) item[TOMBSTONE_ATTRIBUTE] = item[VERSION_ATTRIBUTE];
  item[own] = at.offset;
  return {
    item,
    ConditionExpression: conditions.join(' AND '),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
}
