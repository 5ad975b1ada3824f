import { TABLE_ACTIONS } from '../../infra/tables';
import {
  asList,
  exampleManifest,
  logicalIdOf,
  renderArn,
  resourcesOf,
  statementsOfRole,
  synthesize,
  SYNTH_TIMEOUT_MS,
  type Synthesized,
} from './support/synth';

let synth: Synthesized;
beforeAll(() => {
  synth = synthesize(exampleManifest(), {}, { bundle: false });
}, SYNTH_TIMEOUT_MS);

describe('tables', () => {
  test('one table per declaration: its key, on-demand, PITR, encrypted, deletion-protected, retained', () => {
    const tables = resourcesOf(synth.json, 'AWS::DynamoDB::Table');
    expect(tables).toHaveLength(1);
    const [id, resource] = tables[0]!;
    expect(id).toBe(logicalIdOf(synth.stack, synth.stack.tables.byName.get('inventory')!));
    const raw = synth.json.Resources[id]! as unknown as {
      DeletionPolicy: string;
      UpdateReplacePolicy: string;
    };
    expect(raw.DeletionPolicy).toBe('Retain');
    expect(raw.UpdateReplacePolicy).toBe('Retain');
    expect(resource).toMatchObject({
      KeySchema: [
        { AttributeName: 'userId', KeyType: 'HASH' },
        { AttributeName: 'itemId', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
      DeletionProtectionEnabled: true,
    });
  });

  test.each([
    ['inventory-projection', ['inventory']],
    ['anomaly-detector', []],
    ['server-stats', []],
  ])(
    '%s gets exactly its tables: their names in its environment, the client actions on them only',
    (name, own) => {
      const handler = synth.stack.handlers.get(name)!;
      const statements = statementsOfRole(synth.json, logicalIdOf(synth.stack, handler.function.role));
      const dynamodb = statements.filter((s) => asList(s.Action).some((a) => a.startsWith('dynamodb:')));
      const variables = Object.keys(
        (
          synth.json.Resources[logicalIdOf(synth.stack, handler.function.fn)]!.Properties!.Environment as {
            Variables: Record<string, unknown>;
          }
        ).Variables,
      ).filter((v) => v.startsWith('KAFKA_LAMBDA_TABLE_'));
      expect(variables).toEqual(own.map((t) => `KAFKA_LAMBDA_TABLE_${t.toUpperCase()}`));
      if (own.length === 0) return expect(dynamodb).toEqual([]);
      expect(dynamodb).toHaveLength(1);
      expect(asList(dynamodb[0]!.Action).sort()).toEqual([...TABLE_ACTIONS].sort());
      expect(asList(dynamodb[0]!.Resource).map(renderArn)).toEqual(
        own.map((t) =>
          renderArn({ 'Fn::GetAtt': [logicalIdOf(synth.stack, synth.stack.tables.byName.get(t)!), 'Arn'] }),
        ),
      );
    },
  );

  test('a DynamoDB gateway endpoint on the private subnets keeps the traffic inside the VPC', () => {
    const endpoints = resourcesOf(synth.json, 'AWS::EC2::VPCEndpoint').filter(([, r]) =>
      JSON.stringify(r).includes('.dynamodb'),
    );
    expect(endpoints).toHaveLength(1);
    expect(endpoints[0]![1]).toMatchObject({ VpcEndpointType: 'Gateway' });
  });
});
