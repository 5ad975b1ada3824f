import type { KafkaMessage } from 'kafkajs';
import { orderedHeaders, type Header } from './ordered-headers';

/** A Kafka record as bytes: what the emulator reads from the broker and what dead letters write back. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  /** Epoch milliseconds. */
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key: Buffer | null;
  value: Buffer | null;
  /** In record order; a name may repeat, a value may be null. */
  headers: Header[];
  /**
   * Set once an event source mapping with a schema registry has read the key or value (its schema id and format):
   * the record's `keySchemaMetadata` / `valueSchemaMetadata` in the event.
   */
  schemaMetadata?: { key?: SchemaMetadata; value?: SchemaMetadata };
}

/** The schema of a key or value read through a registry, as the event names it. */
export interface SchemaMetadata {
  schemaId: string;
  dataFormat: string;
}

/** kafkajs's code for a batch whose timestamps the broker set (message.timestamp.type=LogAppendTime). */
const LOG_APPEND_TIME = 1;

/**
 * A fetched message as the bytes it was written with: key and value untouched (null stays null), headers in record
 * order with repeats and null values, and the batch's timestamp type. The emulator, `tail` and the dead-letter
 * listing all read records through this one function.
 */
export function fromKafkaMessage(topic: string, partition: number, message: KafkaMessage): RawRecord {
  const context = (message as { batchContext?: { timestampType?: number } }).batchContext;
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType: context?.timestampType === LOG_APPEND_TIME ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    key: message.key,
    value: message.value,
    headers: orderedHeaders(message.headers),
  };
}
