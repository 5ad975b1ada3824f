import { Aws, Fn } from 'aws-cdk-lib';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { HandlerPlan } from '../shared/declarations/app-plan';

/**
 * ARNs of a cluster's Kafka resources for IAM access control. A cluster ARN is
 * `arn:<partition>:kafka:<region>:<account>:cluster/<clusterName>/<clusterUuid>`; topics and groups are
 * `...:topic/<clusterName>/<clusterUuid>/<topic>` and `...:group/<clusterName>/<clusterUuid>/<group>`.
 * Name and uuid are cut out of the ARN at deploy time (Fn::Split/Fn::Select), so no value is needed at synth.
 */
export class KafkaArns {
  readonly clusterName: string;
  readonly clusterUuid: string;

  constructor(readonly clusterArn: string) {
    this.clusterName = Fn.select(1, Fn.split('/', clusterArn));
    this.clusterUuid = Fn.select(2, Fn.split('/', clusterArn));
  }

  private resource(type: 'topic' | 'group', name: string): string {
    return Fn.join('', [
      'arn:',
      Aws.PARTITION,
      ':kafka:',
      Aws.REGION,
      ':',
      Aws.ACCOUNT_ID,
      `:${type}/`,
      this.clusterName,
      '/',
      this.clusterUuid,
      `/${name}`,
    ]);
  }

  topic(name: string): string {
    return this.resource('topic', name);
  }

  group(name: string): string {
    return this.resource('group', name);
  }
}

/** Actions per purpose, named once so the tests assert on the same lists. */
export const KAFKA_ACTIONS = {
  connect: [
    'kafka-cluster:Connect',
    'kafka-cluster:DescribeCluster',
    'kafka-cluster:DescribeClusterDynamicConfiguration',
  ],
  idempotentWrite: ['kafka-cluster:WriteDataIdempotently'],
  read: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
  group: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
  write: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
  /** The event source mapping resolves the cluster and its brokers with the function's role. */
  eventSource: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
} as const;

/**
 * Network interfaces: the event source mapping's pollers and the VPC-attached function create ENIs. EC2 does not
 * support resource-level permissions on the Describe* actions, so these take `*` (acknowledged in nag.ts).
 */
export const ENI_ACTIONS = [
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeVpcs',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
] as const;

const allow = (sid: string, actions: readonly string[], resources: readonly string[]): PolicyStatement =>
  new PolicyStatement({ sid, effect: Effect.ALLOW, actions: [...actions], resources: [...resources] });

/**
 * Least privilege for one handler: connect to its cluster, read exactly its source topics, commit exactly its
 * consumer groups, write exactly the topics it publishes to and its dead-letter topics. No `*` on kafka-cluster.
 */
export function kafkaStatements(arns: KafkaArns, plan: HandlerPlan): PolicyStatement[] {
  const writes = plan.writeTopics.length > 0;
  const statements = [
    allow(
      'KafkaConnect',
      [...KAFKA_ACTIONS.connect, ...(writes ? KAFKA_ACTIONS.idempotentWrite : [])],
      [arns.clusterArn],
    ),
    allow('KafkaEventSourceMapping', KAFKA_ACTIONS.eventSource, [arns.clusterArn]),
    allow(
      'KafkaReadSourceTopics',
      KAFKA_ACTIONS.read,
      plan.readTopics.map((t) => arns.topic(t)),
    ),
    allow(
      'KafkaConsumerGroups',
      KAFKA_ACTIONS.group,
      plan.groups.map((g) => arns.group(g)),
    ),
  ];
  if (writes) {
    statements.push(
      allow(
        'KafkaWriteTopics',
        KAFKA_ACTIONS.write,
        plan.writeTopics.map((t) => arns.topic(t)),
      ),
    );
  }
  return statements;
}

export function eniStatement(): PolicyStatement {
  return allow('EventSourceAndVpcNetworkInterfaces', ENI_ACTIONS, ['*']);
}

export function logStatement(logGroupArn: string): PolicyStatement {
  return allow('WriteOwnLogGroup', ['logs:CreateLogStream', 'logs:PutLogEvents'], [`${logGroupArn}`]);
}

/** The event source mapping writes a discarded batch (metadata and records) to the handler's bucket. */
export function onFailureBucketStatements(bucketArn: string): PolicyStatement[] {
  return [
    allow('OnFailureDestinationPut', ['s3:PutObject'], [`${bucketArn}/*`]),
    allow('OnFailureDestinationList', ['s3:ListBucket'], [bucketArn]),
  ];
}
