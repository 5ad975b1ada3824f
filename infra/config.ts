import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { MSK_KAFKA_VERSION } from '../shared/kafka/version';

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
  clusterName?: string;
}

export interface ServerlessClusterOptions {
  kind: 'serverless';
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
}

export type ClusterOptions = ProvisionedClusterOptions | ServerlessClusterOptions | ExistingClusterOptions;

export interface AlarmOptions {
  /** OffsetLag (records behind) above which a handler alarms; default 10000. */
  offsetLagThreshold: number;
  /** Minutes the lag must stay above the threshold; default 15. */
  offsetLagMinutes: number;
}

export interface KafkaLambdaOptions {
  cluster?: ClusterOptions;
  network?: NetworkOptions;
  /** Retention of function, broker and flow logs; default one month. */
  logRetention?: RetentionDays;
  alarms?: Partial<AlarmOptions>;
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
  alarms: { offsetLagThreshold: 10_000, offsetLagMinutes: 15 } satisfies AlarmOptions,
  logRetention: RetentionDays.ONE_MONTH,
  /** The MSK broker port for SASL/IAM over TLS. */
  iamTlsPort: 9098,
} as const;

/** Reads `cdk -c key=value` settings into options; unknown values fail loudly instead of deploying a surprise. */
export function optionsFromContext(get: (key: string) => unknown): KafkaLambdaOptions {
  const str = (key: string): string | undefined => {
    const value = get(key);
    return value === undefined || value === null || value === '' ? undefined : String(value);
  };
  const egress = str('egress');
  if (egress !== undefined && egress !== 'nat' && egress !== 'endpoints') {
    throw new Error(`context egress must be "nat" or "endpoints", got "${egress}"`);
  }
  const azs = str('availabilityZones')
    ?.split(',')
    .map((z) => z.trim());
  const clusterArn = str('clusterArn');
  const kind = str('cluster') ?? (clusterArn ? 'existing' : 'provisioned');
  let cluster: ClusterOptions;
  if (kind === 'provisioned') {
    const brokers = str('brokerCount');
    cluster = {
      kind,
      ...(brokers !== undefined && { brokerCount: Number(brokers) }),
      ...(str('instanceType') !== undefined && { instanceType: str('instanceType') }),
      ...(str('kafkaVersion') !== undefined && { kafkaVersion: str('kafkaVersion') }),
    };
  } else if (kind === 'serverless') {
    cluster = { kind };
  } else if (kind === 'existing') {
    const need = (key: string): string => {
      const value = str(key);
      if (value === undefined) throw new Error(`an existing cluster needs context "${key}"`);
      return value;
    };
    const type = str('clusterType') ?? 'provisioned';
    if (type !== 'provisioned' && type !== 'serverless')
      throw new Error(`clusterType must be provisioned or serverless`);
    const brokers = str('brokerCount');
    cluster = {
      kind,
      type,
      clusterArn: need('clusterArn'),
      vpcId: need('vpcId'),
      availabilityZones: need('availabilityZones').split(','),
      privateSubnetIds: need('privateSubnetIds').split(','),
      securityGroupId: need('clusterSecurityGroupId'),
      ...(brokers !== undefined && { brokerCount: Number(brokers) }),
    };
  } else {
    throw new Error(`context cluster must be provisioned, serverless or existing, got "${kind}"`);
  }
  const brokers = str('bootstrapBrokers');
  return {
    cluster,
    network: { ...(egress !== undefined && { egress }), ...(azs && { availabilityZones: azs }) },
    ...(brokers !== undefined && { bootstrapBrokers: brokers }),
  };
}
