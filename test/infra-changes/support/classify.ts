import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { TemplateJson } from '../../infra/support/synth';

/** Resources that hold data: a routine change may update them, never replace or delete them. */
export const STATEFUL_TYPES: ReadonlySet<string> = new Set([
  'AWS::MSK::Cluster',
  'AWS::MSK::ServerlessCluster',
  'AWS::MSK::Topic',
  'Custom::KafkaTopic',
  'AWS::DynamoDB::Table',
  'AWS::DynamoDB::GlobalTable',
  'AWS::S3::Bucket',
  'AWS::KMS::Key',
]);

/** Properties that give a resource a fixed physical name: two live resources of one type cannot share them. */
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::MSK::Cluster': 'ClusterName',
  'AWS::MSK::ServerlessCluster': 'ClusterName',
  'AWS::MSK::Configuration': 'Name',
  'AWS::MSK::Topic': 'TopicName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::EC2::SecurityGroup': 'GroupName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::Logs::LogGroup': 'LogGroupName',
};

export interface ResourceChange {
  logicalId: string;
  type: string;
  impact: ResourceImpact;
}

/**
 * Every resource change from `before` to `after`, classified as `cdk diff` does: the CDK's template-diff library
 * applies the CloudFormation resource specifications' replacement rules to each changed property.
 */
export function classify(before: TemplateJson, after: TemplateJson): ResourceChange[] {
  const diff = fullDiff(before, after);
  const changes: ResourceChange[] = [];
  diff.resources.forEachDifference((logicalId, change) => {
    // Custom resources have no specification: the library marks their changed properties NO_CHANGE, while
    // CloudFormation sends the provider an Update (ours keep the physical id, the topic name).
    const impact =
      change.changeImpact === ResourceImpact.NO_CHANGE && change.isDifferent
        ? ResourceImpact.WILL_UPDATE
        : change.changeImpact;
    if (impact === ResourceImpact.NO_CHANGE) return;
    changes.push({ logicalId, type: change.resourceType ?? 'unknown', impact });
  });
  return changes;
}

/** Types a stateful resource refers to from create-only nested properties (MSK: subnets, groups, KMS key). */
const NESTED_CREATE_ONLY_TARGETS: ReadonlySet<string> = new Set([
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::SecurityGroup',
  'AWS::KMS::Key',
]);

const REPLACING: ReadonlySet<ResourceImpact> = new Set([
  ResourceImpact.WILL_REPLACE,
  ResourceImpact.MAY_REPLACE,
]);
const LEAVING: ReadonlySet<ResourceImpact> = new Set([
  ResourceImpact.WILL_DESTROY,
  ResourceImpact.WILL_ORPHAN,
]);

function nameOf(template: TemplateJson, logicalId: string): string | undefined {
  const resource = template.Resources[logicalId];
  const key = resource && NAME_PROPERTIES[resource.Type];
  const value = key ? resource.Properties?.[key] : undefined;
  return value === undefined ? undefined : JSON.stringify(value);
}

/** Logical ids named by Ref and Fn::GetAtt anywhere in a value. */
function referencesIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(referencesIn);
  if (value === null || typeof value !== 'object') return [];
  const v = value as Record<string, unknown>;
  if (typeof v.Ref === 'string') return [v.Ref];
  if (Array.isArray(v['Fn::GetAtt'])) return [String((v['Fn::GetAtt'] as unknown[])[0])];
  return Object.values(v).flatMap(referencesIn);
}

function mappingOf(template: TemplateJson, logicalId: string): { target: string; group?: string } {
  const p = template.Resources[logicalId]!.Properties ?? {};
  const config = p.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId?: string } | undefined;
  return {
    target: JSON.stringify([p.FunctionName, p.EventSourceArn, p.Topics]),
    ...(config?.ConsumerGroupId !== undefined && { group: config.ConsumerGroupId }),
  };
}

/**
 * What would make the deploy fail or lose data, each as a sentence (empty: the change is safe). CloudFormation
 * creates new and replacement resources before it deletes the ones they replace, so:
 * - a stateful resource replaced or destroyed (orphaned, i.e. retained, is fine);
 * - a replacement that keeps its fixed name, or a new resource taking the name of one still live;
 * - a new event source mapping meeting a live one on the same function, cluster and topic, or on the same
 *   consumer group (Lambda refuses both), and any mapping replaced under its own logical id.
 */
export function problems(
  before: TemplateJson,
  after: TemplateJson,
  changes: readonly ResourceChange[],
): string[] {
  const found: string[] = [];
  for (const c of changes) {
    if (STATEFUL_TYPES.has(c.type) && (REPLACING.has(c.impact) || c.impact === ResourceImpact.WILL_DESTROY))
      found.push(`stateful ${c.type} ${c.logicalId}: ${c.impact}`);
    if (!REPLACING.has(c.impact)) continue;
    const name = nameOf(after, c.logicalId);
    if (name !== undefined && name === nameOf(before, c.logicalId))
      found.push(`${c.type} ${c.logicalId} is replaced under the same name ${name}`);
    if (c.type === 'AWS::Lambda::EventSourceMapping')
      found.push(`event source mapping ${c.logicalId} is replaced in place: the new one meets the old one`);
  }
  // Create-only properties nested deeper than the specification describes (a cluster's subnets, security
  // groups, encryption key) change when the resource they refer to is replaced, which replaces the cluster.
  const replaced = new Set(
    changes
      .filter((c) => REPLACING.has(c.impact) && NESTED_CREATE_ONLY_TARGETS.has(c.type))
      .map((c) => c.logicalId),
  );
  for (const [id, resource] of Object.entries(after.Resources)) {
    if (!STATEFUL_TYPES.has(resource.Type) || !before.Resources[id]) continue;
    for (const ref of referencesIn(resource.Properties).filter((r) => replaced.has(r)))
      found.push(`stateful ${resource.Type} ${id} refers to ${ref}, which is replaced`);
  }
  const added = changes.filter((c) => c.impact === ResourceImpact.WILL_CREATE);
  const leaving = changes.filter((c) => LEAVING.has(c.impact));
  for (const a of added) {
    const name = nameOf(after, a.logicalId);
    if (name === undefined) continue;
    for (const l of leaving.filter((l) => l.type === a.type && nameOf(before, l.logicalId) === name))
      found.push(`${a.type} ${a.logicalId} takes the name ${name} of ${l.logicalId}, still live`);
  }
  const isMapping = (c: ResourceChange): boolean => c.type === 'AWS::Lambda::EventSourceMapping';
  for (const a of added.filter(isMapping)) {
    const next = mappingOf(after, a.logicalId);
    for (const l of leaving.filter(isMapping)) {
      const old = mappingOf(before, l.logicalId);
      if (old.target === next.target)
        found.push(`mapping ${a.logicalId} meets ${l.logicalId} on the same function, cluster and topic`);
      if (old.group !== undefined && old.group === next.group)
        found.push(`mapping ${a.logicalId} meets ${l.logicalId} on consumer group ${old.group}`);
    }
  }
  return found;
}
