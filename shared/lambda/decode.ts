import { DecodeError, errorMessage, type RecordLocation } from '../errors';
import type { KafkaRecord } from '../declarations/handler';
import type { RawRecord } from './msk-event';
import { validate } from '../declarations/schema';
import type { AnyTopic } from '../declarations/topic';

/**
 * Decodes and validates one raw record against its topic; every failure here is a PermanentRecordError (thrown,
 * or the rejection when a schema validates asynchronously). Synchronous for synchronous schemas.
 */
export function decodeRecord<T>(
  topic: AnyTopic | undefined,
  raw: RawRecord,
): KafkaRecord<T> | Promise<KafkaRecord<T>> {
  if (!topic) throw undecodable('the handler does not declare this topic', raw);
  if (raw.value === null) throw undecodable('the value is null (a tombstone)', raw);
  let decoded: unknown;
  try {
    decoded = topic.codec.decode(raw.value);
  } catch (error) {
    throw undecodable(`value is not valid ${topic.codec.name}: ${errorMessage(error)}`, raw);
  }
  const key = raw.key === null ? null : raw.key.toString('utf8');
  const value = validate(topic.schema, decoded, raw) as T | Promise<T>;
  const keyChecked = topic.keySchema && validate(topic.keySchema, key, raw, 'key');
  if (value instanceof Promise || keyChecked instanceof Promise)
    return Promise.all([value, keyChecked]).then(([v]) => toRecord(raw, key, v));
  return toRecord(raw, key, value);
}

const NO_HEADERS: Record<string, string> = Object.freeze({});

function toRecord<T>(raw: RawRecord, key: string | null, value: T): KafkaRecord<T> {
  const headers: Record<string, string> = raw.headers.length ? {} : NO_HEADERS;
  for (const h of raw.headers) if (h.value !== null) headers[h.key] = h.value.toString('utf8');
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: new Date(raw.timestamp),
    timestampType: raw.timestampType,
    key,
    value,
    headers,
  };
}

export const locationOf = (raw: RawRecord): RecordLocation => ({
  topic: raw.topic,
  partition: raw.partition,
  offset: raw.offset,
});

const undecodable = (message: string, raw: RawRecord): DecodeError =>
  new DecodeError(message, locationOf(raw));
