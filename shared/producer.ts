import type { KafkaConfig } from 'kafkajs';
import { kafkaConfigFromEnv } from './kafka/connection';
import { createKafkaSink } from './kafka/sink';
import { encodeRecord, type OutgoingRecord, type PublishOptions, type RecordSink } from './kafka/publish';
import type { Topic } from './declarations/topic';
import { startPublish, traced, withTraceHeaders } from './observability/tracing';

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

export interface ProducerOptions {
  /**
   * W3C trace headers on every record: the active OpenTelemetry span's context when the application registered an
   * SDK (under a `publish` span), else a new trace per record. A record given its own `traceparent` keeps it.
   * @default true
   */
  tracing?: boolean;
}

/** A typed producer over any sink (the test kit passes an in-memory one). */
export function typedProducer(
  sink: RecordSink,
  disconnect: () => Promise<void> = async () => {},
  options: ProducerOptions = {},
): TypedProducer {
  const tracing = options.tracing ?? true;
  const sendBatch = async <T>(
    topic: Topic<T>,
    values: readonly T[],
    options: PublishOptions | undefined,
  ): Promise<void> => {
    if (!tracing) return sendEncoded(values.map((v) => encodeRecord(topic, v, options)));
    const trace = startPublish(topic.name, values.length);
    return traced(trace, () =>
      sendEncoded(values.map((v, i) => encodeRecord(topic, v, withTraceHeaders(options, trace.headers(i))))),
    );
  };
  const sendEncoded = async (encoded: (OutgoingRecord | Promise<OutgoingRecord>)[]): Promise<void> => {
    const pending = encoded.some((r) => r instanceof Promise);
    await sink.send(pending ? await Promise.all(encoded) : (encoded as OutgoingRecord[]));
  };
  return {
    publish: (topic, value, options) => sendBatch(topic, [value], options),
    publishBatch: (topic, values, options) => sendBatch(topic, values, options),
    disconnect,
  };
}

/** A typed Kafka producer: acks=all, idempotent, Java-compatible partitioning. Connection from the environment by default. */
export function createProducer(
  config: KafkaConfig = kafkaConfigFromEnv(),
  options: ProducerOptions = {},
): TypedProducer {
  const sink = createKafkaSink(config);
  return typedProducer(sink, () => sink.disconnect(), options);
}
