import { join } from 'node:path';
import { CustomResource, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { CfnTopic } from 'aws-cdk-lib/aws-msk';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  AwsCustomResource,
  AwsCustomResourcePolicy,
  PhysicalResourceId,
  Provider,
} from 'aws-cdk-lib/custom-resources';
import { Construct, type IDependable } from 'constructs';
import type { AnyTopic } from '../shared/declarations/topic';
import type { KafkaClusterRef } from './cluster';
import { functionEnvironment } from '../shared/declarations/environment';
import { KafkaFunction } from './handler-function';
import { checkTopics, CLUSTER_MIN_INSYNC_REPLICAS, InfraInvariantError } from './invariants';
import { ACCEPTED, acknowledge, underArnOf } from './nag';
import type { KafkaNetworkRef } from './network';
import { KafkaArns } from './permissions';

/** AWS::MSK::Topic takes the topic's configs as base64 of a JSON object of Kafka config names to string values. */
export function topicConfigs(topic: AnyTopic): string | undefined {
  const entries = Object.keys(topic.config)
    .sort()
    .map((k) => [k, topic.config[k]!] as const);
  return entries.length === 0 ? undefined : Fn.base64(JSON.stringify(Object.fromEntries(entries)));
}

/** MSK Serverless fixes min.insync.replicas at 2 and rejects setting it; a declared value must not be weaker. */
export function serverlessTopicConfig(topic: AnyTopic): Record<string, string> {
  const { ['min.insync.replicas']: minIsr, ...rest } = topic.config;
  if (minIsr !== undefined && Number(minIsr) > CLUSTER_MIN_INSYNC_REPLICAS) {
    throw new InfraInvariantError(
      `topic "${topic.name}": min.insync.replicas ${minIsr} cannot be set on MSK Serverless, which keeps it at ${CLUSTER_MIN_INSYNC_REPLICAS}`,
    );
  }
  return rest;
}

/**
 * The cluster's SASL/IAM bootstrap brokers, looked up at deploy time (kafka:GetBootstrapBrokers on this cluster
 * only), for what connects to the brokers without an MSK event to name them: the topic admin, the operations
 * function.
 */
export function lookupBootstrapBrokers(scope: Construct, cluster: KafkaClusterRef): string {
  const brokers = new AwsCustomResource(scope, 'BootstrapBrokers', {
    onUpdate: {
      service: 'Kafka',
      action: 'getBootstrapBrokers',
      parameters: { ClusterArn: cluster.clusterArn },
      physicalResourceId: PhysicalResourceId.of('bootstrap-brokers'),
    },
    policy: AwsCustomResourcePolicy.fromSdkCalls({ resources: [cluster.clusterArn] }),
    installLatestAwsSdk: false,
  });
  if (cluster.resource) brokers.node.addDependency(cluster.resource);
  // AwsCustomResource runs on one CDK-generated function per stack.
  const sdkCallFunction = Stack.of(scope).node.tryFindChild(
    `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
  );
  if (sdkCallFunction) acknowledge(sdkCallFunction, ACCEPTED.frameworkBasicExecution);
  return brokers.getResponseField('BootstrapBrokerStringSaslIam');
}

export interface KafkaTopicsProps {
  topics: readonly AnyTopic[];
  cluster: KafkaClusterRef;
  network: KafkaNetworkRef;
  logRetention: RetentionDays;
}

/** Configs MSK Serverless accepts only when a topic is created: the custom resource reports them as drift. */
export const SERVERLESS_CREATE_ONLY_CONFIGS = ['cleanup.policy'] as const;

/**
 * Every topic of the manifest (declared and dead-letter), created from the same declarations the local runtime
 * uses (DESIGN.md, contract 5), retained on removal so a dropped declaration never deletes data. A cluster this
 * stack creates (provisioned) uses the native AWS::MSK::Topic; MSK Serverless, which that resource does not
 * support, and an existing cluster, whose topics may already exist (AWS::MSK::Topic fails on a topic that exists),
 * use a custom resource that adopts and reconciles topics through the Kafka admin API from inside the VPC.
 */
export class KafkaTopics extends Construct {
  private readonly resources = new Map<string, IDependable>();
  /** Set on MSK Serverless, where the topic admin needs them; otherwise not looked up. */
  readonly bootstrapBrokers?: string;

  constructor(scope: Construct, id: string, props: KafkaTopicsProps) {
    super(scope, id);
    checkTopics(props.topics, props.cluster.capacity);
    if (props.cluster.type === 'provisioned' && props.cluster.created) {
      for (const topic of props.topics)
        this.resources.set(topic.name, this.nativeTopic(topic, props.cluster));
      return;
    }
    this.bootstrapBrokers = lookupBootstrapBrokers(this, props.cluster);
    const provider = this.adminProvider(props);
    for (const topic of props.topics) {
      const resource = new CustomResource(this, `Topic-${topic.name}`, {
        serviceToken: provider.serviceToken,
        resourceType: 'Custom::KafkaTopic',
        removalPolicy: RemovalPolicy.RETAIN,
        properties: {
          ClusterArn: props.cluster.clusterArn,
          BootstrapBrokers: this.bootstrapBrokers,
          TopicName: topic.name,
          Partitions: topic.partitions,
          ReplicationFactor: topic.replicationFactor,
          ...(props.cluster.type === 'serverless'
            ? { Config: serverlessTopicConfig(topic), CreateOnlyConfigs: [...SERVERLESS_CREATE_ONLY_CONFIGS] }
            : { Config: topic.config, CreateOnlyConfigs: [] }),
        },
      });
      this.resources.set(topic.name, resource);
    }
  }

  /** The resource that creates a topic, for ordering event source mappings after it. */
  resourceOf(topicName: string): IDependable {
    const resource = this.resources.get(topicName);
    if (!resource) throw new InfraInvariantError(`topic "${topicName}" is used but not in the manifest`);
    return resource;
  }

  get names(): string[] {
    return [...this.resources.keys()];
  }

  private nativeTopic(topic: AnyTopic, cluster: KafkaClusterRef): CfnTopic {
    const configs = topicConfigs(topic);
    const resource = new CfnTopic(this, `Topic-${topic.name}`, {
      clusterArn: cluster.clusterArn,
      topicName: topic.name,
      partitionCount: topic.partitions,
      replicationFactor: topic.replicationFactor,
      ...(configs !== undefined && { configs }),
    });
    resource.applyRemovalPolicy(RemovalPolicy.RETAIN);
    return resource;
  }

  private adminProvider(props: KafkaTopicsProps): Provider {
    const admin = new KafkaFunction(this, 'Admin', {
      entry: join(__dirname, 'topic-admin', 'handler.ts'),
      description: 'Creates, adopts and updates Kafka topics (custom resource)',
      memoryMb: 256,
      timeoutSeconds: 120,
      externalModules: [],
      network: props.network,
      logRetention: props.logRetention,
      environment: functionEnvironment({ environment: {} }, { kafkaAuth: 'iam' }),
    });
    const arns = new KafkaArns(props.cluster.clusterArn);
    admin.addToRolePolicy(
      new PolicyStatement({
        sid: 'KafkaConnect',
        effect: Effect.ALLOW,
        actions: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
        resources: [props.cluster.clusterArn],
      }),
      new PolicyStatement({
        sid: 'KafkaManageDeclaredTopics',
        effect: Effect.ALLOW,
        actions: [
          'kafka-cluster:CreateTopic',
          'kafka-cluster:DescribeTopic',
          'kafka-cluster:AlterTopic',
          'kafka-cluster:DescribeTopicDynamicConfiguration',
          'kafka-cluster:AlterTopicDynamicConfiguration',
        ],
        resources: props.topics.map((t) => arns.topic(t.name)),
      }),
    );
    const provider = new Provider(this, 'Provider', {
      onEventHandler: admin.fn,
      logGroup: new LogGroup(this, 'ProviderLogs', {
        retention: props.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      }),
    });
    acknowledge(
      provider,
      ACCEPTED.frameworkBasicExecution,
      underArnOf(admin.fn.node.defaultChild as CfnFunction, ':*', ACCEPTED.providerInvokesVersions),
    );
    return provider;
  }
}
