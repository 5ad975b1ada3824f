import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadApp, type AppManifest } from '../../../shared/declarations/app';
import type { KafkaLambdaOptions } from '../../../infra/config';
import { PROJECT_ROOT } from '../../../infra/handler-function';
import { applyNag } from '../../../infra/nag';
import { KafkaLambdaStack } from '../../../infra/stack';

/** Synth runs esbuild per function: a whole test file shares one synthesis (beforeAll) and this much time. */
export const SYNTH_TIMEOUT_MS = 180_000;

/** The same feature flags `cdk synth` uses, so tests see the template the CLI produces. */
export const CDK_CONTEXT: Record<string, unknown> = (
  JSON.parse(readFileSync(join(PROJECT_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

export const exampleManifest = (): AppManifest => loadApp(join(PROJECT_ROOT, 'functions'));
export const fixtureManifest = (): AppManifest => loadApp(join(PROJECT_ROOT, 'test', 'infra', 'fixtures'));

export interface NagViolation {
  ruleName: string;
  severity: string;
  violatingConstructs: { constructPath: string }[];
  acknowledgedId?: string;
  reason?: string;
  acknowledgedAt?: string;
}

export interface ValidationReport {
  pluginReports: {
    pluginName: string;
    conclusion: string;
    violations: NagViolation[];
    suppressedViolations?: NagViolation[];
  }[];
}

export interface Synthesized {
  stack: KafkaLambdaStack;
  template: Template;
  json: TemplateJson;
  outdir: string;
  /** The policy validation report (cdk-nag's findings); present when `nag` was on. */
  report?: ValidationReport;
}

export interface TemplateJson {
  Resources: Record<
    string,
    {
      Type: string;
      Properties?: Record<string, unknown>;
      DependsOn?: string[];
      DeletionPolicy?: string;
      UpdateReplacePolicy?: string;
      Metadata?: Record<string, unknown>;
    }
  >;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface SynthOptions {
  /** Run esbuild for the functions (default true); variants that only look at the template skip it. */
  bundle?: boolean;
  nag?: boolean;
  stackName?: string;
}

const outdirs: string[] = [];

// Each test file imports this module afresh: its cloud assemblies (bundles included) go when the file is done.
afterAll(() => {
  for (const dir of outdirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Builds the stack in a fresh app and synthesizes it the way `cdk synth` does. */
export function synthesize(
  manifest: AppManifest,
  options: KafkaLambdaOptions = {},
  synth: SynthOptions = {},
): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'kafka-lambda-synth-'));
  outdirs.push(outdir);
  const app = new App({
    outdir,
    context: { ...CDK_CONTEXT, ...(synth.bundle === false && { 'aws:cdk:bundling-stacks': [] }) },
  });
  const stack = new KafkaLambdaStack(app, synth.stackName ?? 'Test', { manifest, ...options });
  if (synth.nag) applyNag(app);
  let failure: unknown;
  try {
    app.synth();
  } catch (error) {
    failure = error;
  }
  const report = synth.nag
    ? (JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as ValidationReport)
    : undefined;
  if (failure !== undefined && !synth.nag) throw failure;
  const json = JSON.parse(
    readFileSync(join(outdir, `${stack.artifactId}.template.json`), 'utf8'),
  ) as TemplateJson;
  return { stack, template: Template.fromJSON(json), json, outdir, ...(report && { report }) };
}

/** Resources of one type, by logical id. */
export function resourcesOf(json: TemplateJson, type: string): [string, Record<string, unknown>][] {
  return Object.entries(json.Resources)
    .filter(([, r]) => r.Type === type)
    .map(([id, r]) => [id, r.Properties ?? {}]);
}

/**
 * Renders the intrinsic functions of an ARN into readable text: pseudo parameters become `${Partition}`,
 * `${Region}`, `${Account}`, and the pieces cut from the cluster ARN become `${ClusterName}` / `${ClusterUuid}`.
 */
export function renderArn(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v.Ref === 'AWS::Partition') return '${Partition}';
  if (v.Ref === 'AWS::Region') return '${Region}';
  if (v.Ref === 'AWS::AccountId') return '${Account}';
  if (Array.isArray(v['Fn::Join'])) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(renderArn).join(sep);
  }
  if (Array.isArray(v['Fn::Select'])) {
    const [index, list] = v['Fn::Select'] as [number, Record<string, unknown>];
    if (Array.isArray(list['Fn::Split']) && (list['Fn::Split'] as unknown[])[0] === '/') {
      return ['${ClusterArnHead}', '${ClusterName}', '${ClusterUuid}'][index] ?? '${?}';
    }
  }
  if (Array.isArray(v['Fn::GetAtt'])) return `\${${(v['Fn::GetAtt'] as string[]).join('.')}}`;
  if (typeof v.Ref === 'string') return `\${${v.Ref}}`;
  return JSON.stringify(value);
}

export const topicArn = (name: string): string =>
  `arn:\${Partition}:kafka:\${Region}:\${Account}:topic/\${ClusterName}/\${ClusterUuid}/${name}`;
export const groupArn = (name: string): string =>
  `arn:\${Partition}:kafka:\${Region}:\${Account}:group/\${ClusterName}/\${ClusterUuid}/${name}`;

export interface PolicyStatementJson {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
}

/** The statements of the (inline) policy attached to a role, by the role's logical id. */
export function statementsOfRole(json: TemplateJson, roleLogicalId: string): PolicyStatementJson[] {
  return resourcesOf(json, 'AWS::IAM::Policy')
    .filter(([, p]) =>
      ((p.Roles as { Ref: string }[] | undefined) ?? []).some((r) => r.Ref === roleLogicalId),
    )
    .flatMap(([, p]) => (p.PolicyDocument as { Statement: PolicyStatementJson[] }).Statement);
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The logical id a construct's CloudFormation resource got. */
export function logicalIdOf(
  stack: KafkaLambdaStack,
  resource: { node: { defaultChild?: unknown } } | object,
): string {
  const child = (resource as { node?: { defaultChild?: unknown } }).node?.defaultChild ?? resource;
  return stack.resolve(
    stack.getLogicalId(child as Parameters<KafkaLambdaStack['getLogicalId']>[0]),
  ) as string;
}

/** An ARN of a cluster this stack does not create (the "existing cluster" variant). */
export const EXISTING_CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/shared-kafka/0f0f0f0f-1111-2222-3333-444444444444-3';

/** The `cluster` option that brings an existing cluster, its VPC, subnets and security group. */
export const existingCluster: NonNullable<KafkaLambdaOptions['cluster']> = {
  kind: 'existing',
  type: 'provisioned',
  clusterArn: EXISTING_CLUSTER_ARN,
  brokerCount: 3,
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
  privateSubnetIds: ['subnet-0123456789abcdef1', 'subnet-0123456789abcdef2', 'subnet-0123456789abcdef3'],
  securityGroupId: 'sg-0123456789abcdef0',
};
