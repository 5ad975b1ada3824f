import { RemovalPolicy } from 'aws-cdk-lib';
import { MSK_KAFKA_VERSION } from '../../shared/kafka/version';
import type { ExistingClusterOptions } from '../../infra/config';
import type { AppManifest } from '../../shared/declarations/app';
import {
  asList,
  exampleManifest,
  existingCluster,
  EXISTING_CLUSTER_ARN,
  fixtureManifest,
  logicalIdOf,
  renderArn,
  resourcesOf,
  statementsOfRole,
  synthesize,
  SYNTH_TIMEOUT_MS,
  topicArn,
  type Synthesized,
} from './support/synth';

/** The options other than the defaults: NAT egress, MSK Serverless, an existing cluster, explicit zones. */

const CLUSTER_ARN = EXISTING_CLUSTER_ARN;

describe('egress through NAT gateways', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(exampleManifest(), { network: { egress: 'nat' } }, { bundle: false });
  }, SYNTH_TIMEOUT_MS);

  test('public subnets with one NAT gateway per zone; brokers stay in private subnets; only the S3 gateway endpoint', () => {
    synth.template.resourceCountIs('AWS::EC2::NatGateway', 3);
    synth.template.resourceCountIs('AWS::EC2::InternetGateway', 1);
    synth.template.resourceCountIs('AWS::EC2::Subnet', 6);
    // Gateway endpoints only, no interface endpoints: S3 (the on-failure destinations, written from the cluster's
    // subnets in both egress modes) and DynamoDB (the tables, test/infra/tables.test.ts).
    const endpoints = resourcesOf(synth.json, 'AWS::EC2::VPCEndpoint').map(([, p]) => p);
    expect(endpoints.map((e) => e.VpcEndpointType)).toEqual(['Gateway', 'Gateway']);
    const services = endpoints.map((e) => JSON.stringify(e.ServiceName));
    expect(services.some((s) => s.includes('.s3'))).toBe(true);
    expect(services.some((s) => s.includes('.dynamodb'))).toBe(true);
    const [, cluster] = resourcesOf(synth.json, 'AWS::MSK::Cluster')[0]!;
    const subnets = (cluster.BrokerNodeGroupInfo as { ClientSubnets: { Ref: string }[] }).ClientSubnets;
    expect(subnets.map((s) => s.Ref).every((id) => /private/i.test(id))).toBe(true);
  });
});

describe('explicit zone names', () => {
  test('are used as given, still three', () => {
    const zones = ['eu-central-1a', 'eu-central-1b', 'eu-central-1c'];
    const synth = synthesize(exampleManifest(), { network: { availabilityZones: zones } }, { bundle: false });
    expect(resourcesOf(synth.json, 'AWS::EC2::Subnet').map(([, p]) => p.AvailabilityZone)).toEqual(zones);
  });
});

describe('MSK Serverless', () => {
  let manifest: AppManifest;
  let synth: Synthesized;
  beforeAll(() => {
    manifest = fixtureManifest();
    synth = synthesize(manifest, { cluster: { kind: 'serverless' } }, { bundle: false });
  }, SYNTH_TIMEOUT_MS);

  test('a serverless cluster with IAM auth in the private subnets, and no provisioned cluster or configuration', () => {
    synth.template.resourceCountIs('AWS::MSK::Cluster', 0);
    synth.template.resourceCountIs('AWS::MSK::Configuration', 0);
    synth.template.resourceCountIs('AWS::MSK::ServerlessCluster', 1);
    const [, cluster] = resourcesOf(synth.json, 'AWS::MSK::ServerlessCluster')[0]!;
    expect(cluster.ClientAuthentication).toEqual({ Sasl: { Iam: { Enabled: true } } });
    const vpc = (cluster.VpcConfigs as { SubnetIds: unknown[]; SecurityGroups: unknown[] }[])[0]!;
    expect(vpc.SubnetIds).toHaveLength(3);
    expect(vpc.SecurityGroups).toEqual([
      { 'Fn::GetAtt': [logicalIdOf(synth.stack, synth.stack.network.clusterSecurityGroup), 'GroupId'] },
    ]);
  });

  test('topics are custom resources driven by the Kafka admin client, retained, without min.insync.replicas', () => {
    synth.template.resourceCountIs('AWS::MSK::Topic', 0);
    const topics = Object.values(synth.json.Resources).filter((r) => r.Type === 'Custom::KafkaTopic');
    expect(topics.map((t) => t.Properties!.TopicName).sort()).toEqual(
      manifest.topics.map((t) => t.name).sort(),
    );
    for (const t of topics) {
      expect(t.DeletionPolicy).toBe('Retain');
      const declared = manifest.topics.find((d) => d.name === t.Properties!.TopicName)!;
      expect(t.Properties!.Partitions).toBe(declared.partitions);
      expect(t.Properties!.ReplicationFactor).toBe(declared.replicationFactor);
      const { ['min.insync.replicas']: _fixed, ...rest } = declared.config;
      expect(t.Properties!.Config).toEqual(rest);
      expect(t.Properties!.BootstrapBrokers).toEqual(
        expect.objectContaining({ 'Fn::GetAtt': expect.any(Array) }),
      );
    }
  });

  test('the topic admin function runs in the VPC and may manage exactly the declared topics', () => {
    const adminRole = Object.entries(synth.json.Resources).find(
      ([id, r]) => r.Type === 'AWS::IAM::Role' && id.startsWith('TopicsAdminRole'),
    )![0];
    const manage = statementsOfRole(synth.json, adminRole).find(
      (s) => s.Sid === 'KafkaManageDeclaredTopics',
    )!;
    expect(asList(manage.Resource).map(renderArn).sort()).toEqual(
      manifest.topics.map((t) => topicArn(t.name)).sort(),
    );
    expect(asList(manage.Action)).not.toContain('kafka-cluster:DeleteTopic');
    const adminFn = Object.entries(synth.json.Resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('TopicsAdminFunction'),
    )![1];
    expect((adminFn.Properties!.VpcConfig as { SubnetIds: unknown[] }).SubnetIds).toHaveLength(3);
  });

  test('bootstrap brokers are read once at deploy and given to the handlers as KAFKA_BROKERS', () => {
    synth.template.hasResourceProperties('Custom::AWS', {});
    const lookup = Object.values(synth.json.Resources).find((r) => r.Type === 'Custom::AWS')!;
    expect(JSON.stringify(lookup.Properties!.Update)).toContain('getBootstrapBrokers');
    for (const h of synth.stack.handlers.values()) {
      const env = (
        synth.json.Resources[logicalIdOf(synth.stack, h.function.fn)]!.Properties!.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(env.KAFKA_BROKERS).toEqual({
        'Fn::GetAtt': [expect.any(String), 'BootstrapBrokerStringSaslIam'],
      });
    }
  });

  test("the handlers' mappings point at the serverless cluster", () => {
    const clusterId = resourcesOf(synth.json, 'AWS::MSK::ServerlessCluster')[0]![0];
    for (const [, m] of resourcesOf(synth.json, 'AWS::Lambda::EventSourceMapping')) {
      expect(m.EventSourceArn).toEqual({ 'Fn::GetAtt': [clusterId, 'Arn'] });
    }
  });
});

describe('an existing cluster by ARN', () => {
  let synth: Synthesized;
  beforeAll(() => {
    synth = synthesize(
      exampleManifest(),
      {
        cluster: existingCluster,
        bootstrapBrokers: 'b-1.shared:9098,b-2.shared:9098',
      },
      { bundle: false },
    );
  }, SYNTH_TIMEOUT_MS);

  test('creates no cluster, configuration, key or VPC', () => {
    for (const type of [
      'AWS::MSK::Cluster',
      'AWS::MSK::Configuration',
      'AWS::KMS::Key',
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
    ]) {
      synth.template.resourceCountIs(type, 0);
    }
  });

  test('adopts its topics through the custom resource, and opens its security group on 9098 only', () => {
    // AWS::MSK::Topic fails for a topic that already exists: the custom resource adopts and reconciles instead.
    synth.template.resourceCountIs('AWS::MSK::Topic', 0);
    const topics = resourcesOf(synth.json, 'Custom::KafkaTopic');
    expect(topics.length).toBeGreaterThan(0);
    for (const [, t] of topics) {
      expect(t.ClusterArn).toBe(CLUSTER_ARN);
      expect(t.CreateOnlyConfigs).toEqual([]);
    }
    const ingress = resourcesOf(synth.json, 'AWS::EC2::SecurityGroupIngress').map(([, p]) => p);
    expect(ingress).toHaveLength(2);
    for (const rule of ingress) {
      expect(rule).toMatchObject({
        GroupId: 'sg-0123456789abcdef0',
        FromPort: 9098,
        ToPort: 9098,
        IpProtocol: 'tcp',
      });
    }
    // The pollers' own path: 9098 from the group to itself, and HTTPS out, written to the existing group.
    expect(ingress.map((r) => r.SourceSecurityGroupId)).toContain('sg-0123456789abcdef0');
    const egress = resourcesOf(synth.json, 'AWS::EC2::SecurityGroupEgress').map(([, p]) => [
      p.GroupId,
      p.FromPort,
    ]);
    expect(egress).toEqual(
      expect.arrayContaining([
        ['sg-0123456789abcdef0', 9098],
        ['sg-0123456789abcdef0', 443],
      ]),
    );
  });

  test('pollerRules "present": nothing is written to a group that already has the rules', () => {
    const present = synthesize(
      exampleManifest(),
      {
        cluster: { ...(existingCluster as ExistingClusterOptions), pollerRules: 'present' },
        bootstrapBrokers: 'b-1.shared:9098',
      },
      { bundle: false },
    );
    const ingress = resourcesOf(present.json, 'AWS::EC2::SecurityGroupIngress').map(([, p]) => p);
    expect(ingress.map((r) => r.SourceSecurityGroupId)).not.toContain('sg-0123456789abcdef0');
    // The only egress rule left is the functions' HTTPS to DynamoDB for the tables (test/infra/tables.test.ts).
    const egress = resourcesOf(present.json, 'AWS::EC2::SecurityGroupEgress').map(([, p]) => p);
    expect(egress.map((r) => r.GroupId)).not.toContain('sg-0123456789abcdef0');
    expect(egress).toEqual([expect.objectContaining({ FromPort: 443, ToPort: 443 })]);
  });

  test('scopes IAM to the cluster by its name and uuid, and passes the given brokers', () => {
    for (const h of synth.stack.handlers.values()) {
      const read = statementsOfRole(synth.json, logicalIdOf(synth.stack, h.function.role)).find(
        (s) => s.Sid === 'KafkaReadSourceTopics',
      )!;
      for (const arn of asList(read.Resource).map(renderArn)) {
        expect(arn).toMatch(
          /^arn:\$\{Partition\}:kafka:\$\{Region\}:\$\{Account\}:topic\/shared-kafka\/0f0f0f0f-1111-2222-3333-444444444444-3\/\w+_item_change$/,
        );
      }
      const env = (
        synth.json.Resources[logicalIdOf(synth.stack, h.function.fn)]!.Properties!.Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
      expect(env.KAFKA_BROKERS).toBe('b-1.shared:9098,b-2.shared:9098');
      const vpc = synth.json.Resources[logicalIdOf(synth.stack, h.function.fn)]!.Properties!.VpcConfig as {
        SubnetIds: unknown[];
      };
      expect(vpc.SubnetIds).toEqual([
        'subnet-0123456789abcdef1',
        'subnet-0123456789abcdef2',
        'subnet-0123456789abcdef3',
      ]);
    }
  });

  test('an existing provisioned cluster needs its broker count, and a real cluster ARN', () => {
    const base = {
      kind: 'existing' as const,
      type: 'provisioned' as const,
      vpcId: 'vpc-1',
      availabilityZones: ['a', 'b', 'c'],
      privateSubnetIds: ['s1', 's2', 's3'],
      securityGroupId: 'sg-1',
    };
    expect(() =>
      synthesize(exampleManifest(), { cluster: { ...base, clusterArn: CLUSTER_ARN } }, { bundle: false }),
    ).toThrow(/needs brokerCount/);
    expect(() =>
      synthesize(
        exampleManifest(),
        { cluster: { ...base, brokerCount: 3, clusterArn: 'arn:aws:s3:::bucket' } },
        { bundle: false },
      ),
    ).toThrow(/is not an MSK cluster ARN/);
  });
});

describe('nothing is deleted by accident', () => {
  let retained: Synthesized;
  let throwaway: Synthesized;
  beforeAll(() => {
    retained = synthesize(fixtureManifest(), {}, { bundle: false });
    throwaway = synthesize(
      fixtureManifest(),
      { removal: 'destroy', onFailureRetentionDays: 14 },
      { bundle: false },
    );
  }, SYNTH_TIMEOUT_MS);

  test('by default the cluster, its configuration and key are retained and the stack is termination-protected', () => {
    expect(retained.stack.terminationProtection).toBe(true);
    expect(retained.stack.statefulRemovalPolicy).toBe(RemovalPolicy.RETAIN);
    for (const type of ['AWS::MSK::Cluster', 'AWS::MSK::Configuration', 'AWS::KMS::Key']) {
      const resource = Object.values(retained.json.Resources).find((r) => r.Type === type)!;
      expect([type, resource.DeletionPolicy, resource.UpdateReplacePolicy]).toEqual([
        type,
        'Retain',
        'Retain',
      ]);
    }
  });

  test('removal=destroy: a throwaway stack deletes them and is not protected', () => {
    expect(throwaway.stack.terminationProtection).toBe(false);
    for (const [, r] of Object.entries(throwaway.json.Resources).filter(
      ([, r]) => r.Type === 'AWS::MSK::Cluster',
    ))
      expect(r.DeletionPolicy).toBe('Delete');
  });

  test('on-failure batches expire after the configured days (default 90), old versions a day later', () => {
    const rules = (s: Synthesized) =>
      resourcesOf(s.json, 'AWS::S3::Bucket').map(
        ([, p]) => (p.LifecycleConfiguration as { Rules: Record<string, unknown>[] }).Rules[0],
      );
    expect(rules(retained)).toEqual([
      expect.objectContaining({
        ExpirationInDays: 90,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      }),
    ]);
    expect(rules(throwaway)).toEqual([expect.objectContaining({ ExpirationInDays: 14 })]);
  });

  test('names that a replacement would collide on carry what makes them change', () => {
    const [, cluster] = resourcesOf(retained.json, 'AWS::MSK::Cluster')[0]!;
    expect(cluster.ClusterName).toMatch(/^Test-kafka-[0-9a-f]{8}$/);
    const [, configuration] = resourcesOf(retained.json, 'AWS::MSK::Configuration')[0]!;
    expect(configuration.Name).toBe(
      `${cluster.ClusterName as string}-config-${MSK_KAFKA_VERSION.replace(/\./g, '-')}`,
    );
  });
});
