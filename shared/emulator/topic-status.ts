import type { Kafka } from 'kafkajs';
import type { AnyTopic } from '../declarations/topic';
import { fitToCluster } from './align-topics';

export interface TopicShape {
  partitions: number;
  replication: number;
}

/** One partition as the cluster's metadata describes it. */
export interface PartitionPlacement {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** A declared topic against the cluster: `ok`, `missing`, or `drift` when its shape differs from the declaration. */
export interface TopicStatus {
  name: string;
  state: 'ok' | 'missing' | 'drift';
  /** As declared, with the replication fitted to the cluster's broker count (as the emulator creates it). */
  declared: TopicShape;
  /** As found in the cluster; absent when missing. */
  actual?: TopicShape;
  partitions: PartitionPlacement[];
}

/** Every declared topic against the cluster, in declaration order (`topics` prints these; the console shows them). */
export async function topicStatuses(kafka: Kafka, topics: readonly AnyTopic[]): Promise<TopicStatus[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const brokers = (await admin.describeCluster()).brokers.length;
    const existing = new Set(await admin.listTopics());
    const present = topics.filter((t) => existing.has(t.name)).map((t) => t.name);
    const meta = present.length ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
    return topics.map((t) => {
      const declared = { partitions: t.partitions, replication: fitToCluster(t, brokers).replicationFactor };
      const m = meta.find((x) => x.name === t.name);
      if (!m) return { name: t.name, state: 'missing', declared, partitions: [] };
      const actual = { partitions: m.partitions.length, replication: m.partitions[0]?.replicas.length ?? 0 };
      const same = actual.partitions === declared.partitions && actual.replication === declared.replication;
      const partitions = m.partitions
        .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
        .sort((a, b) => a.partition - b.partition);
      return { name: t.name, state: same ? 'ok' : 'drift', declared, actual, partitions };
    });
  } finally {
    await admin.disconnect();
  }
}
