/**
 * The tools' connections to one cluster, opened on first use and kept: an admin client, a group-less partition
 * reader and a durable producer. The operations function keeps one session per container, so a warm invocation
 * pays no connection set-up (on MSK each new connection also signs an IAM token).
 */
import { Kafka, logLevel, type Admin, type KafkaConfig, type Producer } from 'kafkajs';
import { PartitionReader } from '../kafka/partition-reader';
import { createKafkaSink, type KafkaSink } from '../kafka/sink';
import { OperationsError } from './protocol';

/** A partition's log start and end offsets. */
export interface PartitionOffsets {
  partition: number;
  low: number;
  high: number;
}

export class ClusterSession {
  readonly kafka: Kafka;
  private adminClient?: Promise<Admin>;
  private partitionReader?: Promise<PartitionReader>;
  private ledgerProducer?: Promise<Producer>;
  private recordSink?: KafkaSink;

  constructor(private readonly config: KafkaConfig) {
    this.kafka = new Kafka({ logLevel: logLevel.NOTHING, ...config });
  }

  /** The brokers it was given, as the events Lambda sends name them. */
  get bootstrapServers(): string {
    return (Array.isArray(this.config.brokers) ? this.config.brokers : []).join(',');
  }

  admin(): Promise<Admin> {
    return (this.adminClient ??= once(
      async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        return admin;
      },
      () => (this.adminClient = undefined),
    ));
  }

  reader(): Promise<PartitionReader> {
    return (this.partitionReader ??= once(
      () => PartitionReader.connect(this.kafka),
      () => (this.partitionReader = undefined),
    ));
  }

  /** An idempotent producer for the replay ledger (acks from every in-sync replica). */
  producer(): Promise<Producer> {
    return (this.ledgerProducer ??= once(
      async () => {
        const producer = this.kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          allowAutoTopicCreation: false,
        });
        await producer.connect();
        return producer;
      },
      () => (this.ledgerProducer = undefined),
    ));
  }

  /** The framework's durable sink, for publishing typed records (the same one ctx.publish uses). */
  sink(): KafkaSink {
    return (this.recordSink ??= createKafkaSink(this.config));
  }

  async offsets(topic: string): Promise<PartitionOffsets[]> {
    const rows = await (await this.admin()).fetchTopicOffsets(topic);
    return rows
      .map((r) => ({ partition: r.partition, low: Number(r.low), high: Number(r.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  async existingTopics(): Promise<Set<string>> {
    return new Set(await (await this.admin()).listTopics());
  }

  /** A declared topic's partitions' offsets; not-found when the cluster does not have the topic. */
  async offsetsOfExisting(topic: string): Promise<PartitionOffsets[]> {
    if (!(await this.existingTopics()).has(topic))
      throw new OperationsError(
        'not-found',
        `topic ${topic} is declared but not in the cluster (deploying the stack, or dev locally, creates it)`,
      );
    return this.offsets(topic);
  }

  async close(): Promise<void> {
    const closing = [
      this.adminClient?.then((a) => a.disconnect()),
      this.partitionReader?.then((r) => r.disconnect()),
      this.ledgerProducer?.then((p) => p.disconnect()),
      this.recordSink?.disconnect(),
    ];
    this.adminClient = this.partitionReader = this.ledgerProducer = undefined;
    this.recordSink = undefined;
    await Promise.all(closing.map((c) => c?.catch(() => undefined)));
  }
}

/** Starts a connection; a failed start is forgotten so the next call tries again. */
function once<T>(start: () => Promise<T>, forget: () => void): Promise<T> {
  return start().catch((error: unknown) => {
    forget();
    throw error;
  });
}
