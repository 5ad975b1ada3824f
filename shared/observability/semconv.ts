/**
 * Span names and attributes after OpenTelemetry's messaging semantic conventions for Kafka
 * (https://opentelemetry.io/docs/specs/semconv/messaging/kafka/), which are still in development: these are the
 * names of semantic conventions 1.27 to 1.30, the ones current instrumentations emit. `messaging.operation.type`
 * is `send` where older versions said `publish`; the operation's name (and the span's) says `publish`, this
 * framework's word for it.
 */
import type { Attributes } from '@opentelemetry/api';

export const ATTR = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  partition: 'messaging.destination.partition.id',
  consumerGroup: 'messaging.consumer.group.name',
  batchCount: 'messaging.batch.message_count',
  offset: 'messaging.kafka.offset',
  key: 'messaging.kafka.message.key',
  errorType: 'error.type',
  /** Not a convention: what the framework did with the record (handled, dead-lettered, failed). */
  outcome: 'kafka_lambda.outcome',
  handler: 'kafka_lambda.handler',
} as const;

/** What every `process` span says: Kafka, the operation, the consumer group and the handler. */
const processing = (group: string, handler: string): Attributes => ({
  [ATTR.system]: 'kafka',
  [ATTR.operationType]: 'process',
  [ATTR.operationName]: 'process',
  [ATTR.consumerGroup]: group,
  [ATTR.handler]: handler,
});

/** The attributes of a `process` span over one record. */
export function processAttributes(
  record: { topic: string; partition: number; offset: number },
  key: string | undefined,
  group: string,
  handler: string,
): Attributes {
  return {
    ...processing(group, handler),
    [ATTR.destination]: record.topic,
    [ATTR.partition]: String(record.partition),
    [ATTR.offset]: Number(record.offset),
    ...(key !== undefined && { [ATTR.key]: key }),
  };
}

/** The attributes of a `process` span over a batch (its records are its links). */
export function batchAttributes(
  topic: string | undefined,
  count: number,
  group: string,
  handler: string,
): Attributes {
  return {
    ...processing(group, handler),
    [ATTR.batchCount]: count,
    ...(topic !== undefined && { [ATTR.destination]: topic }),
  };
}

/** The attributes of a `publish` span. */
export function publishAttributes(topic: string, count: number): Attributes {
  return {
    [ATTR.system]: 'kafka',
    [ATTR.operationType]: 'send',
    [ATTR.operationName]: 'publish',
    [ATTR.destination]: topic,
    ...(count !== 1 && { [ATTR.batchCount]: count }),
  };
}
