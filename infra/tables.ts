import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { CfnSecurityGroupEgress, GatewayVpcEndpointAwsService, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { AnyTable } from '../shared/declarations/table';
import { tableNameVariable } from '../shared/state/dynamodb';
import type { KafkaFunction } from './handler-function';
import type { KafkaNetworkRef } from './network';
import { ACCEPTED, acknowledge } from './nag';

/**
 * What a handler's table client calls (shared/state/table-client.ts): reads, conditional writes, queries. No
 * Scan, no batch or transactional writes, no table administration.
 */
export const TABLE_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
] as const;

export interface KafkaTablesProps {
  tables: readonly AnyTable[];
  network: KafkaNetworkRef;
  /**
   * What happens to a table when the stack deletes it: the stack's `statefulRemovalPolicy` (`-c removal=destroy`
   * for a throwaway stack). Retained tables are also deletion-protected.
   * @default RemovalPolicy.RETAIN
   */
  removalPolicy?: RemovalPolicy;
}

/**
 * One DynamoDB table per declaration (on-demand, point-in-time recovery, encrypted, deletion-protected, retained),
 * a gateway endpoint that keeps the functions' DynamoDB traffic inside the VPC, and HTTPS egress from the function
 * security group to DynamoDB's prefix list only.
 */
export class KafkaTables extends Construct {
  readonly byName = new Map<string, Table>();

  constructor(scope: Construct, id: string, props: KafkaTablesProps) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    for (const declared of props.tables) {
      const table = new Table(this, `Table-${declared.name}`, {
        partitionKey: { name: declared.partitionKey, type: AttributeType.STRING },
        ...(declared.sortKey !== undefined && {
          sortKey: { name: declared.sortKey, type: AttributeType.STRING },
        }),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: TableEncryption.AWS_MANAGED,
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        removalPolicy,
      });
      this.byName.set(declared.name, table);
    }
    if (props.tables.length > 0) this.network(props.network);
  }

  /** The endpoint (a new VPC only: an existing one's routes are its owner's) and the egress rule to DynamoDB. */
  private network(network: KafkaNetworkRef): void {
    if (network.vpc instanceof Vpc) {
      network.vpc.addGatewayEndpoint('DynamoDbEndpoint', {
        service: GatewayVpcEndpointAwsService.DYNAMODB,
        subnets: [network.subnets],
      });
    }
    // CloudFormation cannot name the regional DynamoDB prefix list; one EC2 call at deploy time looks it up.
    const prefixList = new AwsCustomResource(this, 'DynamoDbPrefixList', {
      onUpdate: {
        service: 'EC2',
        action: 'describeManagedPrefixLists',
        parameters: {
          Filters: [
            { Name: 'prefix-list-name', Values: [`com.amazonaws.${Stack.of(this).region}.dynamodb`] },
          ],
        },
        physicalResourceId: PhysicalResourceId.of('dynamodb-prefix-list'),
        outputPaths: ['PrefixLists.0.PrefixListId'],
      },
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['ec2:DescribeManagedPrefixLists'],
          resources: ['*'],
        }),
      ]),
      installLatestAwsSdk: false,
    });
    acknowledge(prefixList, ACCEPTED.prefixListLookup);
    // AwsCustomResource runs on one CDK-generated function per stack (the topics' admin calls share it).
    const sdkCallFunction = Stack.of(this).node.tryFindChild(
      `AWS${AwsCustomResource.PROVIDER_FUNCTION_UUID.replace(/-/g, '')}`,
    );
    if (sdkCallFunction) acknowledge(sdkCallFunction, ACCEPTED.frameworkBasicExecution);
    // The group already has an inline rule (to the brokers), so EC2 has dropped its allow-all default: a separate
    // egress resource adds to it.
    new CfnSecurityGroupEgress(this, 'DynamoDbEgress', {
      groupId: network.functionSecurityGroup.securityGroupId,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      destinationPrefixListId: prefixList.getResponseField('PrefixLists.0.PrefixListId'),
      description: 'HTTPS to DynamoDB (through the gateway endpoint)',
    });
  }

  /** Gives a function its tables: their names in its environment, and the table client's actions on them only. */
  grant(fn: KafkaFunction, tables: readonly AnyTable[]): void {
    if (tables.length === 0) return;
    const deployed = tables.map((t) => {
      const table = this.byName.get(t.name);
      if (!table) throw new Error(`table "${t.name}" is not in the manifest`);
      fn.fn.addEnvironment(tableNameVariable(t), table.tableName);
      return table;
    });
    fn.addToRolePolicy(
      new PolicyStatement({
        sid: 'OwnTables',
        effect: Effect.ALLOW,
        actions: [...TABLE_ACTIONS],
        resources: deployed.map((t) => t.tableArn),
      }),
    );
  }
}
