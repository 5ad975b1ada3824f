import { ContextError, optionsFromContext } from '../../infra/config';
import { KafkaLambdaError } from '../../shared/errors';
import { planHandler } from '../../shared/declarations/app-plan';
import { topicConfigs } from '../../infra/topics';
import { Stack } from 'aws-cdk-lib';
import { exampleManifest } from './support/synth';

const context = (values: Record<string, string>) => (key: string) => values[key];

describe('cdk context (-c key=value) to stack options', () => {
  test('defaults: provisioned cluster, endpoint egress chosen by the stack', () => {
    expect(optionsFromContext(context({}))).toEqual({ cluster: { kind: 'provisioned' }, network: {} });
  });

  test('egress, zones, serverless', () => {
    expect(
      optionsFromContext(context({ egress: 'nat', availabilityZones: 'a1,a2,a3', cluster: 'serverless' })),
    ).toEqual({
      cluster: { kind: 'serverless' },
      network: { egress: 'nat', availabilityZones: ['a1', 'a2', 'a3'] },
    });
    expect(() => optionsFromContext(context({ egress: 'internet' }))).toThrow(
      'context "egress" must be one of "endpoints", "nat", got "internet"',
    );
    expect(() => optionsFromContext(context({ cluster: 'big' }))).toThrow(
      'context "cluster" must be one of "provisioned", "serverless", "existing", got "big"',
    );
  });

  test('an existing cluster needs its network ids', () => {
    expect(() => optionsFromContext(context({ clusterArn: 'arn:aws:kafka:r:1:cluster/a/b' }))).toThrow(
      'context "vpcId" is required here (-c vpcId=...): an existing cluster needs it',
    );
    const options = optionsFromContext(
      context({
        clusterArn: 'arn:aws:kafka:r:1:cluster/a/b',
        vpcId: 'vpc-1',
        availabilityZones: 'z1,z2,z3',
        privateSubnetIds: 's1,s2,s3',
        clusterSecurityGroupId: 'sg-1',
        brokerCount: '6',
        bootstrapBrokers: 'b1:9098',
      }),
    );
    expect(options.cluster).toEqual({
      kind: 'existing',
      type: 'provisioned',
      clusterArn: 'arn:aws:kafka:r:1:cluster/a/b',
      vpcId: 'vpc-1',
      availabilityZones: ['z1', 'z2', 'z3'],
      privateSubnetIds: ['s1', 's2', 's3'],
      securityGroupId: 'sg-1',
      brokerCount: 6,
    });
    expect(options.bootstrapBrokers).toBe('b1:9098');
  });
});

describe('bad context is a ContextError naming the key and the accepted values', () => {
  test.each([
    [{ removal: 'keep' }, 'removal', 'one of "retain", "destroy"'],
    [{ onFailureRetentionDays: '0' }, 'onFailureRetentionDays', 'a positive integer'],
    [{ brokerCount: 'three' }, 'brokerCount', 'a positive integer'],
    [
      { cluster: 'existing', clusterArn: 'a', clusterType: 'big' },
      'clusterType',
      'one of "provisioned", "serverless"',
    ],
  ])('%j', (values, key, accepted) => {
    let error: unknown;
    try {
      optionsFromContext(context(values as Record<string, string>));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ContextError);
    expect(error).toBeInstanceOf(KafkaLambdaError);
    expect(error).toMatchObject({ name: 'ContextError', key, accepted });
    expect((error as Error).message).toContain(`context "${key}" must be ${accepted}`);
  });

  test('a fixed cluster name (a stack deployed before names carried a digest)', () => {
    expect(optionsFromContext(context({ clusterName: 'KafkaLambda-kafka' })).cluster).toEqual({
      kind: 'provisioned',
      clusterName: 'KafkaLambda-kafka',
    });
  });

  test('removal and on-failure retention reach the options', () => {
    expect(optionsFromContext(context({ removal: 'destroy', onFailureRetentionDays: '14' }))).toMatchObject({
      removal: 'destroy',
      onFailureRetentionDays: 14,
    });
  });
});

describe('what infra derives from a declaration', () => {
  test('plans: read, groups, writes, Kafka client', () => {
    const byName = new Map(
      exampleManifest().handlers.map((h) => [h.definition.name, planHandler(h.definition)]),
    );
    const inventory = byName.get('inventory-projection')!;
    expect(inventory.eventSources.map(({ topic, consumerGroupId }) => ({ topic, consumerGroupId }))).toEqual([
      { topic: 'asia1_item_change', consumerGroupId: 'inventory-projection.asia1_item_change' },
      { topic: 'eu1_item_change', consumerGroupId: 'inventory-projection.eu1_item_change' },
      { topic: 'us1_item_change', consumerGroupId: 'inventory-projection.us1_item_change' },
    ]);
    // No `publishes`, but dead letters are written: it carries the Kafka client.
    expect(inventory.carriesKafkaClient).toBe(true);
    expect(byName.get('anomaly-detector')!.writeTopics).toContain('alerts');
  });

  test('topic configs: base64 of a JSON object with sorted keys, omitted when empty', () => {
    const topic = exampleManifest().topics.find((t) => t.name === 'server_stats')!;
    const stack = new Stack();
    expect(stack.resolve(topicConfigs(topic))).toEqual({
      'Fn::Base64': '{"cleanup.policy":"compact","min.insync.replicas":"2"}',
    });
    expect(topicConfigs({ ...topic, config: {} })).toBeUndefined();
  });
});

describe('the tracing layer from context', () => {
  test('an ADOT distro layer ARN, run under /opt/otel-instrument unless told otherwise', () => {
    const arn = 'arn:aws:lambda:eu-west-1:615299751070:layer:AWSOpenTelemetryDistroJs:6';
    const context: Record<string, string> = { tracingLayerArn: arn };
    expect(optionsFromContext((k) => context[k]).tracingLayer).toEqual({
      arn,
      execWrapper: '/opt/otel-instrument',
    });
    context.tracingExecWrapper = '/opt/otel-handler';
    expect(optionsFromContext((k) => context[k]).tracingLayer?.execWrapper).toBe('/opt/otel-handler');
  });

  test('anything but a layer version ARN is refused, naming the key', () => {
    expect(() =>
      optionsFromContext((k) => (k === 'tracingLayerArn' ? 'aws-otel-nodejs' : undefined)),
    ).toThrow(/context "tracingLayerArn" must be a Lambda layer version ARN/);
  });
});
