import { Kafka, logLevel, type KafkaConfig, type Producer, type ProducerConfig } from 'kafkajs';
import { kafkaConfigFromEnv } from './connection';
import { partitionForKey } from './partitioner';
import type { OutgoingRecord, RecordSink } from './publish';

/** Keyed records go where the Java client puts them; unkeyed ones rotate over the partitions. */
export const javaCompatiblePartitioner: NonNullable<ProducerConfig['createPartitioner']> = () => {
  let counter = Math.floor(Math.random() * 1000);
  return ({ partitionMetadata, message }) => {
    const count = partitionMetadata.length;
    if (message.key === null || message.key === undefined) return counter++ % count;
    return partitionForKey(typeof message.key === 'string' ? message.key : message.key, count);
  };
};

/** The durable producer settings every write uses (contract 6): acks=all, idempotent, ordered retries. */
export const DURABLE_PRODUCER: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: javaCompatiblePartitioner,
};

export interface KafkaSink extends RecordSink {
  readonly producer: Producer;
  disconnect(): Promise<void>;
}

/** A RecordSink over one kafkajs producer; connects on first send and sends each call as one batch. */
export function createKafkaSink(config: KafkaConfig): KafkaSink {
  // Quiet: failures surface as errors of the send that hit them, with topic, partition and offset.
  const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...config });
  const producer = kafka.producer(DURABLE_PRODUCER);
  let connected: Promise<void> | undefined;
  return {
    producer,
    async send(records: readonly OutgoingRecord[]) {
      if (records.length === 0) return;
      await (connected ??= producer.connect());
      const byTopic = new Map<string, OutgoingRecord[]>();
      for (const r of records) {
        let list = byTopic.get(r.topic);
        if (!list) byTopic.set(r.topic, (list = []));
        list.push(r);
      }
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, list]) => ({
          topic,
          messages: list.map((r) => ({ key: r.key, value: r.value, headers: r.headers })),
        })),
      });
    },
    async disconnect() {
      if (connected) await producer.disconnect();
      connected = undefined;
    },
  };
}

export function createKafkaSinkFromEnv(fallbackBrokers?: string): KafkaSink {
  return createKafkaSink(kafkaConfigFromEnv(process.env, fallbackBrokers));
}
