/**
 * The operations function in the template: placement, environment, least privilege (no `*` on a Kafka or Lambda
 * action, every Kafka resource a declared topic, a replay ledger or a handler's group, invoke on the stack's
 * handler functions only, no resource policy), its path to the Lambda API in each egress mode, and the opt-out.
 */
import { optionsFromContext } from '../../infra/config';
import { OPERATIONS_ACTIONS } from '../../infra/operations';
import { replayLedgerTopic } from '../../shared/operations/app';
import type { AppManifest } from '../../shared/declarations/app';
import {
  asList,
  exampleManifest,
  existingCluster,
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

let manifest: AppManifest;
let endpoints: Synthesized;
let nat: Synthesized;
let existing: Synthesized;
let without: Synthesized;

beforeAll(() => {
  manifest = exampleManifest();
  endpoints = synthesize(manifest, { operations: { maxRecordsPerRequest: 250 } }, { bundle: false });
  nat = synthesize(manifest, { network: { egress: 'nat' } }, { bundle: false });
  existing = synthesize(
    manifest,
    { cluster: existingCluster, bootstrapBrokers: 'b-1.shared:9098' },
    { bundle: false },
  );
  without = synthesize(manifest, { operations: false }, { bundle: false });
}, SYNTH_TIMEOUT_MS);

const operationsOf = (s: Synthesized) => {
  const fn = s.stack.operations!.function;
  return {
    fn: logicalIdOf(s.stack, fn.fn),
    role: logicalIdOf(s.stack, fn.role),
    logs: logicalIdOf(s.stack, fn.logGroup),
    group: logicalIdOf(s.stack, s.stack.operations!.node.findChild('LambdaApiEgress')),
    props: s.json.Resources[logicalIdOf(s.stack, fn.fn)]!.Properties!,
  };
};

const handlerFunctionIds = (s: Synthesized): string[] =>
  [...s.stack.handlers.values()].map((h) => logicalIdOf(s.stack, h.function.fn)).sort();

describe('the function', () => {
  test('runs in the private subnets with the functions’ security group and one for HTTPS, logging to its own group', () => {
    const { props, group, logs } = operationsOf(endpoints);
    const functionSg = logicalIdOf(endpoints.stack, endpoints.stack.network.functionSecurityGroup);
    const vpc = props.VpcConfig as { SecurityGroupIds: unknown[]; SubnetIds: unknown[] };
    expect(vpc.SecurityGroupIds).toEqual([
      { 'Fn::GetAtt': [functionSg, 'GroupId'] },
      { 'Fn::GetAtt': [group, 'GroupId'] },
    ]);
    expect(vpc.SubnetIds).toHaveLength(3);
    expect(props.Runtime).toBe('nodejs22.x');
    expect(props.LoggingConfig).toMatchObject({ LogFormat: 'JSON', LogGroup: { Ref: logs } });
  });

  test('reaches the brokers with IAM auth, knows the cluster, the handler functions and its record limit', () => {
    const { props } = operationsOf(endpoints);
    const env = (props.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.KAFKA_AUTH).toBe('iam');
    // No MSK event names the brokers to it: the stack looks them up at deploy time.
    expect(env.KAFKA_BROKERS).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^TopicsBootstrapBrokers/), 'BootstrapBrokerStringSaslIam'],
    });
    expect(renderArn(env.KAFKA_CLUSTER_ARN)).toBe(
      `\${${logicalIdOf(endpoints.stack, endpoints.stack.cluster.resource!)}.Arn}`,
    );
    expect(env.KAFKA_LAMBDA_OPERATIONS_MAX_RECORDS).toBe('250');
    const pairs = renderArn(env.KAFKA_LAMBDA_HANDLER_FUNCTIONS).split(',');
    expect(pairs.sort()).toEqual(
      [...endpoints.stack.handlers]
        .map(([name, h]) => `${name}=\${${logicalIdOf(endpoints.stack, h.function.fn)}}`)
        .sort(),
    );
  });

  test('its name and ARN are stack outputs, for the command line and the operator policy', () => {
    const { fn } = operationsOf(endpoints);
    expect(endpoints.json.Outputs!.OperationsFunction!.Value).toEqual({ Ref: fn });
    expect(endpoints.json.Outputs!.OperationsFunctionArn!.Value).toEqual({ 'Fn::GetAtt': [fn, 'Arn'] });
  });

  test('nothing may invoke it by a resource policy: only identities granted lambda:InvokeFunction on it', () => {
    const { fn } = operationsOf(endpoints);
    const permissions = resourcesOf(endpoints.json, 'AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.FunctionName).includes(fn),
    );
    expect(permissions).toEqual([]);
  });
});

describe('least privilege, proven in the template', () => {
  const statements = () => statementsOfRole(endpoints.json, operationsOf(endpoints).role);
  const bySid = (sid: string) => statements().find((s) => s.Sid === sid)!;

  test('no `*` in any Kafka or Lambda action, and `*` as a resource only for the ENI actions EC2 cannot scope', () => {
    for (const s of statements()) {
      const actions = asList(s.Action);
      expect(actions.filter((a) => /^(kafka|kafka-cluster|lambda):/.test(a) && a.includes('*'))).toEqual([]);
      if (asList(s.Resource).includes('*')) expect(s.Sid).toBe('EventSourceAndVpcNetworkInterfaces');
    }
    // Besides its own, the registry's read of the schemas of the catalog's Avro topic (infra/schema-registry.ts).
    const registry = statements().filter((s) => s.Sid === undefined);
    expect(registry.flatMap((s) => asList(s.Action)).sort()).toEqual([
      'glue:GetRegistry',
      'glue:GetSchemaVersion',
    ]);
    expect(
      registry.flatMap((s) => asList(s.Resource)).filter((r) => JSON.stringify(r).includes('*')),
    ).toEqual([]);
    expect(
      statements()
        .filter((s) => s.Sid !== undefined)
        .map((s) => s.Sid)
        .sort(),
    ).toStrictEqual(
      [
        'EventSourceAndVpcNetworkInterfaces',
        'InvokeHandlerFunctions',
        'KafkaConnect',
        'KafkaCreateReplayLedgers',
        'KafkaDescribeHandlerGroups',
        'KafkaReadTopics',
        'KafkaWriteTopics',
        'WriteOwnLogGroup',
      ].sort(),
    );
  });

  test('reads and writes exactly the declared topics and the replay ledgers, and creates only the ledgers', () => {
    const ledgers = manifest.handlers.map((h) => replayLedgerTopic(h.definition.group));
    const topics = [...manifest.topics.map((t) => t.name), ...ledgers].sort().map(topicArn);
    for (const sid of ['KafkaReadTopics', 'KafkaWriteTopics'])
      expect(asList(bySid(sid).Resource).map(renderArn).sort()).toEqual(topics.sort());
    expect(asList(bySid('KafkaReadTopics').Action)).toEqual([...OPERATIONS_ACTIONS.read].sort());
    expect(asList(bySid('KafkaWriteTopics').Action)).toEqual(['kafka-cluster:WriteData']);
    expect(asList(bySid('KafkaCreateReplayLedgers').Resource).map(renderArn).sort()).toEqual(
      ledgers.map(topicArn).sort(),
    );
    expect(asList(bySid('KafkaCreateReplayLedgers').Action)).toEqual(['kafka-cluster:CreateTopic']);
  });

  test('describes the handlers’ consumer groups and nothing else of groups: never joins, commits or deletes one', () => {
    const groups = [...endpoints.stack.handlers.values()].flatMap((h) => h.plan.groups).sort();
    expect(asList(bySid('KafkaDescribeHandlerGroups').Resource).map(renderArn).sort()).toEqual(
      groups.map(groupArn),
    );
    const actions = statements().flatMap((s) => asList(s.Action));
    expect(actions.filter((a) => a.endsWith('Group'))).toEqual(['kafka-cluster:DescribeGroup']);
  });

  test('invokes exactly the stack’s handler functions', () => {
    const invoke = bySid('InvokeHandlerFunctions');
    expect(asList(invoke.Action)).toEqual(['lambda:InvokeFunction']);
    expect(asList(invoke.Resource).map((r) => (r as { 'Fn::GetAtt': string[] })['Fn::GetAtt'])).toEqual(
      expect.arrayContaining(handlerFunctionIds(endpoints).map((id) => [id, 'Arn'])),
    );
    expect(asList(invoke.Resource)).toHaveLength(endpoints.stack.handlers.size);
    expect(
      statements()
        .flatMap((s) => asList(s.Action))
        .filter((a) => a.startsWith('lambda:')),
    ).toEqual(['lambda:InvokeFunction']);
  });
});

describe('its path to the Lambda API from the private subnets', () => {
  const rulesOf = (s: Synthesized) => {
    const { group } = operationsOf(s);
    const inline =
      (s.json.Resources[group]!.Properties!.SecurityGroupEgress as Record<string, unknown>[]) ?? [];
    const separate = resourcesOf(s.json, 'AWS::EC2::SecurityGroupEgress')
      .filter(([, p]) => JSON.stringify(p.GroupId).includes(group))
      .map(([, p]) => p);
    return {
      group,
      egress: [...inline, ...separate].filter((r) => r.Description !== 'Disallow all traffic'),
    };
  };

  test('endpoints egress: HTTPS to the Lambda interface endpoint only, which admits it', () => {
    const { group, egress } = rulesOf(endpoints);
    const endpointSg = logicalIdOf(endpoints.stack, endpoints.stack.network.endpointSecurityGroup!);
    expect(egress).toEqual([
      expect.objectContaining({
        FromPort: 443,
        ToPort: 443,
        DestinationSecurityGroupId: { 'Fn::GetAtt': [endpointSg, 'GroupId'] },
      }),
    ]);
    expect(
      resourcesOf(endpoints.json, 'AWS::EC2::SecurityGroupIngress').filter(([, p]) =>
        JSON.stringify(p.SourceSecurityGroupId).includes(group),
      ),
    ).toEqual([
      [
        expect.any(String),
        expect.objectContaining({ FromPort: 443, GroupId: { 'Fn::GetAtt': [endpointSg, 'GroupId'] } }),
      ],
    ]);
    const lambdaEndpoint = resourcesOf(endpoints.json, 'AWS::EC2::VPCEndpoint').find(([, p]) =>
      JSON.stringify(p.ServiceName).includes('.lambda'),
    )!;
    expect(lambdaEndpoint[1]).toMatchObject({ VpcEndpointType: 'Interface', PrivateDnsEnabled: true });
    expect(lambdaEndpoint[1].SecurityGroupIds).toEqual([{ 'Fn::GetAtt': [endpointSg, 'GroupId'] }]);
  });

  test('NAT egress: HTTPS out through the NAT gateways, the private subnets routing there', () => {
    const { egress } = rulesOf(nat);
    expect(egress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })]);
    const routes = resourcesOf(nat.json, 'AWS::EC2::Route').filter(([, p]) => p.NatGatewayId !== undefined);
    expect(routes).toHaveLength(3);
    expect(routes.every(([, p]) => p.DestinationCidrBlock === '0.0.0.0/0')).toBe(true);
  });

  test("an existing cluster's network: HTTPS out, routed as that network routes it", () => {
    const { egress } = rulesOf(existing);
    expect(egress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', FromPort: 443, ToPort: 443 })]);
    const env = (operationsOf(existing).props.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env.KAFKA_BROKERS).toBe('b-1.shared:9098');
  });
});

describe('opting out', () => {
  test('operations: false (-c operations=false) deploys no operations function, group, rule or output', () => {
    expect(without.stack.operations).toBeUndefined();
    const ids = Object.keys(without.json.Resources);
    expect(ids.filter((id) => id.startsWith('Operations'))).toEqual([]);
    expect(Object.keys(without.json.Outputs ?? {}).filter((k) => k.startsWith('Operations'))).toEqual([]);
    // The deploy-time broker lookup was only for it on a provisioned cluster this stack creates.
    expect(ids.filter((id) => id.includes('BootstrapBrokers'))).toEqual([]);
  });

  test('the context flags: operations=false, operationsMaxRecords=N', () => {
    const context = (values: Record<string, string>) => optionsFromContext((key) => values[key]);
    expect(context({ operations: 'false' }).operations).toBe(false);
    expect(context({ operationsMaxRecords: '50' }).operations).toEqual({ maxRecordsPerRequest: 50 });
    expect(context({}).operations).toBeUndefined();
    expect(() => context({ operations: 'maybe' })).toThrow(
      'context "operations" must be one of "true", "false"',
    );
    expect(() => context({ operationsMaxRecords: '0' })).toThrow(
      'context "operationsMaxRecords" must be a positive integer',
    );
  });
});
