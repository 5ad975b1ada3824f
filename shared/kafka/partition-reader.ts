/**
 * Reads partitions by offset without a consumer group: Fetch requests to each partition's leader, as a consumer
 * sends them, but nothing joins a group, commits or deletes one. A read starts at once (no group join, which waits
 * `group.initial.rebalance.delay.ms`, 3 s on MSK), and on MSK it needs `ReadData` and `DescribeTopic` on the topic
 * only: no group permission, so the operations function's policy names no group it does not describe.
 * kafkajs exposes no group-less fetch; this uses its cluster and broker objects (kafkajs 2.2.4, its last release;
 * shared/kafka/ordered-headers.ts relies on its internals the same way).
 */
import type { Kafka, KafkaMessage } from 'kafkajs';
import { fromKafkaMessage, type RawRecord } from './records';

/** Offsets `[from, to)` of one partition. */
export interface OffsetRange {
  topic: string;
  partition: number;
  from: number;
  to: number;
}

/** What `take` answers for a record: `false` stops the read before it (it stays unread). */
export type Take = (record: RawRecord) => boolean;

export const rangeKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** The parts of kafkajs's Cluster and Broker this uses (kafkajs/src/cluster, kafkajs/src/broker, 2.2.4). */
interface FetchedPartition {
  partition: number;
  highWatermark: string;
  messages: (KafkaMessage & { isControlRecord?: boolean })[];
}
interface KafkajsBroker {
  fetch(request: {
    replicaId: number;
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: { topic: string; partitions: { partition: number; fetchOffset: string; maxBytes: number }[] }[];
  }): Promise<{ responses: { topicName: string; partitions: FetchedPartition[] }[] }>;
}
interface KafkajsCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  addMultipleTargetTopics(topics: string[]): Promise<void>;
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(o: { nodeId: string }): Promise<KafkajsBroker>;
}

/** The cluster factory kafkajs keeps under a private symbol of its client (kafkajs/src/index.js). */
function createCluster(kafka: Kafka): KafkajsCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const factory = symbol && (kafka as unknown as Record<symbol, unknown>)[symbol];
  if (typeof factory !== 'function')
    throw new Error('kafkajs internals changed: pin kafkajs 2.2.4 (shared/kafka/partition-reader.ts)');
  return (factory as (o: object) => KafkajsCluster)({ allowAutoTopicCreation: false });
}

/** Bytes asked per response and per partition: a consumer's defaults are 10 MB and 1 MB; Lambda's pollers fetch less. */
const FETCH_MAX_BYTES = 4 * 1024 * 1024;
const PARTITION_MAX_BYTES = 1024 * 1024;
const READ_UNCOMMITTED = 0;
/**
 * Rounds in a row that may fail with a retriable error (a leader moved: a broker restarted, a partition was
 * reassigned) before the read gives up; metadata is read again after each.
 */
const LEADER_RETRIES = 5;

export class PartitionReader {
  private readonly known = new Set<string>();

  private constructor(private readonly cluster: KafkajsCluster) {}

  /** A reader on the client's brokers, with its credentials (IAM on MSK). */
  static async connect(kafka: Kafka): Promise<PartitionReader> {
    const cluster = createCluster(kafka);
    await cluster.connect();
    return new PartitionReader(cluster);
  }

  disconnect(): Promise<void> {
    return this.cluster.disconnect();
  }

  /**
   * Reads each range in offset order, handing every record to `take`, until every range is read or `take` says
   * stop. Resolves with where each range stands: the offset of its first record not taken (its `to` when done).
   * Records of different partitions interleave; within one partition they come in offset order.
   */
  async read(ranges: readonly OffsetRange[], take: Take): Promise<Map<string, number>> {
    const position = new Map(ranges.map((r) => [rangeKey(r.topic, r.partition), Math.min(r.from, r.to)]));
    const pending = (): OffsetRange[] =>
      ranges.filter((r) => position.get(rangeKey(r.topic, r.partition))! < r.to);
    const topics = [...new Set(ranges.map((r) => r.topic))].filter((t) => !this.known.has(t));
    if (topics.length) {
      await this.cluster.addMultipleTargetTopics(topics);
      topics.forEach((t) => this.known.add(t));
    }
    // A partition added since the metadata was read (a day-two change) is found after one refresh.
    if (!this.leadsAll(ranges)) await this.cluster.refreshMetadata();
    let stopped = false;
    let failures = 0;
    for (let left = pending(); left.length && !stopped; left = pending()) {
      const retry: unknown[] = [];
      const before = new Map(position);
      await Promise.all(
        this.byLeader(left).map(async ([nodeId, group]) => {
          let response;
          try {
            response = await this.fetch(nodeId, group, position);
          } catch (error) {
            if (!(error as { retriable?: boolean }).retriable) throw error;
            return void retry.push(error);
          }
          for (const { topicName, partitions } of response.responses)
            for (const fetched of partitions) {
              if (stopped) return;
              const range = group.find((r) => r.topic === topicName && r.partition === fetched.partition)!;
              stopped = !this.deliver(range, fetched, position, take);
            }
        }),
      );
      if (
        retry.length === 0 &&
        !stopped &&
        left.every(
          (r) => position.get(rangeKey(r.topic, r.partition)) === before.get(rangeKey(r.topic, r.partition)),
        )
      ) {
        // No partition had anything below its end: the rest is gone (compacted or truncated); do not fetch forever.
        for (const r of left) position.set(rangeKey(r.topic, r.partition), r.to);
        break;
      }
      if (retry.length === 0) failures = 0;
      else if (++failures >= LEADER_RETRIES) throw retry[0];
      else await this.cluster.refreshMetadata(); // the leaders are looked up again for the next round
    }
    return position;
  }

  /** Hands one partition's fetched records to `take`; false when it said stop. */
  private deliver(
    range: OffsetRange,
    fetched: FetchedPartition,
    position: Map<string, number>,
    take: Take,
  ): boolean {
    const key = rangeKey(range.topic, range.partition);
    const from = position.get(key)!;
    let next = from;
    let last = -1;
    for (const message of fetched.messages) {
      const offset = Number(message.offset);
      last = Math.max(last, offset);
      if (offset < next || offset >= range.to || message.isControlRecord) continue;
      if (!take(fromKafkaMessage(range.topic, range.partition, message))) {
        position.set(key, offset);
        return false;
      }
      next = offset + 1;
    }
    // Past transaction markers and compacted-away offsets too. An empty answer says nothing: the response's byte
    // limit may have been spent on other partitions (the read loop ends a range only when a whole round is empty).
    if (fetched.messages.length) position.set(key, Math.min(range.to, Math.max(next, last + 1)));
    return true;
  }

  private leadsAll(ranges: readonly OffsetRange[]): boolean {
    return [...new Set(ranges.map((r) => r.topic))].every((topic) => {
      const mine = ranges.filter((r) => r.topic === topic).map((r) => r.partition);
      const led = new Set(Object.values(this.cluster.findLeaderForPartitions(topic, mine)).flat());
      return mine.every((p) => led.has(p));
    });
  }

  private byLeader(ranges: readonly OffsetRange[]): [string, OffsetRange[]][] {
    const groups = new Map<string, OffsetRange[]>();
    for (const topic of new Set(ranges.map((r) => r.topic))) {
      const mine = ranges.filter((r) => r.topic === topic);
      const leaders = this.cluster.findLeaderForPartitions(
        topic,
        mine.map((r) => r.partition),
      );
      const led = new Set(Object.values(leaders).flat());
      const unknown = mine.find((r) => !led.has(r.partition));
      if (unknown)
        throw new Error(`topic ${topic} has no partition ${unknown.partition} (or no leader for it)`);
      for (const [nodeId, partitions] of Object.entries(leaders))
        for (const p of partitions) {
          const list = groups.get(nodeId) ?? [];
          list.push(mine.find((r) => r.partition === p)!);
          groups.set(nodeId, list);
        }
    }
    return [...groups];
  }

  private async fetch(
    nodeId: string,
    ranges: readonly OffsetRange[],
    position: ReadonlyMap<string, number>,
  ): Promise<Awaited<ReturnType<KafkajsBroker['fetch']>>> {
    const topics = [...new Set(ranges.map((r) => r.topic))].map((topic) => ({
      topic,
      partitions: ranges
        .filter((r) => r.topic === topic)
        .map((r) => ({
          partition: r.partition,
          fetchOffset: String(position.get(rangeKey(topic, r.partition))),
          maxBytes: PARTITION_MAX_BYTES,
        })),
    }));
    const broker = await this.cluster.findBroker({ nodeId });
    return broker.fetch({
      replicaId: -1,
      isolationLevel: READ_UNCOMMITTED,
      maxWaitTime: 100,
      minBytes: 1,
      maxBytes: FETCH_MAX_BYTES,
      topics,
    });
  }
}
