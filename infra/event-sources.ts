import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { CfnEventSourceMapping, type CfnEventSourceMappingProps } from 'aws-cdk-lib/aws-lambda';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type CfnBucket,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { KafkaSchemaRegistry } from './schema-registry';
import type { HandlerPlan } from '../shared/declarations/app-plan';
import type { HandlerSpec } from '../shared/declarations/handler';
import type { MappingSettings } from '../shared/declarations/mapping-settings';
import type { KafkaClusterRef } from './cluster';
import { digestOf } from './digest';
import type { KafkaFunction } from './handler-function';
import { checkReservedConcurrency } from './invariants';
import { MAPPING_METADATA, type MappingRecord } from './event-source-lock';
import { ACCEPTED, acknowledge, underArnOf } from './nag';
import { onFailureBucketStatements } from './permissions';
import type { KafkaTopics } from './topics';

/**
 * A mapping's settings as the CloudFormation resource takes them: the S3 destination becomes the handler's bucket,
 * a Kafka destination the `kafka://<topic>` URI Lambda reads.
 */
export function mappingProperties(
  settings: MappingSettings,
  onFailureBucketArn: string | undefined,
  schemaRegistry?: KafkaSchemaRegistry,
): Omit<CfnEventSourceMappingProps, 'functionName' | 'eventSourceArn'> {
  const {
    topic,
    consumerGroupId,
    onFailure,
    filterCriteria,
    functionResponseTypes,
    schemaRegistry: registry,
    metricsConfig,
    ...rest
  } = settings;
  if (registry && !schemaRegistry)
    throw new Error(
      `mapping of topic ${topic}: a topic in a registry format needs the stack's schema registry`,
    );
  const destination =
    onFailure?.kind === 'kafka'
      ? `kafka://${onFailure.topic}`
      : onFailure?.kind === 's3'
        ? onFailureBucketArn
        : undefined;
  if (onFailure && destination === undefined)
    throw new Error(`mapping of topic ${topic}: an S3 on-failure destination needs the handler's bucket`);
  return {
    topics: [topic],
    amazonManagedKafkaEventSourceConfig: {
      consumerGroupId,
      ...(registry && { schemaRegistryConfig: schemaRegistry!.configFor(registry) }),
    },
    ...rest,
    ...(filterCriteria && { filterCriteria: { filters: [...filterCriteria.filters] } }),
    ...(functionResponseTypes && { functionResponseTypes: [...functionResponseTypes] }),
    ...(destination !== undefined && { destinationConfig: { onFailure: { destination } } }),
    metricsConfig: { metrics: [...metricsConfig.metrics] },
    enabled: true,
  };
}

export interface HandlerEventSourcesProps {
  definition: Pick<HandlerSpec, 'name' | 'deploy'>;
  plan: HandlerPlan;
  fn: KafkaFunction;
  cluster: KafkaClusterRef;
  topics: KafkaTopics;
  /** Days before S3 expires an on-failure batch. */
  onFailureRetentionDays: number;
  /** The registry of topics in a registry format, when the application has any. */
  schemaRegistry?: KafkaSchemaRegistry;
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
export function mappingIdentity(source: Pick<MappingSettings, 'topic' | 'consumerGroupId'>): string {
  return `${source.topic}|${source.consumerGroupId}`;
}

/**
 * One MSK event source mapping per source topic (a mapping takes exactly one), configured with the settings the
 * plan derived from the declaration (shared/declarations/mapping-settings.ts). A handler whose mappings send what
 * they give up on to S3 gets its own on-failure bucket.
 */
export class HandlerEventSources extends Construct {
  readonly mappings: CfnEventSourceMapping[] = [];
  /** What each mapping was created with, as the lock file records it. */
  readonly records: MappingRecord[] = [];
  readonly onFailureBucket?: Bucket;

  constructor(scope: Construct, id: string, props: HandlerEventSourcesProps) {
    super(scope, id);
    const { definition, plan, fn, cluster, topics } = props;
    if (plan.eventSources.some((source) => source.onFailure?.kind === 's3')) {
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
    const pollers = plan.eventSources.map((source) => source.provisionedPollerConfig?.maximumPollers ?? 0);
    if (pollers.some((n) => n > 0))
      checkReservedConcurrency(
        definition.name,
        definition.deploy.reservedConcurrency,
        pollers.reduce((sum, n) => sum + n, 0),
      );

    for (const source of plan.eventSources) {
      const identity = mappingIdentity(source);
      const mapping = new CfnEventSourceMapping(
        this,
        `EventSource-${source.topic}-${digestOf(this, identity)}`,
        {
          functionName: fn.fn.functionName,
          eventSourceArn: cluster.clusterArn,
          ...mappingProperties(source, this.onFailureBucket?.bucketArn, props.schemaRegistry),
        },
      );
      // Its topic, and the topics it writes (dead letters, publishes, a Kafka destination), exist before records flow.
      for (const topic of [source.topic, ...plan.writeTopics])
        mapping.node.addDependency(topics.resourceOf(topic));
      mapping.node.addDependency(fn.role);
      const record: MappingRecord = {
        handler: definition.name,
        topic: source.topic,
        group: source.consumerGroupId,
        startingPosition: {
          startingPosition: source.startingPosition,
          ...(source.startingPositionTimestamp !== undefined && {
            startingPositionTimestamp: source.startingPositionTimestamp,
          }),
        },
      };
      mapping.addMetadata(MAPPING_METADATA, record);
      this.records.push(record);
      this.mappings.push(mapping);
    }
  }
}
