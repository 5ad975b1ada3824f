import type { Admin } from 'kafkajs';
import type { AnyTopic } from '../declarations/topic';

/** What fitting a topic to a cluster reads of its declaration (the operations tools have no more than this). */
type TopicShapeOf = Pick<AnyTopic, 'name' | 'partitions' | 'replicationFactor' | 'config'>;
import { kafkajsTopicAdmin } from '../kafka/kafkajs-topic-admin';
import { reconcileTopics, type DesiredTopic, type TopicStep } from '../kafka/topic-reconcile';

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
  topic: TopicShapeOf,
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
 * Creates missing topics and brings existing ones to their declaration (shared/kafka/topic-reconcile.ts): adds
 * partitions and sets configs. What cannot change in place (more partitions than declared, another replication
 * factor) is reported as drift. A second run over an aligned cluster changes nothing.
 */
export async function alignTopics(admin: Admin, topics: readonly AnyTopic[]): Promise<TopicPlan[]> {
  const brokers = (await admin.describeCluster()).brokers.length;
  const reconciled = await reconcileTopics(kafkajsTopicAdmin(admin), desiredOnCluster(topics, brokers));
  return reconciled.map((plan, i) => {
    const { adjusted } = fitToCluster(topics[i]!, brokers);
    return {
      name: plan.name,
      action: actionOf(plan.steps),
      drift: plan.drift,
      ...(adjusted && { adjusted }),
    };
  });
}

/** The declared topics as a cluster of `brokers` nodes can hold them: what the local cluster is aligned to. */
export function desiredOnCluster(topics: readonly TopicShapeOf[], brokers: number): DesiredTopic[] {
  return topics.map((topic) => {
    const fit = fitToCluster(topic, brokers);
    return {
      name: topic.name,
      partitions: topic.partitions,
      replicationFactor: fit.replicationFactor,
      config: fit.config,
    };
  });
}

/** The most significant step, as `dev` reports it. */
function actionOf(steps: readonly TopicStep[]): TopicPlan['action'] {
  if (steps.some((s) => s.kind === 'create')) return 'create';
  if (steps.some((s) => s.kind === 'add-partitions')) return 'add-partitions';
  return steps.length > 0 ? 'alter-config' : 'none';
}
