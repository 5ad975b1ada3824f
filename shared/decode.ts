import { errorMessage, PermanentRecordError, type RecordLocation } from './errors';
import type { KafkaRecord } from './handler';
import type { RawRecord } from './msk-event';
import { validate } from './schema';
import type { AnyTopic } from './topic';

/** Decodes and validates one raw record against its topic; every failure here is permanent. */
export async function decodeRecord<T>(topic: AnyTopic | undefined, raw: RawRecord): Promise<KafkaRecord<T>> {
  const at: RecordLocation = { topic: raw.topic, partition: raw.partition, offset: raw.offset };
  if (!topic) throw new PermanentRecordError('decode', 'the handler does not declare this topic', at);
  if (raw.value === null) throw new PermanentRecordError('decode', 'the value is null (a tombstone)', at);
  let decoded: unknown;
  try {
    decoded = topic.codec.decode(raw.value);
  } catch (error) {
    throw new PermanentRecordError(
      'decode',
      `value is not valid ${topic.codec.name}: ${errorMessage(error)}`,
      at,
    );
  }
  const value = (await validate(topic.schema, decoded, at)) as T;
  const key = raw.key === null ? null : raw.key.toString('utf8');
  if (topic.keySchema) await validate(topic.keySchema, key, at, 'key');
  const headers: Record<string, string> = {};
  for (const h of raw.headers) headers[h.key] = h.value.toString('utf8');
  return {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: new Date(raw.timestamp),
    timestampType: raw.timestampType ?? 'CREATE_TIME',
    key,
    value,
    headers,
  };
}
