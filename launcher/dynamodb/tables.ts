/** Creates the declared tables on a DynamoDB endpoint (the local server), as infra/tables.ts does on AWS. */
import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { keyAttributes, type AnyTable } from '../../shared/declarations/table';
import { physicalTableName } from '../../shared/state/dynamodb';

/** Creates each missing table; an existing one must have the declared key, or this says how it differs. */
export async function ensureTables(
  client: DynamoDBDocumentClient,
  tables: readonly Pick<AnyTable, 'name' | 'partitionKey' | 'sortKey'>[],
): Promise<{ name: string; action: 'created' | 'none' }[]> {
  const results: { name: string; action: 'created' | 'none' }[] = [];
  for (const table of tables) {
    const name = physicalTableName(table);
    const declared = keyAttributes(table);
    try {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      const actual = (Table?.KeySchema ?? []).map((k) => k.AttributeName);
      if (JSON.stringify(actual) !== JSON.stringify(declared)) {
        throw new Error(
          `table ${name} exists with key [${actual.join(', ')}] but is declared with [${declared.join(', ')}]: wipe the local server (npm run cli -- dynamodb down)`,
        );
      }
      results.push({ name, action: 'none' });
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
      await client.send(
        new CreateTableCommand({
          TableName: name,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: declared.map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
          KeySchema: declared.map((AttributeName, i) => ({
            AttributeName,
            KeyType: i === 0 ? 'HASH' : 'RANGE',
          })),
        }),
      );
      results.push({ name, action: 'created' });
    }
  }
  return results;
}
