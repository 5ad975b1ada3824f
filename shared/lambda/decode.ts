import { DecodeError, errorMessage, type RecordLocation } from '../errors';
import { jsonCodec, type Codec } from '../declarations/codec';
import type { KafkaRecord, RecordFormat } from '../declarations/handler';
import { headerText, type MskHeader, type MskRecord, type RawRecord, type SchemaMetadata } from './msk-event';
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
  const t = decodable(topic, raw.value !== null, raw);
  let decoded: unknown;
  try {
    decoded = t.codec.decode(raw.value!);
  } catch (error) {
    throw notValid(t.codec, error, raw);
  }
  const headers = raw.headers.length ? newHeaders() : NO_HEADERS;
  for (const h of raw.headers) if (h.value !== null) addHeader(headers, h.key, h.value.toString('utf8'));
  let key: string | null = null;
  if (raw.key !== null && !t.keyCodec) key = raw.key.toString('utf8');
  else if (raw.key !== null)
    try {
      key = t.keyCodec!.decode(raw.key) as string;
    } catch (error) {
      throw notValid(t.keyCodec!, error, raw, 'key');
    }
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
    throw notValid(t.codec, error, record);
  }
  let keyText: string | null = null;
  if (key !== undefined && key !== null && !t.keyCodec) keyText = base64ToUtf8(key);
  else if (key !== undefined && key !== null)
    try {
      // A key in a registry format; its key schema checks it is a string.
      keyText = decodeDelivered(t.keyCodec!, key, record.keySchemaMetadata, recordFormat) as string;
    } catch (error) {
      throw notValid(t.keyCodec!, error, record, 'key');
    }
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

const notValid = (codec: Codec, error: unknown, at: RecordLocation, what = 'value'): DecodeError =>
  undecodable(`${what} is not valid ${codec.name}: ${errorMessage(error)}`, at);

/**
 * A key or value in base64 as the event carries it, through a codec other than JSON: a registry codec reads what
 * the mapping delivered (its schema metadata says it went through the registry), another gets a Buffer of its own.
 */
const decodeDelivered = (
  codec: Codec,
  base64: string,
  metadata: SchemaMetadata | undefined,
  recordFormat: RecordFormat,
): unknown =>
  codec.fromEvent
    ? codec.fromEvent(base64, metadata, recordFormat)
    : codec.decode(Buffer.from(base64, 'base64'));

/** Value and key validated, then the record a handler gets. */
function checked<T>(
  topic: AnyTopic,
  at: RecordLocation & { timestamp: number },
  decoded: unknown,
  key: string | null,
  timestampType: KafkaRecord<T>['timestampType'],
  headers: Headers,
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
  headers: Headers,
): KafkaRecord<T> {
  return {
    topic: at.topic,
    partition: at.partition,
    offset: Number(at.offset),
    timestamp: new Date(Number(at.timestamp)),
    timestampType,
    key,
    value,
    headers: headers.last,
    headerValues: headers.all,
  };
}

/** A record's headers both ways: the last value of each name, and every value in record order. */
interface Headers {
  last: Record<string, string>;
  all: Record<string, string[]>;
}

const NO_HEADERS: Headers = Object.freeze({ last: Object.freeze({}), all: Object.freeze({}) }) as Headers;

const newHeaders = (): Headers => ({ last: {}, all: {} });

function addHeader(headers: Headers, name: string, value: string): void {
  headers.last[name] = value;
  (headers.all[name] ??= []).push(value);
}

/** Headers of the event (`{ name: byte values }` each, `{}` for a null value), decoded as UTF-8. */
function eventHeaders(list: readonly MskHeader[]): Headers {
  const headers = newHeaders();
  for (const header of list) for (const name in header) addHeader(headers, name, headerText(header[name]!));
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
