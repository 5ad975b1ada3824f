import type { StandardSchemaV1 } from '@standard-schema/spec';
import { DeclarationError, errorMessage, InvalidRecordError } from '../errors';
import { formatIssues } from '../declarations/schema';
import type { Topic } from '../declarations/topic';
import type { Header } from './ordered-headers';

export interface PublishOptions {
  /**
   * Overrides the key the topic derives from the value (e.g. to re-key a record); `null` sends no key.
   * @default - the topic's key of the value
   */
  key?: string | null;
  /**
   * Headers to send with the record.
   * @default - none
   */
  headers?: Record<string, string | Buffer>;
}

/** A record ready for the wire; the sink picks the partition from the key (murmur2, as the Java client). */
export interface OutgoingRecord {
  topic: string;
  key: Buffer | null;
  value: Buffer | null;
  /** In the order they are written; a name may repeat. */
  headers: Header[];
}

/** Where records go: a Kafka producer in production, a list in the test kit. Resolves once acknowledged. */
export interface RecordSink {
  send(records: readonly OutgoingRecord[]): Promise<void>;
}

const NO_HEADERS: readonly Header[] = Object.freeze([]);

function toHeaderBytes(headers: PublishOptions['headers']): Header[] {
  if (headers === undefined) return NO_HEADERS as Header[];
  return Object.entries(headers).map(([key, v]) => ({
    key,
    value: typeof v === 'string' ? Buffer.from(v, 'utf8') : v,
  }));
}

/**
 * Validates a value against its topic's schema, derives the key, and encodes it. Nothing invalid leaves here.
 * Synchronous when the schemas are, so a batch of records costs no promise each.
 */
export function encodeRecord<T>(
  topic: Topic<T>,
  value: T,
  options: PublishOptions = {},
): OutgoingRecord | Promise<OutgoingRecord> {
  const checked = topic.schema['~standard'].validate(value);
  let keyChecked: StandardSchemaV1.Result<string> | Promise<StandardSchemaV1.Result<string>> | undefined;
  if (topic.keySchema) {
    if (typeof options.key !== 'string')
      throw new InvalidRecordError(topic.name, 'the topic declares a key schema: pass the key as { key }');
    keyChecked = topic.keySchema['~standard'].validate(options.key);
  }
  if (checked instanceof Promise || keyChecked instanceof Promise)
    return Promise.all([checked, keyChecked]).then(([v, k]) => toOutgoing(topic, v, k, options));
  return toOutgoing(topic, checked, keyChecked, options);
}

function toOutgoing<T>(
  topic: Topic<T>,
  checked: StandardSchemaV1.Result<T>,
  keyChecked: StandardSchemaV1.Result<string> | undefined,
  options: PublishOptions,
): OutgoingRecord {
  if (checked.issues)
    throw new InvalidRecordError(topic.name, `value violates schema: ${formatIssues(checked.issues)}`);
  let key: string | null;
  if (keyChecked) {
    if (keyChecked.issues)
      throw new InvalidRecordError(topic.name, `key violates schema: ${formatIssues(keyChecked.issues)}`);
    key = keyChecked.value;
  } else if (options.key !== undefined) key = options.key;
  else {
    try {
      key = topic.keyOf ? topic.keyOf(checked.value) : null;
    } catch (error) {
      throw new InvalidRecordError(topic.name, `the key function threw: ${errorMessage(error)}`);
    }
    if (key !== null && typeof key !== 'string') {
      throw new InvalidRecordError(topic.name, `the key function returned ${typeof key}, not a string`);
    }
  }
  return {
    topic: topic.name,
    key: key === null ? null : keyBytes(topic, key),
    value: topic.codec.encode(checked.value),
    headers: toHeaderBytes(options.headers),
  };
}

/** A key's bytes: UTF-8, or the registry's wire format when the key schema is a registry format. */
export function keyBytes(topic: Pick<Topic<unknown>, 'keyCodec'>, key: string): Buffer {
  return topic.keyCodec ? topic.keyCodec.encode(key) : Buffer.from(key, 'utf8');
}

/** The check behind `ctx.publish`: a handler may only write where it declared (IAM is scoped to that). */
export function assertDeclared(
  handler: string,
  allowed: (name: string) => boolean,
  topic: { name: string },
): void {
  if (!allowed(topic.name)) {
    throw new DeclarationError(
      `handler "${handler}"`,
      `publishes to topic ${topic.name}, which is not in its "publishes" list`,
    );
  }
}
