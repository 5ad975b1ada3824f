import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient, physicalTableName } from '../../shared/state/dynamodb';
import { tableClient, visible } from '../../shared/state/table-client';
import { numberFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { appManifest, resolveDynamoDb } from '../context';

export const table: Command = {
  name: 'table',
  help: `table NAME [--key PARTITION_KEY] [--limit N] [--app DIR]
    Prints a declared table's items as JSON lines: those of one partition key (e.g. one user's inventory:
    table inventory --key user-42), else the first N (default 50). Reads DYNAMODB_ENDPOINT, else the local server.`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs(args, {
      key: { type: 'string' },
      limit: { type: 'string', default: '50' },
      app: { type: 'string' },
    });
    const name = positionals[0];
    const manifest = appManifest(values.app);
    const declared = manifest.tables.find((t) => t.name === name);
    if (!declared) {
      throw new UsageError(
        `no table named "${name ?? ''}"; declared: ${manifest.tables.map((t) => t.name).join(', ') || 'none'}`,
      );
    }
    const limit = numberFlag('limit', values.limit)!;
    const endpoint = await resolveDynamoDb(io.say);
    const client = createDocumentClient({ ...process.env, DYNAMODB_ENDPOINT: endpoint });
    try {
      const items =
        values.key !== undefined
          ? await tableClient(declared, {
              client,
              tableName: physicalTableName(declared),
              group: 'cli',
            }).query(values.key, { limit })
          : // As the handlers see them: deleted items (tombstones) left out, fences stripped.
            (
              (await client.send(new ScanCommand({ TableName: physicalTableName(declared), Limit: limit })))
                .Items ?? []
            )
              .map((item) => visible<Record<string, unknown>>(item))
              .filter((item) => item !== undefined);
      for (const item of items) io.say(JSON.stringify(item));
      io.say(`${items.length} item(s) in ${physicalTableName(declared)}`);
    } finally {
      client.destroy();
    }
  },
};
