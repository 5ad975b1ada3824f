import type { Admin } from 'kafkajs';
import { kafkajsTopicAdmin } from '../kafka/kafkajs-topic-admin';
import { topicStatuses as statusRows } from '../kafka/topic-reconcile';
import { desiredOnCluster } from '../emulator/align-topics';
import type { TopicSettings } from './app';
import type { TopicStatus, TopicView } from './protocol';

export type { PartitionPlacement, TopicShape, TopicStatus } from './protocol';
import type { ClusterSession } from './session';

/** Every declared topic against the cluster, in declaration order (`topics` prints these; the console shows them). */
export async function topicStatuses(admin: Admin, topics: readonly TopicSettings[]): Promise<TopicStatus[]> {
  const brokers = (await admin.describeCluster()).brokers.length;
  const desired = desiredOnCluster(topics, brokers);
  const actual = await kafkajsTopicAdmin(admin).describe(
    desired.map((t) => ({ name: t.name, configKeys: Object.keys(t.config) })),
  );
  const rows = statusRows(desired, actual);
  const present = topics.filter((t) => actual.has(t.name)).map((t) => t.name);
  const meta = present.length ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
  return desired.map((t, i) => {
    const declared = { partitions: t.partitions, replication: t.replicationFactor };
    const found = actual.get(t.name);
    if (!found) return { name: t.name, state: 'missing', declared, partitions: [] };
    const partitions = (meta.find((m) => m.name === t.name)?.partitions ?? [])
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: p.replicas, isr: p.isr }))
      .sort((a, b) => a.partition - b.partition);
    const { status, reasons } = rows[i]!;
    return {
      name: t.name,
      state: status,
      declared,
      actual: { partitions: found.partitions, replication: found.replicationFactor },
      ...(reasons.length > 0 && { reasons }),
      partitions,
    };
  });
}

/** The statuses with each partition's log start and end offsets: what `topics` and the console show. */
export async function topicViews(
  session: ClusterSession,
  topics: readonly TopicSettings[],
): Promise<TopicView[]> {
  const statuses = await topicStatuses(await session.admin(), topics);
  return Promise.all(
    statuses.map(async (s) => {
      const offsets = s.state === 'missing' ? [] : await session.offsets(s.name);
      return {
        ...s,
        partitions: s.partitions.map((p) => {
          const o = offsets.find((x) => x.partition === p.partition);
          return { ...p, low: o?.low ?? 0, end: o?.high ?? 0 };
        }),
      };
    }),
  );
}
