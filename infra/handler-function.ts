import { dirname, join, resolve } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { ISecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal, type PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Architecture, LoggingFormat, Runtime } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { HandlerModule } from '../shared/declarations/app';
import { FUNCTION_BUNDLE } from '../shared/declarations/bundling';
import { functionEnvironment } from '../shared/declarations/environment';
import type { HandlerPlan } from '../shared/declarations/app-plan';
import { digestOf } from './digest';
import type { KafkaNetworkRef } from './network';
import { ACCEPTED, acknowledge } from './nag';
import { eniStatement, logStatement } from './permissions';

/** The repository root: package-lock.json there pins what esbuild bundles. */
export const PROJECT_ROOT = resolve(__dirname, '..');

export const FUNCTION_RUNTIME = Runtime.NODEJS_22_X;
export const FUNCTION_ARCHITECTURE = Architecture.ARM_64;

/** The bundler's view of a function: which modules stay out of the bundle. */
export function externalModulesFor(plan: Pick<HandlerPlan, 'externalModules'>): string[] {
  return [...plan.externalModules];
}

export interface KafkaFunctionProps {
  entry: string;
  description: string;
  memoryMb: number;
  timeoutSeconds: number;
  reservedConcurrency?: number;
  externalModules: string[];
  network: KafkaNetworkRef;
  logRetention: RetentionDays;
  environment: Record<string, string>;
  /**
   * Create-only identity of what the function is attached to: a change gives the function a new logical id, so
   * CloudFormation creates a new function (and name) instead of updating this one. @default none
   */
  identity?: string;
  /** Groups besides the functions' one (which lets it reach the brokers). @default none */
  extraSecurityGroups?: readonly ISecurityGroup[];
}

/**
 * A Node.js 22 ARM64 function bundled by esbuild (minified, tree-shaken, source maps), in the cluster's private
 * subnets behind the function security group, with its own role (no managed policies) and its own log group
 * with retention and JSON log format.
 */
export class KafkaFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: KafkaFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: props.description,
    });
    this.role.addToPrincipalPolicy(eniStatement());
    this.role.addToPrincipalPolicy(logStatement(this.logGroup.logGroupArn));
    const functionId =
      props.identity === undefined ? 'Function' : `Function-${digestOf(this, props.identity)}`;
    this.fn = new NodejsFunction(this, functionId, {
      entry: props.entry,
      handler: 'handler',
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: FUNCTION_ARCHITECTURE,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      ...(props.reservedConcurrency !== undefined && {
        reservedConcurrentExecutions: props.reservedConcurrency,
      }),
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: LoggingFormat.JSON,
      vpc: props.network.vpc,
      vpcSubnets: props.network.subnets,
      securityGroups: [props.network.functionSecurityGroup, ...(props.extraSecurityGroups ?? [])],
      environment: props.environment,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: join(PROJECT_ROOT, 'package-lock.json'),
      bundling: {
        minify: FUNCTION_BUNDLE.minify,
        sourceMap: FUNCTION_BUNDLE.sourcemap,
        sourcesContent: FUNCTION_BUNDLE.sourcesContent,
        target: FUNCTION_BUNDLE.target,
        define: FUNCTION_BUNDLE.define,
        loader: FUNCTION_BUNDLE.loader,
        format: OutputFormat.CJS, // FUNCTION_BUNDLE.format
        externalModules: props.externalModules,
        logLevel: LogLevel.ERROR,
      },
    });
    // The role's policy must exist before the function (and so its event source mappings) starts using it.
    this.fn.node.addDependency(this.role);
    acknowledge(this.role, ACCEPTED.eniWildcard);
    acknowledge(this.fn, ACCEPTED.pinnedRuntime);
  }

  addToRolePolicy(...statements: PolicyStatement[]): void {
    for (const statement of statements) this.role.addToPrincipalPolicy(statement);
  }
}

export interface HandlerFunctionContext {
  network: KafkaNetworkRef;
  logRetention: RetentionDays;
  /** KAFKA_BROKERS when known; otherwise the functions use the event's bootstrapServers. */
  bootstrapBrokers?: string;
  /** The identities of its event source mappings (see `mappingIdentity`). */
  identity: string;
}

/** One Lambda per handler module: the module file is the entry, `handler` its export. */
export function handlerFunction(
  scope: Construct,
  module: HandlerModule,
  plan: HandlerPlan,
  ctx: HandlerFunctionContext,
): KafkaFunction {
  const { definition } = module;
  const deploy = definition.deploy;
  return new KafkaFunction(scope, `Handler-${definition.name}`, {
    entry: module.entry,
    description: `Kafka handler ${definition.name} (group ${definition.group}) from ${relativeEntry(module.entry)}`,
    memoryMb: deploy.memoryMb,
    timeoutSeconds: deploy.timeoutSeconds,
    ...(deploy.reservedConcurrency !== undefined && { reservedConcurrency: deploy.reservedConcurrency }),
    externalModules: externalModulesFor(plan),
    identity: ctx.identity,
    network: ctx.network,
    logRetention: ctx.logRetention,
    environment: functionEnvironment(definition.deploy, {
      kafkaAuth: 'iam',
      ...(ctx.bootstrapBrokers !== undefined && { kafkaBrokers: ctx.bootstrapBrokers }),
    }),
  });
}

/** The entry relative to the project, so descriptions (and templates) do not depend on the checkout path. */
function relativeEntry(entry: string): string {
  const root = PROJECT_ROOT + '/';
  return entry.startsWith(root)
    ? entry.slice(root.length)
    : join(dirname(entry).split('/').pop() ?? '', entry.split('/').pop() ?? '');
}
