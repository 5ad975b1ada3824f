import type { AnyTopic } from '../shared/declarations/topic';
import { KafkaLambdaError } from '../shared/errors';

/** A deployment that would lose data or fail to create: thrown at synth, before anything reaches AWS. */
export class InfraInvariantError extends KafkaLambdaError {
  override name = 'InfraInvariantError';
}

/** The cluster-wide min.insync.replicas (CfnConfiguration), which applies to a topic that sets none. */
export const CLUSTER_MIN_INSYNC_REPLICAS = 2;
/** MSK Serverless keeps three replicas of every partition. */
export const SERVERLESS_REPLICAS = 3;

/** What the topics are checked against: the brokers of a provisioned cluster, or Serverless's fixed replicas. */
export type ReplicaCapacity = { kind: 'provisioned'; brokers: number } | { kind: 'serverless' };

/** Brokers spread evenly over the zones: MSK places brokerCount / zones in each, so one zone down keeps a quorum. */
export function checkBrokerLayout(brokerCount: number, zoneCount: number): void {
  if (!Number.isInteger(zoneCount) || zoneCount !== 3) {
    throw new InfraInvariantError(`the cluster spans exactly 3 availability zones, got ${zoneCount}`);
  }
  if (!Number.isInteger(brokerCount) || brokerCount < zoneCount || brokerCount % zoneCount !== 0) {
    throw new InfraInvariantError(
      `broker count ${brokerCount} must be a positive multiple of the ${zoneCount} availability zones (3, 6, 9, ...)`,
    );
  }
}

function effectiveMinIsr(topic: AnyTopic): number {
  const raw = topic.config['min.insync.replicas'];
  return raw === undefined ? CLUSTER_MIN_INSYNC_REPLICAS : Number(raw);
}

/**
 * Every deployed topic survives one broker down without refusing acknowledged writes (DESIGN.md, contract 6):
 * its replication factor fits on the brokers and min.insync.replicas stays below it.
 */
export function checkTopic(topic: AnyTopic, capacity: ReplicaCapacity): void {
  const what = `topic "${topic.name}"`;
  const rf = topic.replicationFactor;
  if (!Number.isInteger(topic.partitions) || topic.partitions < 1) {
    throw new InfraInvariantError(`${what}: partitions must be a positive integer, got ${topic.partitions}`);
  }
  if (!Number.isInteger(rf) || rf < 1) {
    throw new InfraInvariantError(`${what}: replication factor must be a positive integer, got ${rf}`);
  }
  const maxReplicas = capacity.kind === 'provisioned' ? capacity.brokers : SERVERLESS_REPLICAS;
  const where =
    capacity.kind === 'provisioned'
      ? `the ${capacity.brokers} brokers of the cluster`
      : 'the 3 replicas of MSK Serverless';
  if (rf > maxReplicas) {
    throw new InfraInvariantError(`${what}: replication factor ${rf} exceeds ${where}`);
  }
  const minIsr = effectiveMinIsr(topic);
  if (!Number.isInteger(minIsr) || minIsr < 1) {
    throw new InfraInvariantError(`${what}: min.insync.replicas must be a positive integer, got ${minIsr}`);
  }
  if (minIsr >= rf) {
    throw new InfraInvariantError(
      `${what}: min.insync.replicas ${minIsr} must be below the replication factor ${rf}, ` +
        'or a single broker down stops every acknowledged (acks=all) write',
    );
  }
}

export function checkTopics(topics: readonly AnyTopic[], capacity: ReplicaCapacity): void {
  const seen = new Set<string>();
  for (const topic of topics) {
    if (seen.has(topic.name))
      throw new InfraInvariantError(`topic "${topic.name}" is declared twice in the manifest`);
    seen.add(topic.name);
    checkTopic(topic, capacity);
  }
}

/**
 * Provisioned pollers each invoke the function: reserved concurrency below their maximum throttles the mapping
 * (the pollers wait for a free slot instead of consuming), which shows up only as growing lag.
 */
export function checkReservedConcurrency(
  handler: string,
  reserved: number | undefined,
  maximumPollers: number,
): void {
  if (reserved !== undefined && reserved < maximumPollers) {
    throw new InfraInvariantError(
      `handler "${handler}": deploy.reservedConcurrency ${reserved} is below the ${maximumPollers} provisioned ` +
        `pollers its event source mappings may run (one per partition of its topics): raise it to at least ${maximumPollers} or leave it unset`,
    );
  }
}
