import type { Admin } from 'kafkajs';
import type { AnyTopic } from '../declarations/topic';

export interface TopicPlan {
  name: string;
  action: 'create' | 'add-partitions' | 'alter-config' | 'none';
  /** What the local cluster gets when it has fewer brokers than the declaration asks for. */
  adjusted?: string;
  /** Differences that cannot be fixed in place. */
  drift: string[];
}

/** Replication and min.insync.replicas as far as a cluster of `brokers` nodes can hold them. */
export function fitToCluster(
  topic: AnyTopic,
  brokers: number,
): { replicationFactor: number; config: Record<string, string>; adjusted?: string } {
  const replicationFactor = Math.min(topic.replicationFactor, brokers);
  const declaredIsr = Number(topic.config['min.insync.replicas'] ?? 1);
  const minIsr = Math.min(declaredIsr, Math.max(1, replicationFactor - 1));
  const config = { ...topic.config, 'min.insync.replicas': String(minIsr) };
  if (replicationFactor === topic.replicationFactor && minIsr === declaredIsr)
    return { replicationFactor, config };
  return {
    replicationFactor,
    config,
    adjusted: `replication ${topic.replicationFactor}->${replicationFactor}, min.insync.replicas ${declaredIsr}->${minIsr} (the local cluster has ${brokers} broker${brokers === 1 ? '' : 's'})`,
  };
}

/**
 * Creates missing topics and brings existing ones to their declaration: adds partitions and sets configs.
 * What cannot change in place (more partitions than declared, another replication factor) is reported as drift.
 * A second run over an aligned cluster changes nothing.
 */
export async function alignTopics(admin: Admin, topics: readonly AnyTopic[]): Promise<TopicPlan[]> {
  const brokers = (await admin.describeCluster()).brokers.length;
  const existing = new Set(await admin.listTopics());
  const present = topics.filter((t) => existing.has(t.name));
  const metadata = present.length
    ? (await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) })).topics
    : [];
  const configs = present.length
    ? (
        await admin.describeConfigs({
          includeSynonyms: false,
          resources: present.map((t) => ({ type: 2 /* TOPIC */, name: t.name })),
        })
      ).resources
    : [];

  const plans: TopicPlan[] = [];
  const toCreate: Parameters<Admin['createTopics']>[0]['topics'] = [];
  for (const topic of topics) {
    const fit = fitToCluster(topic, brokers);
    const plan: TopicPlan = {
      name: topic.name,
      action: 'none',
      drift: [],
      ...(fit.adjusted && { adjusted: fit.adjusted }),
    };
    plans.push(plan);
    if (!existing.has(topic.name)) {
      plan.action = 'create';
      toCreate.push({
        topic: topic.name,
        numPartitions: topic.partitions,
        replicationFactor: fit.replicationFactor,
        configEntries: Object.entries(fit.config).map(([name, value]) => ({ name, value })),
      });
      continue;
    }
    const partitions = metadata.find((m) => m.name === topic.name)?.partitions ?? [];
    if (partitions.length < topic.partitions) {
      plan.action = 'add-partitions';
      await admin.createPartitions({ topicPartitions: [{ topic: topic.name, count: topic.partitions }] });
    } else if (partitions.length > topic.partitions) {
      plan.drift.push(
        `has ${partitions.length} partitions, declared ${topic.partitions} (partitions cannot be removed)`,
      );
    }
    const replicas = partitions[0]?.replicas.length ?? fit.replicationFactor;
    if (replicas !== fit.replicationFactor)
      plan.drift.push(`replication factor ${replicas}, declared ${fit.replicationFactor}`);
    const actual = new Map(
      (configs.find((c) => c.resourceName === topic.name)?.configEntries ?? []).map((e) => [
        e.configName,
        e.configValue,
      ]),
    );
    const differing = Object.entries(fit.config).filter(([k, v]) => actual.get(k) !== v);
    if (differing.length > 0) {
      if (plan.action === 'none') plan.action = 'alter-config';
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: 2,
            name: topic.name,
            configEntries: Object.entries(fit.config).map(([name, value]) => ({ name, value })),
          },
        ],
      });
    }
  }
  if (toCreate.length > 0) await admin.createTopics({ topics: toCreate, waitForLeaders: true });
  return plans;
}
