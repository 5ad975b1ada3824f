import {
  CfnSecurityGroupEgress,
  InterfaceVpcEndpointAwsService,
  Port,
  SecurityGroup,
  Vpc,
} from 'aws-cdk-lib/aws-ec2';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import {
  AdotLambdaExecWrapper,
  AdotLambdaLayerJavaScriptSdkVersion,
  AdotLayerVersion,
  LayerVersion,
  Tracing,
  type CfnFunction,
} from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { KafkaFunction } from './handler-function';
import type { KafkaNetworkRef } from './network';
import { ACCEPTED, acknowledge } from './nag';

/**
 * Which AWS Distro for OpenTelemetry layer traced functions get, and the wrapper script that registers its SDK before
 * the handler module loads (AWS_LAMBDA_EXEC_WRAPPER).
 */
export interface TracingLayer {
  /** A layer version ARN in the stack's region, for the functions' architecture (arm64). */
  arn: string;
  execWrapper: string;
}

/**
 * The default layer: the ADOT JavaScript layer the CDK keeps an ARN table of (per region and architecture, resolved
 * at deploy for this environment-agnostic stack), with an embedded collector that exports to X-Ray. The newer
 * AWSOpenTelemetryDistroJs layers, which CDK does not list, are given with `-c tracingLayerArn=...` and run under
 * `/opt/otel-instrument` (README, "Observing a deployed stack").
 */
export const ADOT_WRAPPER = {
  legacy: AdotLambdaExecWrapper.REGULAR_HANDLER,
  distro: '/opt/otel-instrument',
} as const;

function defaultLayerArn(fn: KafkaFunction): string {
  // `_bind` is how the CDK's own `adotInstrumentation` prop resolves the ARN; that prop exists only at construction.
  return AdotLayerVersion.fromJavaScriptSdkLayerVersion(AdotLambdaLayerJavaScriptSdkVersion.LATEST)._bind(
    fn.fn,
  ).arn;
}

/**
 * Attaches the ADOT layer to one function (a handler declared with `deploy.tracing`): the layer, its wrapper, active
 * X-Ray tracing, and the two X-Ray actions its exporter calls (which take no resource but "*").
 */
export function attachTracing(fn: KafkaFunction, layer?: TracingLayer): void {
  fn.fn.addLayers(LayerVersion.fromLayerVersionArn(fn, 'AdotLayer', layer?.arn ?? defaultLayerArn(fn)));
  fn.fn.addEnvironment('AWS_LAMBDA_EXEC_WRAPPER', layer?.execWrapper ?? ADOT_WRAPPER.legacy);
  (fn.fn.node.defaultChild as CfnFunction).tracingConfig = { mode: Tracing.ACTIVE };
  fn.addToRolePolicy(
    new PolicyStatement({
      sid: 'ExportTraces',
      effect: Effect.ALLOW,
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      resources: ['*'],
    }),
  );
  acknowledge(fn.role, ACCEPTED.xrayWildcard);
}

/**
 * The functions' way to X-Ray, once per stack when any handler is traced: their security group allows only the
 * brokers, so it gets HTTPS to an X-Ray interface endpoint (a new VPC without NAT), or out through the NAT gateways
 * (`egress=nat`), or out for an existing cluster's VPC, whose routes are its owner's to provide.
 */
export class TracingEgress extends Construct {
  constructor(scope: Construct, id: string, network: KafkaNetworkRef) {
    super(scope, id);
    const functions = network.functionSecurityGroup;
    if (network.egress === 'endpoints' && network.vpc instanceof Vpc) {
      const endpointGroup = new SecurityGroup(this, 'XRayEndpointSecurityGroup', {
        vpc: network.vpc,
        description: 'X-Ray interface endpoint: HTTPS from the handler functions only',
        allowAllOutbound: false,
      });
      endpointGroup.addIngressRule(functions, Port.tcp(443), 'HTTPS from the handler functions');
      network.vpc.addInterfaceEndpoint('XRayEndpoint', {
        service: InterfaceVpcEndpointAwsService.XRAY,
        subnets: network.subnets,
        securityGroups: [endpointGroup],
        open: false,
        privateDnsEnabled: true,
      });
      // The group has an inline rule (to the brokers), so a separate egress resource adds to it.
      new CfnSecurityGroupEgress(this, 'XRayEgress', {
        groupId: functions.securityGroupId,
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        destinationSecurityGroupId: endpointGroup.securityGroupId,
        description: 'HTTPS to the X-Ray endpoint (traced handlers)',
      });
      return;
    }
    new CfnSecurityGroupEgress(this, 'XRayEgress', {
      groupId: functions.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIp: '0.0.0.0/0',
      description: "HTTPS to X-Ray (traced handlers), through the NAT gateways or the VPC's own routes",
    });
  }
}
