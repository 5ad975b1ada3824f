import type { DesiredTopic, ReconcileRules } from '../../shared/kafka/topic-reconcile';

/** Resource properties arrive as strings from CloudFormation; this reads them back strictly, naming the field. */
export function desiredFromProperties(props: Record<string, unknown>): {
  desired: DesiredTopic;
  rules: ReconcileRules;
} {
  const name = props.TopicName;
  const partitions = Number(props.Partitions);
  const replicationFactor = Number(props.ReplicationFactor);
  const rawConfig = props.Config ?? {};
  const createOnly = props.CreateOnlyConfigs ?? [];
  if (typeof name !== 'string' || name.length === 0) throw new Error('TopicName is required');
  if (!Number.isInteger(partitions) || partitions < 1)
    throw new Error(`topic ${name}: Partitions must be a positive integer, got ${String(props.Partitions)}`);
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new Error(
      `topic ${name}: ReplicationFactor must be a positive integer, got ${String(props.ReplicationFactor)}`,
    );
  }
  if (typeof rawConfig !== 'object' || rawConfig === null || Array.isArray(rawConfig))
    throw new Error(`topic ${name}: Config must be an object`);
  if (!Array.isArray(createOnly) || createOnly.some((k) => typeof k !== 'string'))
    throw new Error(`topic ${name}: CreateOnlyConfigs must be a list of config names`);
  const config: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawConfig as Record<string, unknown>)) config[k] = String(v);
  return {
    desired: { name, partitions, replicationFactor, config },
    rules: { createOnlyConfigs: createOnly as string[] },
  };
}
