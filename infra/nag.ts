import { Stack, Validations, type Acknowledgment, type CfnResource } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Runs the AWS Solutions rule pack over everything in the app at synth (cdk-nag 3: a policy validation plugin). */
export function applyNag(app: IConstruct): AwsSolutionsChecks {
  const pack = new AwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(pack);
  return pack;
}

const rule = (id: string): string => `AwsSolutions::AwsSolutions-${id}`;

/**
 * Every finding this design accepts, each with the reason it is acceptable. They are acknowledged on the one
 * construct that causes them (never stack-wide), so a new resource with the same problem still fails synth.
 */
export const ACCEPTED = {
  eniWildcard: {
    id: rule('IAM5[Resource::*]'),
    reason:
      "Only the EC2 network-interface actions a VPC-attached function, and a handler's MSK event source mapping, " +
      'need (Create/Delete/Describe NetworkInterfaces, Describe Vpcs/Subnets/SecurityGroups, Assign/Unassign IPs); ' +
      'EC2 Describe* actions support no resource-level permissions, so AWS documents them with Resource "*". ' +
      'Every kafka-cluster and kafka action is scoped to exact cluster, topic and group ARNs.',
  },
  pinnedRuntime: {
    id: rule('L1'),
    reason:
      'Node.js 22 is pinned on purpose: it is the runtime the framework and the local emulator are tested on and ' +
      'the esbuild target; moving to a newer runtime is a deliberate, tested change, not an automatic one.',
  },
  onFailureBucketObjects: {
    /** The finding names the bucket by logical id: see `objectsOf`. */
    id: rule('IAM5[Resource::<OnFailureBucket.Arn>/*]'),
    reason:
      "s3:PutObject on the objects of this handler's own on-failure bucket: the event source mapping names each " +
      'discarded-batch object itself, so the key cannot be known in advance.',
  },
  onFailureBucketAccessLogs: {
    id: rule('S1'),
    reason:
      'On-failure destination written only by the Lambda event source mapping through this function role; ' +
      'public access is blocked, TLS enforced, objects versioned and retained. Access logging would need a second ' +
      'bucket per handler for a bucket with a single writer; enable CloudTrail S3 data events where required.',
  },
  providerInvokesVersions: {
    /** The finding names the function by logical id: see `underArnOf`. */
    id: rule('IAM5[Resource::<TopicAdminFunction.Arn>:*]'),
    reason:
      'The CDK custom-resource provider framework may invoke any version or alias of the one topic-admin ' +
      'function it fronts (Resource "<function ARN>:*"); it can invoke nothing else.',
  },
  frameworkBasicExecution: {
    id: rule('IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]'),
    reason:
      'Roles that CDK creates for its own custom-resource functions (provider framework, AwsCustomResource) carry ' +
      'the AWS managed basic execution policy, which grants CloudWatch Logs writes only; CDK does not let them ' +
      'be replaced, and the functions themselves hold no Kafka or data permissions.',
  },
  prefixListLookup: {
    id: rule('IAM5[Resource::*]'),
    reason:
      'The deploy-time lookup of the regional DynamoDB prefix list id (for the function egress rule) calls ' +
      'ec2:DescribeManagedPrefixLists, which supports no resource-level permissions; it is the only action granted.',
  },
  xrayWildcard: {
    id: rule('IAM5[Resource::*]'),
    reason:
      'xray:PutTraceSegments and xray:PutTelemetryRecords, for a handler deployed with deploy.tracing (the ADOT ' +
      "layer's exporter): X-Ray's write actions support no resource-level permissions, so AWS documents them with " +
      'Resource "*". They write trace data only.',
  },
  explicitZones: {
    id: 'CloudFormation-Validate::W3010',
    reason:
      "Zone names appear only when the deployer passes network.availabilityZones (or an existing cluster's zones) " +
      'on purpose; by default the stack resolves three zones with Fn::GetAZs.',
  },
  importedSubnetRouteTables: {
    id: 'Annotation::@aws-cdk/aws-ec2:noSubnetRouteTableId',
    reason:
      "An existing cluster's subnets are referenced by id only; this stack adds no routes or gateway endpoints to " +
      'them, so their route tables are never read.',
  },
} satisfies Record<string, Acknowledgment>;

/**
 * A wildcard finding under the ARN of a resource of this stack, e.g. `Resource::<Bucket1234.Arn>/*` (its
 * objects) or `Resource::<Function1234.Arn>:*` (its versions): cdk-nag names the resource by logical id.
 */
export function underArnOf(
  resource: CfnResource,
  suffix: '/*' | ':*',
  accepted: Acknowledgment,
): Acknowledgment {
  const stack = Stack.of(resource);
  const logicalId = stack.resolve(stack.getLogicalId(resource)) as string;
  return { ...accepted, id: rule(`IAM5[Resource::<${logicalId}.Arn>${suffix}]`) };
}

export function acknowledge(scope: IConstruct, ...accepted: Acknowledgment[]): void {
  Validations.of(scope).acknowledge(...accepted);
}
