import type { KafkaConfig } from 'kafkajs';
import { kafkaConfigFromEnv } from './kafka/connection';
import { createKafkaSink } from './kafka/sink';
import { encodeRecord, type OutgoingRecord, type PublishOptions, type RecordSink } from './kafka/publish';
import type { Topic } from './declarations/topic';

export interface TypedProducer {
  /** Validates, keys and sends one record; resolves once all in-sync replicas have it. */
  publish<T>(topic: Topic<T>, value: T, options?: PublishOptions): Promise<void>;
  /** The same for many records, sent as one batch; nothing is sent if any value is invalid. */
  publishBatch<T>(
    topic: Topic<T>,
    values: readonly T[],
    options?: Omit<PublishOptions, 'key'>,
  ): Promise<void>;
  disconnect(): Promise<void>;
}

/** A typed producer over any sink (the test kit passes an in-memory one). */
export function typedProducer(
  sink: RecordSink,
  disconnect: () => Promise<void> = async () => {},
): TypedProducer {
  return {
    async publish(topic, value, options) {
      await sink.send([await encodeRecord(topic, value, options)]);
    },
    async publishBatch(topic, values, options) {
      const encoded = values.map((v) => encodeRecord(topic, v, options));
      const pending = encoded.some((r) => r instanceof Promise);
      await sink.send(pending ? await Promise.all(encoded) : (encoded as OutgoingRecord[]));
    },
    disconnect,
  };
}

/** A typed Kafka producer: acks=all, idempotent, Java-compatible partitioning. Connection from the environment by default. */
export function createProducer(config: KafkaConfig = kafkaConfigFromEnv()): TypedProducer {
  const sink = createKafkaSink(config);
  return typedProducer(sink, () => sink.disconnect());
}
