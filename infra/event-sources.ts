import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CfnEventSourceMapping } from 'aws-cdk-lib/aws-lambda';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type CfnBucket,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { filterPattern, type ValueFilter } from '../shared/declarations/filter';
import type { HandlerSpec, StartingPosition } from '../shared/declarations/handler';
import type { KafkaClusterRef } from './cluster';
import { digestOf } from './digest';
import type { KafkaFunction } from './handler-function';
import type { EventSourcePlan, HandlerPlan } from './handler-plan';
import { checkReservedConcurrency } from './invariants';
import { MAPPING_METRICS_CONFIG } from './mapping-metrics';
import { MAPPING_METADATA, type MappingRecord } from './event-source-lock';
import { ACCEPTED, acknowledge, underArnOf } from './nag';
import { onFailureBucketStatements } from './permissions';
import type { KafkaTopics } from './topics';

/** The declaration's starting position in the mapping's terms. */
export function startingPositionOf(position: StartingPosition): {
  startingPosition: 'TRIM_HORIZON' | 'LATEST' | 'AT_TIMESTAMP';
  startingPositionTimestamp?: number;
} {
  if (position === 'earliest') return { startingPosition: 'TRIM_HORIZON' };
  if (position === 'latest') return { startingPosition: 'LATEST' };
  const ms = new Date(position.timestamp).getTime();
  return { startingPosition: 'AT_TIMESTAMP', startingPositionTimestamp: Math.floor(ms / 1000) };
}

/** The declared value filter pushed down to the mapping, which matches it against the record's JSON value. */
export function filterCriteriaOf(
  filter: ValueFilter | undefined,
): CfnEventSourceMapping.FilterCriteriaProperty | undefined {
  return filter === undefined ? undefined : { filters: [{ pattern: filterPattern(filter) }] };
}

export interface HandlerEventSourcesProps {
  definition: HandlerSpec;
  plan: HandlerPlan;
  fn: KafkaFunction;
  cluster: KafkaClusterRef;
  topics: KafkaTopics;
  /** Days before S3 expires an on-failure batch. */
  onFailureRetentionDays: number;
}

/**
 * The create-only identity of one mapping. Lambda allows one mapping per function, cluster and topic (a second
 * CreateEventSourceMapping fails with ResourceConflictException naming the existing mapping's UUID, e.g.
 * aws/aws-sam-cli#2308) and a consumer group id unique among all Kafka event sources, which cannot be updated
 * (Lambda developer guide, "Customizable consumer group ID"). So the mapping's logical id carries a digest of its
 * topic and group: a group change is a new mapping that CloudFormation creates before deleting the old one, and
 * the function's logical id carries the digest of all its mappings, so the new mapping belongs to a new function
 * and never meets the old one on the same function and topic. The starting position is not part of it: Lambda
 * ignores it for a group that already has committed offsets, so a position change alone is refused instead
 * (see event-source-lock.ts).
 */
export function mappingIdentity(source: EventSourcePlan): string {
  return `${source.topic}|${source.consumerGroupId}`;
}

/**
 * One MSK event source mapping per source topic (a mapping takes exactly one), configured from the declaration:
 * consumer group, batch size and window, starting position, filter. In report-batch-item-failures mode the
 * mapping redelivers a failed partition from the failed offset up to `retry.attempts` times (provisioned pollers
 * are what enable partial batch responses for Kafka), then writes the batch to the handler's on-failure bucket.
 */
export class HandlerEventSources extends Construct {
  readonly mappings: CfnEventSourceMapping[] = [];
  /** What each mapping was created with, as the lock file records it. */
  readonly records: MappingRecord[] = [];
  readonly onFailureBucket?: Bucket;

  constructor(scope: Construct, id: string, props: HandlerEventSourcesProps) {
    super(scope, id);
    const { definition, plan, fn, cluster, topics } = props;
    const report = definition.failureMode === 'report-batch-item-failures';
    if (report) {
      this.onFailureBucket = new Bucket(this, 'OnFailure', {
        encryption: BucketEncryption.S3_MANAGED,
        blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
        objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
        enforceSSL: true,
        versioned: true,
        // Discarded batches are the only copy of records that exhausted their retries: never deleted with the stack.
        removalPolicy: RemovalPolicy.RETAIN,
        // ... but not kept forever: replay or copy them within the retention period.
        lifecycleRules: [
          {
            id: 'ExpireOnFailureBatches',
            expiration: Duration.days(props.onFailureRetentionDays),
            noncurrentVersionExpiration: Duration.days(1),
            abortIncompleteMultipartUploadAfter: Duration.days(1),
          },
        ],
      });
      fn.addToRolePolicy(...onFailureBucketStatements(this.onFailureBucket.bucketArn));
      acknowledge(this.onFailureBucket, ACCEPTED.onFailureBucketAccessLogs);
      acknowledge(
        fn.role,
        underArnOf(
          this.onFailureBucket.node.defaultChild as CfnBucket,
          '/*',
          ACCEPTED.onFailureBucketObjects,
        ),
      );
    }
    const partitionsOf = new Map(definition.topics.map((t) => [t.name, t.partitions]));
    const filterCriteria = filterCriteriaOf(definition.filter);
    if (report) {
      checkReservedConcurrency(
        definition.name,
        definition.deploy.reservedConcurrency,
        plan.eventSources.reduce((sum, source) => sum + (partitionsOf.get(source.topic) ?? 1), 0),
      );
    }

    for (const source of plan.eventSources) {
      const identity = mappingIdentity(source);
      const mapping = new CfnEventSourceMapping(
        this,
        `EventSource-${source.topic}-${digestOf(this, identity)}`,
        {
          functionName: fn.fn.functionName,
          eventSourceArn: cluster.clusterArn,
          topics: [source.topic],
          amazonManagedKafkaEventSourceConfig: { consumerGroupId: source.consumerGroupId },
          batchSize: definition.batch.size,
          ...(definition.batch.windowSeconds !== undefined && {
            maximumBatchingWindowInSeconds: definition.batch.windowSeconds,
          }),
          ...startingPositionOf(definition.startingPosition),
          ...(filterCriteria && { filterCriteria }),
          metricsConfig: MAPPING_METRICS_CONFIG,
          enabled: true,
          ...(this.onFailureBucket && {
            functionResponseTypes: ['ReportBatchItemFailures'],
            // A poller per partition at most: Lambda caps pollers at the topic's partition count.
            provisionedPollerConfig: {
              minimumPollers: 1,
              maximumPollers: partitionsOf.get(source.topic) ?? 1,
            },
            maximumRetryAttempts: definition.retry.attempts,
            destinationConfig: { onFailure: { destination: this.onFailureBucket.bucketArn } },
          }),
        },
      );
      // Its topic, and the topics it writes (dead letters, publishes), exist before records start flowing.
      for (const topic of [source.topic, ...plan.writeTopics])
        mapping.node.addDependency(topics.resourceOf(topic));
      mapping.node.addDependency(fn.role);
      const record: MappingRecord = {
        handler: definition.name,
        topic: source.topic,
        group: source.consumerGroupId,
        startingPosition: startingPositionOf(definition.startingPosition),
      };
      mapping.addMetadata(MAPPING_METADATA, record);
      this.records.push(record);
      this.mappings.push(mapping);
    }
  }
}
