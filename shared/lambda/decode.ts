import { DecodeError, errorMessage, type RecordLocation } from '../errors';
import { jsonCodec, type Codec } from '../declarations/codec';
import type { KafkaRecord, RecordFormat } from '../declarations/handler';
import type { MskHeader, MskRecord, RawRecord, SchemaMetadata } from './msk-event';
import { validate } from '../declarations/schema';
import type { AnyTopic } from '../declarations/topic';
import { isRegistryCodec } from '../schemas/registry-codec';

/**
 * Decodes and validates one raw record against its topic; every failure here is a PermanentRecordError (thrown,
 * or the rejection when a schema validates asynchronously). Synchronous for synchronous schemas.
 */
export function decodeRecord<T>(
  topic: AnyTopic | undefined,
  raw: RawRecord,
): KafkaRecord<T> | Promise<KafkaRecord<T>> {
  const t = decodable(topic, raw.value !== null, raw);
  let decoded: unknown;
  try {
    decoded = t.codec.decode(raw.value!);
  } catch (error) {
    throw notValid(t, error, raw);
  }
  const headers: Record<string, string> = raw.headers.length ? {} : NO_HEADERS;
  for (const h of raw.headers) if (h.value !== null) headers[h.key] = h.value.toString('utf8');
  let key: string | null = null;
  if (raw.key !== null)
    key = t.keyCodec ? decodeKey(t, () => t.keyCodec!.decode(raw.key!), raw) : raw.key.toString('utf8');
  return checked(t, raw, decoded, key, raw.timestampType, headers);
}

/**
 * The same for a record of the event as it arrived, straight from its base64 text: no raw record, and no Buffer
 * for the key, the headers or a JSON value (issue #11: the adapter's per-record cost). Only a failure needs the
 * raw bytes (fromMskRecord), to dead-letter them unchanged.
 */
export function decodeEventRecord<T>(
  topic: AnyTopic | undefined,
  record: MskRecord,
  recordFormat: RecordFormat = 'JSON',
): KafkaRecord<T> | Promise<KafkaRecord<T>> {
  const { value, key } = record;
  const t = decodable(topic, value !== undefined && value !== null, record);
  let decoded: unknown;
  try {
    decoded =
      t.codec === jsonCodec
        ? JSON.parse(base64ToUtf8(value!)) // parsed from its text: the bytes are never held
        : decodeDelivered(t.codec, value!, record.valueSchemaMetadata, recordFormat);
  } catch (error) {
    throw notValid(t, error, record);
  }
  let keyText: string | null = null;
  if (key !== undefined && key !== null)
    keyText = t.keyCodec
      ? decodeKey(t, () => decodeDelivered(t.keyCodec!, key, record.keySchemaMetadata, recordFormat), record)
      : base64ToUtf8(key);
  return checked(
    t,
    record,
    decoded,
    keyText,
    record.timestampType === 'LOG_APPEND_TIME' ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    record.headers?.length ? eventHeaders(record.headers) : NO_HEADERS,
  );
}

/** The record's topic, if it has one and a value to decode. */
function decodable(topic: AnyTopic | undefined, hasValue: boolean, at: RecordLocation): AnyTopic {
  if (!topic) throw undecodable('the handler does not declare this topic', at);
  if (!hasValue) throw undecodable('the value is null (a tombstone)', at);
  return topic;
}

const notValid = (topic: AnyTopic, error: unknown, at: RecordLocation): DecodeError =>
  undecodable(`value is not valid ${topic.codec.name}: ${errorMessage(error)}`, at);

/**
 * A key or value in base64 as the event carries it, through a codec other than JSON. With schema metadata the
 * mapping has read it through its registry and delivers it as the record format says; without, it is the bytes as
 * written (a mapping without a registry, the test kit). Another codec gets a Buffer of its own (it may keep it).
 */
function decodeDelivered(
  codec: Codec,
  base64: string,
  metadata: SchemaMetadata | undefined,
  recordFormat: RecordFormat,
): unknown {
  if (metadata && isRegistryCodec(codec))
    return recordFormat === 'SOURCE'
      ? codec.decodeSource(Buffer.from(base64, 'base64'), metadata.schemaId)
      : codec.decodeJson(base64ToUtf8(base64));
  return codec.decode(Buffer.from(base64, 'base64'));
}

/** A key in a registry format, decoded: a key that does not decode is a permanent error naming the key. */
function decodeKey(topic: AnyTopic, decode: () => unknown, at: RecordLocation): string {
  let key: unknown;
  try {
    key = decode();
  } catch (error) {
    throw undecodable(`key is not valid ${topic.keyCodec!.name}: ${errorMessage(error)}`, at);
  }
  if (typeof key !== 'string') throw undecodable(`key decoded to ${typeof key}, not a string`, at);
  return key;
}

/** Value and key validated, then the record a handler gets. */
function checked<T>(
  topic: AnyTopic,
  at: RecordLocation & { timestamp: number },
  decoded: unknown,
  key: string | null,
  timestampType: KafkaRecord<T>['timestampType'],
  headers: Record<string, string>,
): KafkaRecord<T> | Promise<KafkaRecord<T>> {
  const value = validate(topic.schema, decoded, at) as T | Promise<T>;
  const keyChecked = topic.keySchema && validate(topic.keySchema, key, at, 'key');
  if (value instanceof Promise || keyChecked instanceof Promise)
    return Promise.all([value, keyChecked]).then(([v]) => toRecord(at, key, v, timestampType, headers));
  return toRecord(at, key, value, timestampType, headers);
}

function toRecord<T>(
  at: RecordLocation & { timestamp: number },
  key: string | null,
  value: T,
  timestampType: KafkaRecord<T>['timestampType'],
  headers: Record<string, string>,
): KafkaRecord<T> {
  return {
    topic: at.topic,
    partition: at.partition,
    offset: Number(at.offset),
    timestamp: new Date(Number(at.timestamp)),
    timestampType,
    key,
    value,
    headers,
  };
}

const NO_HEADERS: Record<string, string> = Object.freeze({});

/** Headers of the event (`{ name: byte values }` each, `{}` for a null value), decoded as UTF-8; the last name wins. */
function eventHeaders(list: readonly MskHeader[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const header of list)
    for (const [name, bytes] of Object.entries(header)) headers[name] = Buffer.from(bytes).toString('utf8');
  return headers;
}

/**
 * Base64 decoded into one reused buffer: decoding is synchronous and the bytes are read at once, so no record
 * gets a Buffer of its own. Longer texts get a fresh one.
 */
const scratch = Buffer.allocUnsafeSlow(64 * 1024);

function base64ToUtf8(text: string): string {
  if (text.length > (scratch.length / 3) * 4) return Buffer.from(text, 'base64').toString('utf8');
  return scratch.toString('utf8', 0, scratch.write(text, 'base64'));
}

export const locationOf = (raw: RecordLocation): RecordLocation => ({
  topic: raw.topic,
  partition: raw.partition,
  offset: Number(raw.offset), // tolerated as text in an event, as fromMskRecord does
});

const undecodable = (message: string, at: RecordLocation): DecodeError =>
  new DecodeError(message, locationOf(at));
