/**
 * The operations function: the kafka-lambda tools (topics, records, groups with lag, dead letters, replay, publish)
 * for this stack, served over Lambda Invoke from inside the VPC. It runs like a handler function (the functions'
 * security group to reach the brokers, IAM auth, its own role and log group) and is bundled with the application's
 * plan and topic catalog. Its role proves least privilege in the template: it reads the declared topics and the
 * replay ledgers, writes only those, creates only the ledgers, describes only the handlers' groups, and invokes only
 * this stack's handler functions. Nothing can invoke it without lambda:InvokeFunction on its ARN. Nothing runs
 * between requests.
 */
import { join } from 'node:path';
import { CfnOutput, Fn } from 'aws-cdk-lib';
import { Port, SecurityGroup, Peer } from 'aws-cdk-lib/aws-ec2';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { AppManifest } from '../shared/declarations/app';
import { functionEnvironment } from '../shared/declarations/environment';
import { OPERATIONS_FUNCTION, operationsPlanOf, replayLedgerTopic } from '../shared/operations/app';
import { appDirOf, catalogOf, writeOperationsEntry } from '../shared/operations/function-entry';
import type { KafkaClusterRef } from './cluster';
import type { OperationsOptions } from './config';
import { KafkaFunction, PROJECT_ROOT } from './handler-function';
import { InfraInvariantError } from './invariants';
import type { KafkaNetworkRef } from './network';
import type { HandlerPlan } from '../shared/declarations/app-plan';
import { KafkaArns } from './permissions';

/** Where synth writes the function's entry: inside the project (esbuild's projectRoot), the same path every run. */
const ENTRY_DIR = join(PROJECT_ROOT, 'node_modules', '.cache', 'kafka-lambda', 'operations');

/** Lambda's limit on a function's variables, names and values together; function names are up to 64 characters. */
const ENVIRONMENT_LIMIT = 4096;
const FUNCTION_NAME_MAX = 64;

export const OPERATIONS_ACTIONS = {
  connect: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster', 'kafka-cluster:WriteDataIdempotently'],
  /** Records, offsets and the drift check (topic configs) of every declared topic and the ledgers. */
  read: [
    'kafka-cluster:DescribeTopic',
    'kafka-cluster:ReadData',
    'kafka-cluster:DescribeTopicDynamicConfiguration',
  ],
  write: ['kafka-cluster:WriteData'],
  createLedger: ['kafka-cluster:CreateTopic'],
  /** Group state, members and committed offsets (OffsetFetch); never joining, committing or deleting. */
  describeGroups: ['kafka-cluster:DescribeGroup'],
  invoke: ['lambda:InvokeFunction'],
} as const;

export interface OperationsFunctionProps extends OperationsOptions {
  manifest: AppManifest;
  /** Each handler's plan and deployed function. */
  handlers: ReadonlyMap<string, { plan: HandlerPlan; function: KafkaFunction }>;
  cluster: KafkaClusterRef;
  network: KafkaNetworkRef;
  bootstrapBrokers: string;
  logRetention: RetentionDays;
}

const allow = (sid: string, actions: readonly string[], resources: readonly string[]): PolicyStatement =>
  new PolicyStatement({ sid, effect: Effect.ALLOW, actions: [...actions], resources: [...resources] });

export class OperationsFunction extends Construct {
  readonly function: KafkaFunction;

  constructor(scope: Construct, id: string, props: OperationsFunctionProps) {
    super(scope, id);
    const appDir = appDirOf(props.manifest);
    if (!appDir)
      throw new InfraInvariantError(
        'the operations function needs the handlers under one <app>/handlers/ folder beside <app>/topics.ts (or -c operations=false)',
      );
    const handlers = [...props.handlers.values()];
    const estimate = handlers.reduce((n, h) => n + h.plan.name.length + FUNCTION_NAME_MAX + 2, 0);
    if (estimate > ENVIRONMENT_LIMIT - 1024)
      throw new InfraInvariantError(
        `the operations function names every handler function in one variable; ${handlers.length} handlers may pass Lambda's ${ENVIRONMENT_LIMIT}-byte environment limit (-c operations=false)`,
      );
    const maxRecords = props.maxRecordsPerRequest ?? OPERATIONS_FUNCTION.maxRecordsPerRequest;
    const entry = writeOperationsEntry(operationsPlanOf(props.manifest), catalogOf(appDir), ENTRY_DIR);

    const apiGroup = this.lambdaApiPath(props.network);
    this.function = new KafkaFunction(this, 'Function', {
      extraSecurityGroups: [apiGroup],
      entry,
      description:
        'kafka-lambda operations: topics, records, groups, dead letters, replay and publish over Invoke',
      memoryMb: OPERATIONS_FUNCTION.memoryMb,
      timeoutSeconds: OPERATIONS_FUNCTION.timeoutSeconds,
      externalModules: [],
      network: props.network,
      logRetention: props.logRetention,
      environment: {
        ...functionEnvironment(
          { environment: {} },
          { kafkaAuth: 'iam', kafkaBrokers: props.bootstrapBrokers },
        ),
        KAFKA_CLUSTER_ARN: props.cluster.clusterArn,
        KAFKA_LAMBDA_HANDLER_FUNCTIONS: Fn.join(
          ',',
          handlers.map((h) => Fn.join('=', [h.plan.name, h.function.fn.functionName])),
        ),
        KAFKA_LAMBDA_OPERATIONS_MAX_RECORDS: String(maxRecords),
      },
    });
    this.function.addToRolePolicy(...this.statements(props));

    new CfnOutput(scope, 'OperationsFunction', {
      value: this.function.fn.functionName,
      description: 'the operations function: npm run cli -- <command> --stack <stack name>',
    });
    new CfnOutput(scope, 'OperationsFunctionArn', {
      value: this.function.fn.functionArn,
      description: 'grant operators lambda:InvokeFunction on this ARN (README: Operating a deployed stack)',
    });
  }

  private statements(props: OperationsFunctionProps): PolicyStatement[] {
    const arns = new KafkaArns(props.cluster.clusterArn);
    const plans = [...props.handlers.values()].map((h) => h.plan);
    const declared = props.manifest.topics.map((t) => t.name);
    const ledgers = [...new Set(plans.map((p) => replayLedgerTopic(p.group)))].sort();
    const topics = [...new Set([...declared, ...ledgers])].sort().map((t) => arns.topic(t));
    const groups = [...new Set(plans.flatMap((p) => p.groups))].sort().map((g) => arns.group(g));
    const statements = [
      allow('KafkaConnect', OPERATIONS_ACTIONS.connect, [arns.clusterArn]),
      allow('KafkaReadTopics', OPERATIONS_ACTIONS.read, topics),
      allow('KafkaWriteTopics', OPERATIONS_ACTIONS.write, topics),
    ];
    if (ledgers.length)
      statements.push(
        allow(
          'KafkaCreateReplayLedgers',
          OPERATIONS_ACTIONS.createLedger,
          ledgers.map((t) => arns.topic(t)),
        ),
      );
    if (groups.length)
      statements.push(allow('KafkaDescribeHandlerGroups', OPERATIONS_ACTIONS.describeGroups, groups));
    const functions = [...props.handlers.values()].map((h) => h.function.fn.functionArn);
    if (functions.length)
      statements.push(allow('InvokeHandlerFunctions', OPERATIONS_ACTIONS.invoke, functions));
    return statements;
  }

  /**
   * HTTPS to the Lambda API, for replays, from the private subnets. The function keeps the functions' group (the
   * brokers admit it) and gets one more for this: in `endpoints` egress to the Lambda interface endpoint only (its
   * private DNS name is the API's); with NAT gateways, or an existing cluster's subnets, to any address, where the
   * route tables decide (a NAT, or an interface endpoint the network already has). The handlers' own group is
   * unchanged.
   */
  private lambdaApiPath(network: KafkaNetworkRef): SecurityGroup {
    const group = new SecurityGroup(this, 'LambdaApiEgress', {
      vpc: network.vpc,
      description:
        'kafka-lambda operations function: HTTPS to the Lambda API (replays invoke handler functions)',
      allowAllOutbound: false,
    });
    if (network.endpointSecurityGroup) {
      group.addEgressRule(
        network.endpointSecurityGroup,
        Port.tcp(443),
        'HTTPS to the Lambda interface endpoint',
      );
      network.endpointSecurityGroup.addIngressRule(
        group,
        Port.tcp(443),
        'HTTPS from the operations function',
      );
    } else {
      group.addEgressRule(
        Peer.anyIpv4(),
        Port.tcp(443),
        'HTTPS to the Lambda API (through the NAT gateways)',
      );
    }
    return group;
  }
}
