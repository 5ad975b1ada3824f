import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnCluster, CfnConfiguration, CfnServerlessCluster } from 'aws-cdk-lib/aws-msk';
import { Construct, type IDependable } from 'constructs';
import {
  DEFAULTS,
  type ClusterOptions,
  type ProvisionedClusterOptions,
  type ServerlessClusterOptions,
} from './config';
import {
  checkBrokerLayout,
  CLUSTER_MIN_INSYNC_REPLICAS,
  InfraInvariantError,
  type ReplicaCapacity,
} from './invariants';
import { digestOf } from './digest';
import type { KafkaNetworkRef } from './network';

/** What the rest of the stack needs to know about the cluster, whoever created it. */
export interface KafkaClusterRef {
  readonly type: 'provisioned' | 'serverless';
  readonly clusterArn: string;
  readonly capacity: ReplicaCapacity;
  /** False for a cluster brought by ARN: nothing of it is created or deleted here. */
  readonly created: boolean;
  /** The created cluster resource, for explicit ordering. */
  readonly resource?: IDependable;
}

/**
 * Broker settings that keep acknowledged writes safe (DESIGN.md, contract 6): three replicas by default, two in sync for a
 * write to succeed, no topic appearing because a client mistyped a name, no out-of-sync replica becoming leader.
 */
export const SERVER_PROPERTIES: Readonly<Record<string, string>> = {
  'auto.create.topics.enable': 'false',
  'default.replication.factor': '3',
  'min.insync.replicas': String(CLUSTER_MIN_INSYNC_REPLICAS),
  'unclean.leader.election.enable': 'false',
};

/** server.properties text; CloudFormation takes it as plain text (the API's base64 does not apply here). */
export function serverProperties(props: Readonly<Record<string, string>> = SERVER_PROPERTIES): string {
  return Object.entries(props)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

const CLUSTER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,63}$/;

/**
 * The default name carries a digest of the properties whose change replaces the cluster (subnets, security
 * groups, encryption key, authentication): CloudFormation creates the replacement before it removes (or, by
 * default, retains) the old one, and two MSK clusters cannot share a name. An explicit name is the deployer's.
 */
function clusterNameFor(scope: Construct, given: string | undefined, createOnly: unknown): string {
  const base = `${Stack.of(scope).stackName}-kafka`.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 55);
  const name = given ?? `${base}-${digestOf(scope, createOnly)}`;
  if (!CLUSTER_NAME.test(name)) {
    throw new InfraInvariantError(
      `cluster name "${name}" must be 1-64 of a-z, A-Z, 0-9 and "-", starting alphanumeric`,
    );
  }
  return name;
}

/** A provisioned MSK cluster: IAM auth only, TLS everywhere, KMS at rest, broker logs, safe broker defaults. */
export class ProvisionedKafkaCluster extends Construct implements KafkaClusterRef {
  readonly type = 'provisioned' as const;
  readonly clusterArn: string;
  readonly capacity: ReplicaCapacity;
  readonly created = true;
  readonly resource: CfnCluster;
  readonly configuration: CfnConfiguration;
  readonly key: Key;
  readonly brokerLogs: LogGroup;

  constructor(
    scope: Construct,
    id: string,
    options: ProvisionedClusterOptions,
    network: KafkaNetworkRef,
    context: ClusterContext,
  ) {
    super(scope, id);
    const brokerCount = options.brokerCount ?? DEFAULTS.brokerCount;
    checkBrokerLayout(brokerCount, network.zoneCount);
    const kafkaVersion = options.kafkaVersion ?? DEFAULTS.kafkaVersion;
    const clientSubnets = network.vpc.selectSubnets(network.subnets).subnetIds;
    const securityGroups = [network.clusterSecurityGroup.securityGroupId];

    this.key = new Key(this, 'DataKey', {
      description: 'Encrypts the broker volumes of the MSK cluster',
      enableKeyRotation: true,
      removalPolicy: context.removalPolicy,
    });
    const clusterName = clusterNameFor(this, options.clusterName, {
      clientSubnets,
      securityGroups,
      key: this.key.keyArn,
    });
    this.brokerLogs = new LogGroup(this, 'BrokerLogs', {
      retention: context.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // KafkaVersionsList (and Name) are create-only: a new version makes a new configuration, so its name carries
    // the version, or the replacement would collide with the configuration it replaces.
    this.configuration = new CfnConfiguration(this, 'Configuration', {
      name: `${clusterName}-config-${kafkaVersion.replace(/[^a-zA-Z0-9]/g, '-')}`,
      description: 'Durable defaults: RF 3, min ISR 2, no topic auto-creation, no unclean leader election',
      kafkaVersionsList: [kafkaVersion],
      serverProperties: serverProperties(),
    });
    this.resource = new CfnCluster(this, 'Cluster', {
      clusterName,
      kafkaVersion,
      numberOfBrokerNodes: brokerCount,
      brokerNodeGroupInfo: {
        clientSubnets,
        instanceType: options.instanceType ?? DEFAULTS.instanceType,
        securityGroups,
        storageInfo: { ebsStorageInfo: { volumeSize: options.volumeSizeGiB ?? DEFAULTS.volumeSizeGiB } },
      },
      clientAuthentication: { sasl: { iam: { enabled: true } }, unauthenticated: { enabled: false } },
      encryptionInfo: {
        encryptionAtRest: { dataVolumeKmsKeyId: this.key.keyArn },
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      configurationInfo: {
        arn: this.configuration.attrArn,
        revision: this.configuration.attrLatestRevisionRevision,
      },
      loggingInfo: {
        brokerLogs: { cloudWatchLogs: { enabled: true, logGroup: this.brokerLogs.logGroupName } },
      },
      enhancedMonitoring: 'PER_BROKER',
    });
    // A retained cluster keeps its configuration: MSK refuses to delete a configuration a cluster uses.
    this.resource.applyRemovalPolicy(context.removalPolicy);
    this.configuration.applyRemovalPolicy(context.removalPolicy);
    this.clusterArn = this.resource.attrArn;
    this.capacity = { kind: 'provisioned', brokers: brokerCount };
  }
}

/** MSK Serverless: IAM auth, always encrypted, capacity and replication managed by the service. */
export class ServerlessKafkaCluster extends Construct implements KafkaClusterRef {
  readonly type = 'serverless' as const;
  readonly clusterArn: string;
  readonly capacity: ReplicaCapacity = { kind: 'serverless' };
  readonly created = true;
  readonly resource: CfnServerlessCluster;

  constructor(
    scope: Construct,
    id: string,
    options: ServerlessClusterOptions,
    network: KafkaNetworkRef,
    context: ClusterContext,
  ) {
    super(scope, id);
    const clientAuthentication = { sasl: { iam: { enabled: true } } };
    const vpcConfigs = [
      {
        subnetIds: network.vpc.selectSubnets(network.subnets).subnetIds,
        securityGroups: [network.clusterSecurityGroup.securityGroupId],
      },
    ];
    this.resource = new CfnServerlessCluster(this, 'Cluster', {
      // Every property of a serverless cluster is create-only: all of them go into the name's digest.
      clusterName: clusterNameFor(this, options.clusterName, { clientAuthentication, vpcConfigs }),
      clientAuthentication,
      vpcConfigs,
    });
    this.resource.applyRemovalPolicy(context.removalPolicy);
    this.clusterArn = this.resource.attrArn;
  }
}

/** What a created cluster takes from the stack. */
export interface ClusterContext {
  logRetention: RetentionDays;
  /** The stack's `statefulRemovalPolicy`: RETAIN unless the deployer asked for a throwaway stack. */
  removalPolicy: RemovalPolicy;
}

/** Creates the cluster the options ask for, or refers to an existing one by ARN. */
export function kafkaCluster(
  scope: Construct,
  options: ClusterOptions,
  network: KafkaNetworkRef,
  context: ClusterContext,
): KafkaClusterRef {
  switch (options.kind) {
    case 'provisioned':
      return new ProvisionedKafkaCluster(scope, 'Kafka', options, network, context);
    case 'serverless':
      return new ServerlessKafkaCluster(scope, 'Kafka', options, network, context);
    case 'existing': {
      if (!/^arn:[a-z-]+:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[^/]+$/.test(options.clusterArn)) {
        throw new InfraInvariantError(`clusterArn "${options.clusterArn}" is not an MSK cluster ARN`);
      }
      if (options.type === 'serverless') {
        return {
          type: 'serverless',
          clusterArn: options.clusterArn,
          capacity: { kind: 'serverless' },
          created: false,
        };
      }
      const brokers = options.brokerCount;
      if (brokers === undefined || !Number.isInteger(brokers) || brokers < 1) {
        throw new InfraInvariantError(
          'an existing provisioned cluster needs brokerCount to check topic replication against',
        );
      }
      return {
        type: 'provisioned',
        clusterArn: options.clusterArn,
        capacity: { kind: 'provisioned', brokers },
        created: false,
      };
    }
  }
}
