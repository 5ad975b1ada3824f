import { Match } from 'aws-cdk-lib/assertions';
import { MSK_KAFKA_VERSION } from '../../shared/kafka/version';
import type { AppManifest } from '../../shared/declarations/app';
import { SERVER_PROPERTIES, serverProperties } from '../../infra/cluster';
import { planHandler } from '../../shared/declarations/app-plan';
import { FAILED_RECORDS_METRIC } from '../../infra/alarms';
import { DIMENSION, METRIC, METRICS_NAMESPACE } from '../../shared/observability/emf';
import {
  asList,
  exampleManifest,
  groupArn,
  logicalIdOf,
  renderArn,
  resourcesOf,
  statementsOfRole,
  synthesize,
  SYNTH_TIMEOUT_MS,
  topicArn,
  type Synthesized,
} from './support/synth';

/** The example application (functions/), deployed with every default: provisioned cluster, endpoint egress. */
let manifest: AppManifest;
let synth: Synthesized;

beforeAll(() => {
  manifest = exampleManifest();
  synth = synthesize(manifest);
}, SYNTH_TIMEOUT_MS);

const azSelect = (i: number) => ({ 'Fn::Select': [i, { 'Fn::GetAZs': '' }] });
const ref = (id: string) => ({ Ref: id });
const idOf = (type: string, match: (props: Record<string, unknown>) => boolean): string => {
  const found = resourcesOf(synth.json, type).filter(([, p]) => match(p));
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]![0];
};

describe('network', () => {
  test('a VPC over exactly three zones, resolved at deploy time (never the two-zone default)', () => {
    const subnets = resourcesOf(synth.json, 'AWS::EC2::Subnet');
    expect(subnets).toHaveLength(3);
    expect(subnets.map(([, p]) => p.AvailabilityZone)).toEqual([azSelect(0), azSelect(1), azSelect(2)]);
    expect(synth.stack.availabilityZones).toHaveLength(3);
  });

  test('brokers live in private subnets: no internet gateway, no public IPs, no NAT by default', () => {
    synth.template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    synth.template.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const [, subnet] of resourcesOf(synth.json, 'AWS::EC2::Subnet'))
      expect(subnet.MapPublicIpOnLaunch).toBe(false);
  });

  test('endpoint egress: interface endpoints for Lambda and STS, S3 gateway endpoint, reachable only from the pollers', () => {
    const endpoints = resourcesOf(synth.json, 'AWS::EC2::VPCEndpoint');
    const services = endpoints.map(([, p]) => JSON.stringify(p.ServiceName));
    expect(services.some((s) => s.includes('.lambda'))).toBe(true);
    expect(services.some((s) => s.includes('.sts'))).toBe(true);
    expect(services.some((s) => s.includes('.s3'))).toBe(true);
    for (const [, p] of endpoints.filter(([, e]) => e.VpcEndpointType === 'Interface')) {
      expect(p.PrivateDnsEnabled).toBe(true);
      expect(p.SubnetIds).toHaveLength(3);
    }
    const clusterSg = logicalIdOf(synth.stack, synth.stack.network.clusterSecurityGroup);
    const endpointIngress = resourcesOf(synth.json, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, p]) => p.FromPort === 443,
    );
    // The pollers, and the operations function's HTTPS group (test/infra/operations.test.ts).
    const operationsSg = logicalIdOf(
      synth.stack,
      synth.stack.node.findChild('Operations').node.findChild('LambdaApiEgress'),
    );
    expect(endpointIngress.map(([, p]) => p.SourceSecurityGroupId)).toEqual([
      { 'Fn::GetAtt': [clusterSg, 'GroupId'] },
      { 'Fn::GetAtt': [operationsSg, 'GroupId'] },
    ]);
  });

  test('the brokers accept only Kafka IAM/TLS (9098), from the functions and the event source pollers', () => {
    const clusterSg = logicalIdOf(synth.stack, synth.stack.network.clusterSecurityGroup);
    const functionSg = logicalIdOf(synth.stack, synth.stack.network.functionSecurityGroup);
    const clusterIngress = resourcesOf(synth.json, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, p]) => JSON.stringify(p.GroupId) === JSON.stringify({ 'Fn::GetAtt': [clusterSg, 'GroupId'] }),
    );
    const rules = clusterIngress.map(([, p]) => [
      p.IpProtocol,
      p.FromPort,
      p.ToPort,
      p.SourceSecurityGroupId,
    ]);
    expect(rules).toHaveLength(2);
    expect(rules).toEqual(
      expect.arrayContaining([
        ['tcp', 9098, 9098, { 'Fn::GetAtt': [clusterSg, 'GroupId'] }],
        ['tcp', 9098, 9098, { 'Fn::GetAtt': [functionSg, 'GroupId'] }],
      ]),
    );
    const sgs = Object.fromEntries(resourcesOf(synth.json, 'AWS::EC2::SecurityGroup'));
    expect(sgs[clusterSg]!.SecurityGroupIngress).toBeUndefined();
    expect(sgs[functionSg]!.SecurityGroupIngress).toBeUndefined();
    // The functions may talk to the brokers and nothing else: the rule is inline, which removes EC2's default
    // allow-all egress (a separate SecurityGroupEgress resource would not).
    expect(sgs[functionSg]!.SecurityGroupEgress).toEqual([
      {
        IpProtocol: 'tcp',
        FromPort: 9098,
        ToPort: 9098,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [clusterSg, 'GroupId'] },
        Description: 'Kafka IAM/TLS to the brokers',
      },
    ]);
    // The brokers' and pollers' group: no allow-all outbound; 9098 to itself (pollers to brokers) and HTTPS out
    // (Lambda, STS, S3 for the pollers), nothing else.
    expect(sgs[clusterSg]!.SecurityGroupEgress).toEqual([
      expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 }),
    ]);
    // Besides: the functions' HTTPS to DynamoDB's prefix list only, for the tables (test/infra/tables.test.ts), and
    // the operations function's own group to the Lambda endpoint (test/infra/operations.test.ts).
    const separateEgress = resourcesOf(synth.json, 'AWS::EC2::SecurityGroupEgress').map(([, p]) => p);
    expect(separateEgress).toHaveLength(3);
    expect(separateEgress).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          GroupId: { 'Fn::GetAtt': [clusterSg, 'GroupId'] },
          DestinationSecurityGroupId: { 'Fn::GetAtt': [clusterSg, 'GroupId'] },
          FromPort: 9098,
          ToPort: 9098,
        }),
        expect.objectContaining({
          GroupId: { 'Fn::GetAtt': [functionSg, 'GroupId'] },
          FromPort: 443,
          ToPort: 443,
        }),
        expect.objectContaining({
          GroupId: {
            'Fn::GetAtt': [
              logicalIdOf(
                synth.stack,
                synth.stack.node.findChild('Operations').node.findChild('LambdaApiEgress'),
              ),
              'GroupId',
            ],
          },
          FromPort: 443,
          ToPort: 443,
        }),
      ]),
    );
  });

  test('rejected traffic is recorded by VPC flow logs with a retention', () => {
    synth.template.resourceCountIs('AWS::EC2::FlowLog', 1);
    synth.template.hasResourceProperties('AWS::EC2::FlowLog', {
      TrafficType: 'REJECT',
      LogDestinationType: 'cloud-watch-logs',
    });
  });
});

describe('cluster', () => {
  test('provisioned MSK: 3 brokers in the 3 private subnets, pinned Kafka version, IAM auth only', () => {
    const clusterSg = logicalIdOf(synth.stack, synth.stack.network.clusterSecurityGroup);
    synth.template.resourceCountIs('AWS::MSK::Cluster', 1);
    synth.template.hasResourceProperties('AWS::MSK::Cluster', {
      KafkaVersion: MSK_KAFKA_VERSION,
      NumberOfBrokerNodes: 3,
      BrokerNodeGroupInfo: {
        ClientSubnets: Match.arrayWith([Match.objectLike({ Ref: Match.stringLikeRegexp('private') })]),
        SecurityGroups: [{ 'Fn::GetAtt': [clusterSg, 'GroupId'] }],
      },
      ClientAuthentication: { Sasl: { Iam: { Enabled: true } }, Unauthenticated: { Enabled: false } },
    });
    const [, cluster] = resourcesOf(synth.json, 'AWS::MSK::Cluster')[0]!;
    expect((cluster.BrokerNodeGroupInfo as { ClientSubnets: unknown[] }).ClientSubnets).toHaveLength(3);
    expect(cluster.ClientAuthentication).not.toHaveProperty('Tls');
    expect(MSK_KAFKA_VERSION).toBe('4.1.x.kraft');
  });

  test('TLS client-broker and in-cluster, encryption at rest with a rotating KMS key', () => {
    const keyId = idOf('AWS::KMS::Key', () => true);
    synth.template.hasResourceProperties('AWS::MSK::Cluster', {
      EncryptionInfo: {
        EncryptionAtRest: { DataVolumeKMSKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } },
        EncryptionInTransit: { ClientBroker: 'TLS', InCluster: true },
      },
    });
    synth.template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    synth.template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Retain' });
  });

  test('a configuration with durable broker defaults is attached at its latest revision', () => {
    expect(SERVER_PROPERTIES).toEqual({
      'auto.create.topics.enable': 'false',
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'unclean.leader.election.enable': 'false',
    });
    const configId = idOf('AWS::MSK::Configuration', () => true);
    synth.template.hasResourceProperties('AWS::MSK::Configuration', {
      KafkaVersionsList: [MSK_KAFKA_VERSION],
      ServerProperties: serverProperties(),
    });
    const text = (resourcesOf(synth.json, 'AWS::MSK::Configuration')[0]![1].ServerProperties as string).split(
      '\n',
    );
    expect(text).toEqual(
      expect.arrayContaining([
        'default.replication.factor=3',
        'min.insync.replicas=2',
        'auto.create.topics.enable=false',
        'unclean.leader.election.enable=false',
      ]),
    );
    synth.template.hasResourceProperties('AWS::MSK::Cluster', {
      ConfigurationInfo: {
        Arn: { 'Fn::GetAtt': [configId, 'Arn'] },
        Revision: { 'Fn::GetAtt': [configId, 'LatestRevision.Revision'] },
      },
    });
  });

  test('broker logs go to CloudWatch Logs with a retention', () => {
    const brokerLogs = logicalIdOf(
      synth.stack,
      (synth.stack.cluster as unknown as { brokerLogs: object }).brokerLogs,
    );
    synth.template.hasResourceProperties('AWS::MSK::Cluster', {
      LoggingInfo: { BrokerLogs: { CloudWatchLogs: { Enabled: true, LogGroup: ref(brokerLogs) } } },
    });
    expect(synth.json.Resources[brokerLogs]!.Properties!.RetentionInDays).toBe(30);
  });
});

describe('topics', () => {
  test('every topic of the manifest, declared and dead-letter, is an AWS::MSK::Topic on the cluster', () => {
    const clusterId = idOf('AWS::MSK::Cluster', () => true);
    const topics = resourcesOf(synth.json, 'AWS::MSK::Topic');
    expect(topics.map(([, p]) => p.TopicName).sort()).toEqual(manifest.topics.map((t) => t.name).sort());
    expect(manifest.topics.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'alerts',
        'server_stats',
        'eu1_item_change',
        'eu1_item_change.inventory-projection.dlq',
      ]),
    );
    for (const [, p] of topics) expect(p.ClusterArn).toEqual({ 'Fn::GetAtt': [clusterId, 'Arn'] });
  });

  test('partitions, replication factor and configs come from the declarations', () => {
    const byName = new Map(
      resourcesOf(synth.json, 'AWS::MSK::Topic').map(([, p]) => [p.TopicName as string, p]),
    );
    for (const topic of manifest.topics) {
      const p = byName.get(topic.name)!;
      expect(p.PartitionCount).toBe(topic.partitions);
      expect(p.ReplicationFactor).toBe(topic.replicationFactor);
      const encoded = (p.Configs as { 'Fn::Base64': string })['Fn::Base64'];
      expect(JSON.parse(encoded)).toEqual(topic.config);
    }
    const stats = byName.get('server_stats')!;
    expect(JSON.parse((stats.Configs as { 'Fn::Base64': string })['Fn::Base64'])).toEqual({
      'cleanup.policy': 'compact',
      'min.insync.replicas': '2',
    });
    expect(byName.get('eu1_item_change')!.PartitionCount).toBe(12);
    expect(byName.get('eu1_item_change')!.ReplicationFactor).toBe(3);
  });

  test('topics are retained when removed or replaced', () => {
    for (const resource of Object.values(synth.json.Resources).filter((r) => r.Type === 'AWS::MSK::Topic')) {
      expect(resource.DeletionPolicy).toBe('Retain');
      expect(resource.UpdateReplacePolicy).toBe('Retain');
    }
  });
});

describe('functions', () => {
  test('one Node.js 22 ARM64 function per handler module, handler export "handler"', () => {
    const fns = resourcesOf(synth.json, 'AWS::Lambda::Function').filter(([, p]) =>
      String(p.Description ?? '').startsWith('Kafka handler'),
    );
    expect(fns).toHaveLength(manifest.handlers.length);
    for (const [, p] of fns) {
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.Handler).toBe('index.handler');
    }
  });

  test.each(['anomaly-detector', 'inventory-projection', 'server-stats'])(
    '%s: default memory and timeout, IAM env, source maps, JSON logs to its own log group, in the VPC',
    (name) => {
      const fn = synth.stack.handlers.get(name)!.function;
      const props = synth.json.Resources[logicalIdOf(synth.stack, fn.fn)]!.Properties!;
      expect(props.MemorySize).toBe(512);
      expect(props.Timeout).toBe(60);
      expect(props.ReservedConcurrentExecutions).toBeUndefined();
      const tables = (name === 'inventory-projection' ? ['inventory'] : []).map((t) => [
        `KAFKA_LAMBDA_TABLE_${t.toUpperCase()}`,
        ref(logicalIdOf(synth.stack, synth.stack.tables.byName.get(t)!)),
      ]);
      // The anomaly detector publishes to the Avro `alerts` topic: it writes with the version id the deploy registered.
      const schemas =
        name === 'anomaly-detector'
          ? { KAFKA_LAMBDA_SCHEMA_REGISTRY: 'glue', KAFKA_LAMBDA_SCHEMA_IDS: expect.anything() }
          : {};
      expect(props.Environment).toEqual({
        Variables: {
          KAFKA_AUTH: 'iam',
          NODE_OPTIONS: '--enable-source-maps',
          ...Object.fromEntries(tables),
          ...schemas,
        },
      });
      expect(props.LoggingConfig).toEqual({
        LogFormat: 'JSON',
        LogGroup: ref(logicalIdOf(synth.stack, fn.logGroup)),
      });
      expect(synth.json.Resources[logicalIdOf(synth.stack, fn.logGroup)]!.Properties!.RetentionInDays).toBe(
        30,
      );
      const vpc = props.VpcConfig as { SubnetIds: unknown[]; SecurityGroupIds: unknown[] };
      expect(vpc.SubnetIds).toHaveLength(3);
      expect(vpc.SecurityGroupIds).toEqual([
        { 'Fn::GetAtt': [logicalIdOf(synth.stack, synth.stack.network.functionSecurityGroup), 'GroupId'] },
      ]);
      expect(props.Role).toEqual({ 'Fn::GetAtt': [logicalIdOf(synth.stack, fn.role), 'Arn'] });
    },
  );

  test('roles carry no managed policies', () => {
    for (const h of synth.stack.handlers.values()) {
      expect(
        synth.json.Resources[logicalIdOf(synth.stack, h.function.role)]!.Properties!.ManagedPolicyArns,
      ).toBeUndefined();
    }
  });
});

describe('event source mappings', () => {
  const mappingsOf = (name: string) =>
    synth.stack.handlers
      .get(name)!
      .eventSources.mappings.map((m) => synth.json.Resources[logicalIdOf(synth.stack, m)]!);

  test('one mapping per handler and source topic', () => {
    const expected = manifest.handlers.reduce((n, h) => n + h.definition.topics.length, 0);
    expect(expected).toBe(9);
    synth.template.resourceCountIs('AWS::Lambda::EventSourceMapping', expected);
    for (const { definition } of manifest.handlers) {
      const mappings = mappingsOf(definition.name);
      expect(mappings.map((m) => m.Properties!.Topics).sort()).toEqual(
        definition.topics.map((t) => [t.name]).sort(),
      );
    }
  });

  test("each publishes the mapping's own metrics: event counts, errors and Kafka consumer metrics", () => {
    for (const { definition } of manifest.handlers)
      for (const m of mappingsOf(definition.name))
        expect(m.Properties!.MetricsConfig).toEqual({
          Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'],
        });
  });

  test('each reads the cluster as its function, with one consumer group per (handler, topic)', () => {
    const clusterId = idOf('AWS::MSK::Cluster', () => true);
    for (const { definition } of manifest.handlers) {
      const fnId = logicalIdOf(synth.stack, synth.stack.handlers.get(definition.name)!.function.fn);
      for (const m of mappingsOf(definition.name)) {
        const p = m.Properties!;
        const topic = (p.Topics as string[])[0]!;
        expect(p.EventSourceArn).toEqual({ 'Fn::GetAtt': [clusterId, 'Arn'] });
        expect(p.FunctionName).toEqual(ref(fnId));
        expect(p.AmazonManagedKafkaEventSourceConfig).toEqual({
          ConsumerGroupId: `${definition.group}.${topic}`,
        });
        expect(p.Enabled).toBe(true);
      }
    }
  });

  test('batching, starting position and filter come from the declaration', () => {
    const inventory = mappingsOf('inventory-projection').map((m) => m.Properties!);
    for (const p of inventory) {
      expect(p.BatchSize).toBe(500);
      expect(p.MaximumBatchingWindowInSeconds).toBe(1);
      expect(p.StartingPosition).toBe('TRIM_HORIZON');
      expect(p.FilterCriteria).toBeUndefined();
    }
    for (const p of mappingsOf('server-stats').map((m) => m.Properties!)) {
      expect(p.BatchSize).toBe(1000);
      expect(p.MaximumBatchingWindowInSeconds).toBe(5);
      expect(p.StartingPosition).toBe('LATEST');
    }
    for (const p of mappingsOf('anomaly-detector').map((m) => m.Properties!)) {
      expect(p.BatchSize).toBe(100);
      expect(p).not.toHaveProperty('MaximumBatchingWindowInSeconds');
      expect(p.StartingPosition).toBe('LATEST');
      expect(p.FilterCriteria).toEqual({
        Filters: [{ Pattern: JSON.stringify({ value: { reason: [{ 'anything-but': ['admin'] }] } }) }],
      });
    }
  });

  test('dead-letter mode: the mapping retries the batch itself (no partial responses, no destination)', () => {
    for (const { definition } of manifest.handlers) {
      expect(definition.failureMode).toBe('dead-letter');
      for (const m of mappingsOf(definition.name)) {
        expect(m.Properties).not.toHaveProperty('FunctionResponseTypes');
        expect(m.Properties).not.toHaveProperty('DestinationConfig');
        expect(m.Properties).not.toHaveProperty('ProvisionedPollerConfig');
      }
    }
  });

  test('a mapping is created after its topic, the topics its handler writes, and the role policy', () => {
    const topicIds = new Map(
      resourcesOf(synth.json, 'AWS::MSK::Topic').map(([id, p]) => [p.TopicName as string, id]),
    );
    for (const { definition } of manifest.handlers) {
      const plan = planHandler(definition);
      const roleId = logicalIdOf(synth.stack, synth.stack.handlers.get(definition.name)!.function.role);
      for (const m of mappingsOf(definition.name)) {
        const topic = (m.Properties!.Topics as string[])[0]!;
        expect(m.DependsOn).toEqual(
          expect.arrayContaining([
            topicIds.get(topic),
            ...plan.writeTopics.map((t) => topicIds.get(t)),
            roleId,
          ]),
        );
        const policyIds = resourcesOf(synth.json, 'AWS::IAM::Policy')
          .filter(([, p]) => JSON.stringify(p.Roles) === JSON.stringify([ref(roleId)]))
          .map(([id]) => id);
        expect(policyIds).toHaveLength(1);
        expect(m.DependsOn).toContain(policyIds[0]);
      }
    }
  });
});

describe('least-privilege IAM per function', () => {
  const statements = (name: string) =>
    statementsOfRole(synth.json, logicalIdOf(synth.stack, synth.stack.handlers.get(name)!.function.role));
  const resourcesFor = (name: string, sid: string): string[] => {
    const st = statements(name).find((s) => s.Sid === sid);
    return st ? asList(st.Resource).map(renderArn).sort() : [];
  };

  test.each([
    {
      name: 'anomaly-detector',
      read: ['asia1_item_change', 'eu1_item_change', 'us1_item_change'],
      groups: [
        'anomaly-detector.asia1_item_change',
        'anomaly-detector.eu1_item_change',
        'anomaly-detector.us1_item_change',
      ],
      write: [
        'alerts',
        'asia1_item_change.anomaly-detector.dlq',
        'eu1_item_change.anomaly-detector.dlq',
        'us1_item_change.anomaly-detector.dlq',
      ],
    },
    {
      name: 'inventory-projection',
      read: ['asia1_item_change', 'eu1_item_change', 'us1_item_change'],
      groups: [
        'inventory-projection.asia1_item_change',
        'inventory-projection.eu1_item_change',
        'inventory-projection.us1_item_change',
      ],
      write: [
        'asia1_item_change.inventory-projection.dlq',
        'eu1_item_change.inventory-projection.dlq',
        'us1_item_change.inventory-projection.dlq',
      ],
    },
    {
      name: 'server-stats',
      read: ['asia1_item_change', 'eu1_item_change', 'us1_item_change'],
      groups: [
        'server-stats.asia1_item_change',
        'server-stats.eu1_item_change',
        'server-stats.us1_item_change',
      ],
      write: [
        'asia1_item_change.server-stats.dlq',
        'eu1_item_change.server-stats.dlq',
        'server_stats',
        'us1_item_change.server-stats.dlq',
      ],
    },
  ])(
    '$name: reads exactly its topics, commits exactly its groups, writes exactly its outputs',
    ({ name, read, groups, write }) => {
      expect(resourcesFor(name, 'KafkaReadSourceTopics')).toEqual(read.map(topicArn).sort());
      expect(resourcesFor(name, 'KafkaConsumerGroups')).toEqual(groups.map(groupArn).sort());
      expect(resourcesFor(name, 'KafkaWriteTopics')).toEqual(write.map(topicArn).sort());
      const byId = new Map(statements(name).map((s) => [s.Sid, asList(s.Action).sort()]));
      expect(byId.get('KafkaReadSourceTopics')).toEqual([
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:ReadData',
      ]);
      expect(byId.get('KafkaConsumerGroups')).toEqual([
        'kafka-cluster:AlterGroup',
        'kafka-cluster:DescribeGroup',
      ]);
      expect(byId.get('KafkaWriteTopics')).toEqual([
        'kafka-cluster:DescribeTopic',
        'kafka-cluster:WriteData',
      ]);
    },
  );

  test('cluster-level actions are on the cluster ARN only: connect, idempotent writes, the mapping lookups', () => {
    const clusterArn = { 'Fn::GetAtt': [idOf('AWS::MSK::Cluster', () => true), 'Arn'] };
    for (const name of synth.stack.handlers.keys()) {
      const connect = statements(name).find((s) => s.Sid === 'KafkaConnect')!;
      expect(connect.Resource).toEqual(clusterArn);
      expect(asList(connect.Action).sort()).toEqual([
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeCluster',
        'kafka-cluster:DescribeClusterDynamicConfiguration',
        'kafka-cluster:WriteDataIdempotently',
      ]);
      const esm = statements(name).find((s) => s.Sid === 'KafkaEventSourceMapping')!;
      expect(esm.Resource).toEqual(clusterArn);
      expect(asList(esm.Action).sort()).toEqual(['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers']);
    }
  });

  test('no kafka or kafka-cluster action on "*"; the only "*" is the network-interface statement', () => {
    for (const name of synth.stack.handlers.keys()) {
      for (const s of statements(name)) {
        const wildcard = asList(s.Resource).includes('*');
        const actions = asList(s.Action);
        if (actions.some((a) => a.startsWith('kafka'))) expect(wildcard).toBe(false);
        if (wildcard) {
          expect(s.Sid).toBe('EventSourceAndVpcNetworkInterfaces');
          expect(actions.every((a) => a.startsWith('ec2:'))).toBe(true);
        }
        expect(actions.some((a) => a.endsWith('*'))).toBe(false);
      }
    }
  });

  test("logs are written only to the function's own log group", () => {
    for (const [name, h] of synth.stack.handlers) {
      const logs = statements(name).find((s) => s.Sid === 'WriteOwnLogGroup')!;
      expect(logs.Resource).toEqual({ 'Fn::GetAtt': [logicalIdOf(synth.stack, h.function.logGroup), 'Arn'] });
    }
  });
});

describe('operations', () => {
  test('per handler: an Errors alarm, failed-records and record-age alarms on its EMF metrics, an OffsetLag alarm', () => {
    synth.template.resourceCountIs('AWS::CloudWatch::Alarm', 4 * manifest.handlers.length);
    // the failed-record count comes from the functions' own metrics documents, not from parsing their logs
    synth.template.resourceCountIs('AWS::Logs::MetricFilter', 0);
    for (const [name, h] of synth.stack.handlers) {
      const fnRef = ref(logicalIdOf(synth.stack, h.function.fn));
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: fnRef }],
        Threshold: 1,
      });
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'OffsetLag',
        Statistic: 'Maximum',
        Dimensions: [{ Name: 'FunctionName', Value: fnRef }],
        Threshold: 10000,
        EvaluationPeriods: 3,
      });
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: FAILED_RECORDS_METRIC.namespace,
        MetricName: FAILED_RECORDS_METRIC.metricName,
        Statistic: 'Sum',
        Dimensions: [{ Name: DIMENSION.handler, Value: name }],
        Threshold: 1,
      });
      synth.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: METRICS_NAMESPACE,
        MetricName: METRIC.recordAgeMax.name,
        Statistic: 'Maximum',
        Dimensions: [{ Name: DIMENSION.handler, Value: name }],
        Threshold: 300_000,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanThreshold',
      });
    }
  });

  test('one dashboard for the stack: per handler records/s, failures by kind, record age, duration, errors, throttles, concurrency, OffsetLag and its mappings', () => {
    synth.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    const [, dashboard] = resourcesOf(synth.json, 'AWS::CloudWatch::Dashboard')[0]!;
    const body = renderArn(dashboard.DashboardBody);
    const widgets = (
      JSON.parse(body.replace(/\$\{[^}]+\}/g, 'TOKEN')) as {
        widgets: { properties: Record<string, unknown> }[];
      }
    ).widgets;
    const titles = widgets.map((w) => w.properties.title).filter(Boolean);
    for (const title of [
      'records/s',
      'failed records by kind',
      'record age (ms)',
      'duration (ms)',
      'errors and throttles',
      'concurrency',
      'OffsetLag',
      'event source mappings',
    ])
      expect(titles.filter((t) => t === title)).toHaveLength(manifest.handlers.length);
    for (const name of manifest.handlers.map((h) => h.definition.name)) {
      expect(body).toContain(`"Handler","${name}"`);
      expect(body).toContain(`### ${name}`);
    }
    for (const metric of [
      METRIC.received,
      METRIC.handled,
      METRIC.failedDecode,
      METRIC.failedSchema,
      METRIC.failedHandler,
      METRIC.failedTimeout,
      METRIC.recordAgeMax,
      METRIC.recordAgeP50,
      METRIC.duration,
    ])
      expect(body).toContain(`"${METRICS_NAMESPACE}","${metric.name}"`);
    for (const metric of [
      'Errors',
      'Throttles',
      'ConcurrentExecutions',
      'OffsetLag',
      'FilteredOutEventCount',
      'PolledEventCount',
    ])
      expect(body).toContain(`"${metric}"`);
    // the mapping metrics are per mapping, by its UUID
    const mappingCount = [...synth.stack.handlers.values()].reduce(
      (n, h) => n + h.eventSources.mappings.length,
      0,
    );
    expect(body.match(/"FilteredOutEventCount","EventSourceMappingUUID"/g)).toHaveLength(mappingCount);
    expect(widgets[0]!.properties.alarms).toHaveLength(4 * manifest.handlers.length);
    expect(renderArn(synth.json.Outputs!.DashboardUrl!.Value)).toContain('#dashboards/dashboard/');
  });

  test('no handler of the example asks for tracing: no ADOT layer, no X-Ray access or egress', () => {
    for (const [, h] of synth.stack.handlers) {
      const props = synth.json.Resources[logicalIdOf(synth.stack, h.function.fn)]!.Properties!;
      expect(props.Layers).toBeUndefined();
      expect(props.TracingConfig).toBeUndefined();
    }
    expect(JSON.stringify(synth.json)).not.toContain('xray');
  });

  test('outputs: cluster ARN, how to get the bootstrap brokers, topic names', () => {
    const outputs = synth.json.Outputs!;
    expect(outputs.ClusterArn!.Value).toEqual({
      'Fn::GetAtt': [idOf('AWS::MSK::Cluster', () => true), 'Arn'],
    });
    expect(renderArn(outputs.BootstrapBrokers!.Value)).toContain('aws kafka get-bootstrap-brokers');
    expect(String(outputs.TopicNames!.Value).split(',').sort()).toEqual(
      manifest.topics.map((t) => t.name).sort(),
    );
    expect(renderArn(outputs.HandlerFunctions!.Value)).toContain('anomaly-detector=');
  });
});
