/**
 * Reads a function's answer the way a Kafka event source mapping with ReportBatchItemFailures reads it
 * (https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html#kafka-partial-batch-response):
 * an empty or null answer means every record succeeded; each failure names a partition of the event
 * (`"<topic>-<partition>"`) and the offset of one of its records, from which that partition is delivered again;
 * the lowest reported offset of a partition wins. An answer the mapping cannot use fails the whole batch, so
 * nothing is committed past a record that was not delivered. Where AWS documents only SQS and Kinesis (a malformed
 * item identifier, a missing offset), the emulator treats the answer as those mappings do: a failed batch.
 */

export type ResponseReading =
  { valid: true; failedAt: Map<string, number> } | { valid: false; problem: string };

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** An offset as JSON carries it: a number, or a string of digits (Kafka offsets are 64-bit). */
function offsetOf(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string' && /^\d{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/**
 * `offsets` holds, per partition key of the event, the offsets of its records. Returns where each failed
 * partition resumes, or what is wrong with the answer.
 */
export function readBatchResponse(
  response: unknown,
  offsets: ReadonlyMap<string, ReadonlySet<number>>,
): ResponseReading {
  const bad = (problem: string): ResponseReading => ({ valid: false, problem });
  const failedAt = new Map<string, number>();
  if (response === null || response === undefined) return { valid: true, failedAt };
  if (!isObject(response))
    return bad(`the response is ${Array.isArray(response) ? 'an array' : typeof response}, not an object`);
  const items = response.batchItemFailures;
  if (items === null || items === undefined) return { valid: true, failedAt };
  if (!Array.isArray(items)) return bad('batchItemFailures is not an array');
  for (const [i, item] of items.entries()) {
    const at = `batchItemFailures[${i}]`;
    if (!isObject(item)) return bad(`${at} is not an object`);
    const id = item.itemIdentifier;
    if (!isObject(id))
      return bad(`${at}.itemIdentifier is ${JSON.stringify(id) ?? 'missing'}, not an object`);
    const partition = id.partition;
    if (typeof partition !== 'string') return bad(`${at}.itemIdentifier.partition is not a string`);
    const known = offsets.get(partition);
    if (!known) return bad(`${at}.itemIdentifier.partition "${partition}" is not a partition of the batch`);
    const offset = offsetOf(id.offset);
    if (offset === undefined)
      return bad(
        `${at}.itemIdentifier.offset ${JSON.stringify(id.offset) ?? 'is missing'}, not a record offset`,
      );
    if (!known.has(offset))
      return bad(`${at}.itemIdentifier.offset ${offset} is not a record of ${partition} in the batch`);
    const previous = failedAt.get(partition);
    if (previous === undefined || offset < previous) failedAt.set(partition, offset);
  }
  return { valid: true, failedAt };
}
