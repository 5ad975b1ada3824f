import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { KafkaLambdaError } from '../shared/errors';
import type { EventSourceLock } from './event-source-lock';
import { MSK_KAFKA_VERSION } from '../shared/kafka/version';

/** A `cdk -c key=value` setting that cannot be used: names the key, the value given and what is accepted. */
export class ContextError extends KafkaLambdaError {
  override name = 'ContextError';
  constructor(
    readonly key: string,
    readonly value: string | undefined,
    readonly accepted: string,
  ) {
    super(
      value === undefined
        ? `context "${key}" is required here (-c ${key}=...): ${accepted}`
        : `context "${key}" must be ${accepted}, got "${value}"`,
    );
  }
}

/** What `cdk destroy` (or a replacement) does to the stateful resources: cluster, tables, retained buckets. */
export type Removal =
  /** Kept in the account when removed from the stack; the stack has termination protection (default). */
  | 'retain'
  /** Deleted with the stack, no termination protection: for throwaway test stacks only. */
  | 'destroy';

/** How the Lambda event source mapping pollers (ENIs in the cluster's subnets) reach the Lambda and STS APIs. */
export type Egress =
  /** Interface endpoints for Lambda and STS plus an S3 gateway endpoint: no internet path at all (default). */
  | 'endpoints'
  /** Public subnets with NAT gateways; the private subnets route out through them. */
  | 'nat';

export interface NetworkOptions {
  /** Default `endpoints`: cheaper than NAT per AZ and keeps the brokers' subnets without any internet route. */
  egress?: Egress;
  /**
   * Exactly three zone names (e.g. `['eu-west-1a', 'eu-west-1b', 'eu-west-1c']`). Default: the first three
   * zones of the deployment region, resolved by CloudFormation (`Fn::GetAZs`), so synth needs no lookup.
   */
  availabilityZones?: readonly string[];
  /** NAT gateways when `egress` is `nat`; default one per zone so one zone's outage leaves the others working. */
  natGateways?: number;
  cidr?: string;
}

export interface ProvisionedClusterOptions {
  kind: 'provisioned';
  /** A multiple of the zone count (3); default 3. */
  brokerCount?: number;
  /** Default `kafka.m7g.large`. */
  instanceType?: string;
  /** EBS volume per broker in GiB; default 100. */
  volumeSizeGiB?: number;
  /** Default MSK_KAFKA_VERSION from shared/kafka-version.ts, the version the local broker runs. */
  kafkaVersion?: string;
  /**
   * A fixed cluster name: a change that replaces the cluster then fails on the name (and a stack deployed before
   * names carried a digest keeps its cluster with `<stackName>-kafka`). @default `<stackName>-kafka-<digest of the
   * create-only properties>`
   */
  clusterName?: string;
}

export interface ServerlessClusterOptions {
  kind: 'serverless';
  /** As for a provisioned cluster. @default `<stackName>-kafka-<digest of the create-only properties>` */
  clusterName?: string;
}

export interface ExistingClusterOptions {
  kind: 'existing';
  clusterArn: string;
  type: 'provisioned' | 'serverless';
  /** Brokers of an existing provisioned cluster: the replication invariants are checked against it. */
  brokerCount?: number;
  /** The cluster's network: nothing is looked up at synth. */
  vpcId: string;
  availabilityZones: readonly string[];
  privateSubnetIds: readonly string[];
  /** The cluster's security group: IAM-TLS ingress (9098) from the functions is added to it. */
  securityGroupId: string;
  /**
   * The rules the event source pollers need in the cluster's security group (9098 from and to itself, 443 out):
   * `create` adds them; `present` when the group already has them (EC2 refuses a duplicate rule). @default 'create'
   */
  pollerRules?: 'create' | 'present';
}

export type ClusterOptions = ProvisionedClusterOptions | ServerlessClusterOptions | ExistingClusterOptions;

export interface OperationsOptions {
  /** The most records one replay or publish request may carry (`-c operationsMaxRecords=N`). @default 1000 */
  maxRecordsPerRequest?: number;
}

export interface AlarmOptions {
  /** OffsetLag (records behind) above which a handler alarms; default 10000. */
  offsetLagThreshold: number;
  /** Minutes the lag must stay above the threshold; default 15. */
  offsetLagMinutes: number;
  /** Record age (seconds from a record's timestamp to its invocation) above which a handler alarms; default 300. */
  recordAgeSeconds: number;
  /** Minutes the oldest record of each batch must stay older than that; default 15. */
  recordAgeMinutes: number;
}

export interface KafkaLambdaOptions {
  cluster?: ClusterOptions;
  network?: NetworkOptions;
  /** Retention of function, broker and flow logs; default one month. */
  logRetention?: RetentionDays;
  alarms?: Partial<AlarmOptions>;
  /**
   * `retain` keeps the cluster (and anything using `statefulRemovalPolicy`) when it leaves the stack and turns on
   * termination protection; `destroy` deletes them with the stack. @default 'retain'
   */
  removal?: Removal;
  /** Days an on-failure batch is kept in a handler's on-failure bucket before S3 expires it. @default 90 */
  onFailureRetentionDays?: number;
  /**
   * The event source mappings as last deployed (event-sources.lock.json, written by `npm run deploy`): synth
   * refuses changes Lambda would reject or ignore. @default none: only the checks that need no history run
   */
  deployedEventSources?: EventSourceLock;
  /**
   * The ADOT Lambda layer of handlers declared with `deploy.tracing`, e.g. an AWSOpenTelemetryDistroJs layer with
   * `/opt/otel-instrument`. @default the CDK's ADOT JavaScript layer (legacy, embedded collector) with
   * `/opt/otel-handler`
   */
  tracingLayer?: { arn: string; execWrapper: string };
  /**
   * The operations function (infra/operations.ts): the kafka-lambda tools for this stack over Lambda Invoke.
   * `false` (`-c operations=false`) leaves it out. @default { maxRecordsPerRequest: 1000 }
   */
  operations?: false | OperationsOptions;
  /**
   * Bootstrap brokers to give the functions as KAFKA_BROKERS. Default: none, the functions use the
   * `bootstrapServers` every MSK event carries, so nothing has to be known at synth.
   */
  bootstrapBrokers?: string;
}

export const DEFAULTS = {
  brokerCount: 3,
  instanceType: 'kafka.m7g.large',
  volumeSizeGiB: 100,
  kafkaVersion: MSK_KAFKA_VERSION,
  zoneCount: 3,
  alarms: {
    offsetLagThreshold: 10_000,
    offsetLagMinutes: 15,
    recordAgeSeconds: 300,
    recordAgeMinutes: 15,
  } satisfies AlarmOptions,
  logRetention: RetentionDays.ONE_MONTH,
  removal: 'retain' as Removal,
  onFailureRetentionDays: 90,
  /** The MSK broker port for SASL/IAM over TLS. */
  iamTlsPort: 9098,
} as const;

/** Reads `cdk -c key=value` settings into options; unknown values fail loudly instead of deploying a surprise. */
export function optionsFromContext(get: (key: string) => unknown): KafkaLambdaOptions {
  const str = (key: string): string | undefined => {
    const value = get(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const oneOf = <T extends string>(key: string, values: readonly T[]): T | undefined => {
    const value = str(key);
    if (value !== undefined && !(values as readonly string[]).includes(value))
      throw new ContextError(key, value, `one of ${values.map((v) => `"${v}"`).join(', ')}`);
    return value as T | undefined;
  };
  const positiveInt = (key: string): number | undefined => {
    const value = str(key);
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new ContextError(key, value, 'a positive integer');
    return n;
  };
  const egress = oneOf<Egress>('egress', ['endpoints', 'nat']);
  const removal = oneOf<Removal>('removal', ['retain', 'destroy']);
  const onFailureRetentionDays = positiveInt('onFailureRetentionDays');
  const azs = str('availabilityZones')
    ?.split(',')
    .map((z) => z.trim());
  const clusterArn = str('clusterArn');
  const kind =
    oneOf('cluster', ['provisioned', 'serverless', 'existing'] as const) ??
    (clusterArn ? 'existing' : 'provisioned');
  const clusterName = str('clusterName');
  let cluster: ClusterOptions;
  if (kind === 'provisioned') {
    const brokers = positiveInt('brokerCount');
    cluster = {
      kind,
      ...(brokers !== undefined && { brokerCount: brokers }),
      ...(str('instanceType') !== undefined && { instanceType: str('instanceType') }),
      ...(str('kafkaVersion') !== undefined && { kafkaVersion: str('kafkaVersion') }),
      ...(clusterName !== undefined && { clusterName }),
    };
  } else if (kind === 'serverless') {
    cluster = { kind, ...(clusterName !== undefined && { clusterName }) };
  } else {
    const need = (key: string): string => {
      const value = str(key);
      if (value === undefined) throw new ContextError(key, undefined, 'an existing cluster needs it');
      return value;
    };
    const type = oneOf('clusterType', ['provisioned', 'serverless'] as const) ?? 'provisioned';
    const brokers = positiveInt('brokerCount');
    const pollerRules = oneOf('pollerRules', ['create', 'present'] as const);
    cluster = {
      kind,
      type,
      clusterArn: need('clusterArn'),
      vpcId: need('vpcId'),
      availabilityZones: need('availabilityZones').split(','),
      privateSubnetIds: need('privateSubnetIds').split(','),
      securityGroupId: need('clusterSecurityGroupId'),
      ...(brokers !== undefined && { brokerCount: brokers }),
      ...(pollerRules !== undefined && { pollerRules }),
    };
  }
  const brokers = str('bootstrapBrokers');
  const layerArn = str('tracingLayerArn');
  if (layerArn !== undefined && !/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[\w-]+:\d+$/.test(layerArn))
    throw new ContextError(
      'tracingLayerArn',
      layerArn,
      'a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)',
    );
  const operations = oneOf('operations', ['true', 'false'] as const);
  const operationsMax = positiveInt('operationsMaxRecords');
  return {
    ...(operations === 'false'
      ? { operations: false as const }
      : operationsMax !== undefined && { operations: { maxRecordsPerRequest: operationsMax } }),
    cluster,
    network: { ...(egress !== undefined && { egress }), ...(azs && { availabilityZones: azs }) },
    ...(brokers !== undefined && { bootstrapBrokers: brokers }),
    ...(layerArn !== undefined && {
      tracingLayer: { arn: layerArn, execWrapper: str('tracingExecWrapper') ?? '/opt/otel-instrument' },
    }),
    ...(removal !== undefined && { removal }),
    ...(onFailureRetentionDays !== undefined && { onFailureRetentionDays }),
  };
}
