/**
 * Brings one Kafka topic to its declared shape through the admin API: the custom resource behind topics on
 * MSK Serverless (where AWS::MSK::Topic is not available). Pure logic over a narrow admin interface, so it is
 * tested without a broker; handler.ts binds it to kafkajs.
 */

export interface DesiredTopic {
  name: string;
  partitions: number;
  replicationFactor: number;
  config: Record<string, string>;
}

/** The slice of the kafkajs admin client this needs. */
export interface TopicAdmin {
  /** Resolves false when the topic already exists. */
  createTopic(topic: DesiredTopic): Promise<boolean>;
  describeTopic(name: string): Promise<{ partitions: number; replicationFactor: number } | undefined>;
  createPartitions(name: string, count: number): Promise<void>;
  /** Sets the topic's config overrides to exactly these (non-incremental AlterConfigs). */
  setConfig(name: string, config: Record<string, string>): Promise<void>;
}

export type TopicChange = 'created' | 'updated' | 'unchanged';

/**
 * Create or update: creates the topic if missing, otherwise grows partitions and sets configs. Refuses what
 * Kafka cannot do in place (fewer partitions, another replication factor) with a message that says so.
 */
export async function reconcileTopic(admin: TopicAdmin, desired: DesiredTopic): Promise<TopicChange> {
  if (await admin.createTopic(desired)) return 'created';
  const current = await admin.describeTopic(desired.name);
  if (!current) throw new Error(`topic ${desired.name} exists but could not be described`);
  if (current.replicationFactor !== desired.replicationFactor) {
    throw new Error(
      `topic ${desired.name} has replication factor ${current.replicationFactor}, declared ${desired.replicationFactor}: ` +
        'Kafka cannot change it in place (reassign partitions by hand, or declare a new topic)',
    );
  }
  if (desired.partitions < current.partitions) {
    throw new Error(
      `topic ${desired.name} has ${current.partitions} partitions, declared ${desired.partitions}: Kafka cannot remove partitions`,
    );
  }
  let changed = false;
  if (desired.partitions > current.partitions) {
    await admin.createPartitions(desired.name, desired.partitions);
    changed = true;
  }
  await admin.setConfig(desired.name, desired.config);
  return changed ? 'updated' : 'unchanged';
}

/** Resource properties arrive as strings from CloudFormation; this reads them back strictly. */
export function desiredFromProperties(props: Record<string, unknown>): DesiredTopic {
  const name = props.TopicName;
  const partitions = Number(props.Partitions);
  const replicationFactor = Number(props.ReplicationFactor);
  const rawConfig = props.Config ?? {};
  if (typeof name !== 'string' || name.length === 0) throw new Error('TopicName is required');
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(`Partitions must be a positive integer, got ${String(props.Partitions)}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new Error(`ReplicationFactor must be a positive integer, got ${String(props.ReplicationFactor)}`);
  }
  if (typeof rawConfig !== 'object' || rawConfig === null || Array.isArray(rawConfig))
    throw new Error('Config must be an object');
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawConfig as Record<string, unknown>)) config[k] = String(v);
  return { name, partitions, replicationFactor, config };
}
