import { Fn, RemovalPolicy } from 'aws-cdk-lib';
import {
  FlowLogDestination,
  FlowLogTrafficType,
  GatewayVpcEndpointAwsService,
  InterfaceVpcEndpointAwsService,
  IpAddresses,
  Peer,
  Port,
  SecurityGroup,
  SubnetType,
  type CfnSecurityGroup,
  Vpc,
  type ISecurityGroup,
  type IVpc,
  type SubnetSelection,
} from 'aws-cdk-lib/aws-ec2';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULTS, type Egress, type ExistingClusterOptions, type NetworkOptions } from './config';
import { InfraInvariantError } from './invariants';
import { ACCEPTED, acknowledge } from './nag';

/** Where the cluster and the functions live, and the two security groups between them. */
export interface KafkaNetworkRef {
  readonly vpc: IVpc;
  /** The private subnets, one per zone: brokers, event source pollers and functions. */
  readonly subnets: SubnetSelection;
  readonly zoneCount: number;
  /** Brokers and the event source mapping's pollers (Lambda puts them in the cluster's subnets and group). */
  readonly clusterSecurityGroup: ISecurityGroup;
  /** The functions: the only clients allowed to reach the brokers, on the IAM/TLS port only. */
  readonly functionSecurityGroup: ISecurityGroup;
  readonly egress: Egress | 'existing';
  /** The interface endpoints' group (Lambda, STS) in `endpoints` egress; absent otherwise. */
  readonly endpointSecurityGroup?: ISecurityGroup;
}

/**
 * The three zones the stack uses. Explicit names when given; otherwise the first three zones of whatever region
 * the stack deploys to (`Fn::GetAZs`), which keeps the template environment-agnostic and synth offline.
 */
export function threeZones(explicit: readonly string[] | undefined): string[] {
  if (explicit !== undefined) {
    if (explicit.length !== DEFAULTS.zoneCount || new Set(explicit).size !== DEFAULTS.zoneCount) {
      throw new InfraInvariantError(
        `availabilityZones must name exactly ${DEFAULTS.zoneCount} distinct zones, got [${explicit.join(', ')}]`,
      );
    }
    return [...explicit];
  }
  return [0, 1, 2].map((i) => Fn.select(i, Fn.getAzs()));
}

/**
 * The functions' security group: egress to the brokers on the IAM/TLS port and nothing else. The rule is written
 * inline (SecurityGroupEgress): EC2 drops its default allow-all egress only for rules given there, not for
 * separate AWS::EC2::SecurityGroupEgress resources, which is how CDK would render a rule to another group.
 */
function functionSecurityGroupFor(scope: Construct, vpc: IVpc, brokers: ISecurityGroup): SecurityGroup {
  const group = new SecurityGroup(scope, 'FunctionSecurityGroup', {
    vpc,
    description: 'Kafka handler functions: egress to the brokers on the IAM/TLS port only',
    allowAllOutbound: false,
  });
  (group.node.defaultChild as CfnSecurityGroup).addPropertyOverride('SecurityGroupEgress', [
    {
      IpProtocol: 'tcp',
      FromPort: DEFAULTS.iamTlsPort,
      ToPort: DEFAULTS.iamTlsPort,
      DestinationSecurityGroupId: brokers.securityGroupId,
      Description: 'Kafka IAM/TLS to the brokers',
    },
  ]);
  brokers.addIngressRule(group, Port.tcp(DEFAULTS.iamTlsPort), 'Kafka IAM/TLS from the handler functions');
  return group;
}

/** A new VPC over three zones, brokers in private subnets, and the chosen egress for the event source pollers. */
export class KafkaNetwork extends Construct implements KafkaNetworkRef {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly zoneCount = DEFAULTS.zoneCount;
  readonly clusterSecurityGroup: ISecurityGroup;
  readonly functionSecurityGroup: ISecurityGroup;
  readonly egress: Egress;
  readonly endpointSecurityGroup?: ISecurityGroup;

  constructor(scope: Construct, id: string, options: NetworkOptions & { logRetention: RetentionDays }) {
    super(scope, id);
    this.egress = options.egress ?? 'endpoints';
    const nat = this.egress === 'nat';
    const privateType = nat ? SubnetType.PRIVATE_WITH_EGRESS : SubnetType.PRIVATE_ISOLATED;
    const natGateways = nat ? (options.natGateways ?? DEFAULTS.zoneCount) : 0;
    if (nat && (!Number.isInteger(natGateways) || natGateways < 1 || natGateways > DEFAULTS.zoneCount)) {
      throw new InfraInvariantError(`natGateways must be 1 to ${DEFAULTS.zoneCount}, got ${natGateways}`);
    }

    const vpc = new Vpc(this, 'Vpc', {
      ipAddresses: IpAddresses.cidr(options.cidr ?? '10.40.0.0/16'),
      availabilityZones: threeZones(options.availabilityZones),
      natGateways,
      // Private first: CIDRs are allocated in this order, so the brokers' subnets keep their addresses (and the
      // cluster, whose subnets are create-only, stays) when the egress mode switches and public subnets come or go.
      subnetConfiguration: [
        { name: 'private', subnetType: privateType, cidrMask: 20 },
        ...(nat ? [{ name: 'public', subnetType: SubnetType.PUBLIC, cidrMask: 24 }] : []),
      ],
    });
    this.vpc = vpc;
    this.subnets = { subnetType: privateType };
    if (options.availabilityZones !== undefined) acknowledge(vpc, ACCEPTED.explicitZones);

    const flowLogs = new LogGroup(this, 'FlowLogs', {
      retention: options.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    vpc.addFlowLog('FlowLog', {
      destination: FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: FlowLogTrafficType.REJECT,
    });

    const clusterSecurityGroup = new SecurityGroup(this, 'ClusterSecurityGroup', {
      vpc,
      description: 'MSK brokers and the Lambda event source pollers (which use the cluster security group)',
      allowAllOutbound: false,
    });
    pollerRules(clusterSecurityGroup);
    const functionSecurityGroup = functionSecurityGroupFor(this, vpc, clusterSecurityGroup);
    this.clusterSecurityGroup = clusterSecurityGroup;
    this.functionSecurityGroup = functionSecurityGroup;

    if (!nat) {
      const endpointSecurityGroup = new SecurityGroup(this, 'EndpointSecurityGroup', {
        vpc,
        description: 'Interface endpoints: HTTPS from the event source pollers only',
        allowAllOutbound: false,
      });
      endpointSecurityGroup.addIngressRule(
        clusterSecurityGroup,
        Port.tcp(443),
        'HTTPS from the event source pollers',
      );
      for (const [name, service] of [
        ['Lambda', InterfaceVpcEndpointAwsService.LAMBDA],
        ['Sts', InterfaceVpcEndpointAwsService.STS],
      ] as const) {
        vpc.addInterfaceEndpoint(`${name}Endpoint`, {
          service,
          subnets: this.subnets,
          securityGroups: [endpointSecurityGroup],
          open: false,
          privateDnsEnabled: true,
        });
      }
      this.endpointSecurityGroup = endpointSecurityGroup;
    }
    // On-failure destinations of the event source mappings are S3 buckets, written by the pollers from the
    // cluster's subnets: a gateway endpoint keeps that traffic in the VPC in both egress modes (free, no NAT bytes).
    vpc.addGatewayEndpoint('S3Endpoint', {
      service: GatewayVpcEndpointAwsService.S3,
      subnets: [this.subnets],
    });
  }
}

/**
 * What the event source mapping's pollers need in the cluster's security group (their ENIs carry it; AWS's
 * network guidance for MSK event sources): Kafka IAM/TLS to the brokers in the same group, and HTTPS out to
 * Lambda, STS and S3. HTTPS goes to any address because S3's addresses are a per-region prefix list unknown at
 * synth; the route tables decide where it can go (endpoints mode: only the interface and S3 gateway endpoints,
 * there is no other route; nat mode: through the NAT gateways). The brokers themselves initiate nothing else.
 */
function pollerRules(group: ISecurityGroup): void {
  const port = Port.tcp(DEFAULTS.iamTlsPort);
  group.addIngressRule(
    group,
    port,
    'Kafka IAM/TLS from the Lambda event source pollers (their ENIs carry this group)',
  );
  group.addEgressRule(group, port, 'Kafka IAM/TLS from the event source pollers to the brokers');
  group.addEgressRule(
    Peer.anyIpv4(),
    Port.tcp(443),
    'HTTPS from the event source pollers to Lambda, STS and S3',
  );
}

/** An existing cluster's network, referenced by ids only (no lookup at synth). */
export class ExistingKafkaNetwork extends Construct implements KafkaNetworkRef {
  readonly vpc: IVpc;
  readonly subnets: SubnetSelection;
  readonly zoneCount: number;
  readonly clusterSecurityGroup: ISecurityGroup;
  readonly functionSecurityGroup: ISecurityGroup;
  readonly egress = 'existing' as const;

  constructor(scope: Construct, id: string, options: ExistingClusterOptions) {
    super(scope, id);
    const zones = threeZones(options.availabilityZones);
    if (options.privateSubnetIds.length !== zones.length) {
      throw new InfraInvariantError(
        `an existing cluster needs one private subnet per zone: ${zones.length} zones, ${options.privateSubnetIds.length} subnets`,
      );
    }
    this.vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: options.vpcId,
      availabilityZones: zones,
      privateSubnetIds: [...options.privateSubnetIds],
    });
    this.subnets = { subnets: this.vpc.privateSubnets };
    acknowledge(this, ACCEPTED.importedSubnetRouteTables);
    this.zoneCount = zones.length;
    // Imported as not allowing all outbound, so the poller rules below are really written to it.
    this.clusterSecurityGroup = SecurityGroup.fromSecurityGroupId(
      this,
      'ClusterSecurityGroup',
      options.securityGroupId,
      { mutable: true, allowAllOutbound: false },
    );
    // EC2 refuses a rule that already exists: a group that has them already says so (pollerRules: 'present').
    if ((options.pollerRules ?? 'create') === 'create') pollerRules(this.clusterSecurityGroup);
    this.functionSecurityGroup = functionSecurityGroupFor(this, this.vpc, this.clusterSecurityGroup);
  }
}
