/**
 * The table clients of this container, one per handler group and table (module state, like the producer). Required
 * by the adapter on a handler's first `ctx.table(...)`, so the bundle of a handler without tables leaves this and
 * the DynamoDB client out (shared/declarations/bundling.ts, LAZY_TABLES).
 */
import type { AnyHandlerDefinition } from '../declarations/handler';
import type { AnyTable, ItemOf, KeyAttributesOf, Table } from '../declarations/table';
import { sharedDocumentClient, physicalTableName } from '../state/dynamodb';
import { tableClient, type TableClient } from '../state/table-client';

const clients = new Map<string, unknown>();

/** The client of a table the handler declared (the adapter checked that). */
export function declaredTableClient<Tb extends AnyTable>(
  def: AnyHandlerDefinition,
  table: Tb,
): TableClient<ItemOf<Tb>, KeyAttributesOf<Tb>> {
  const id = `${def.group}\0${table.name}`;
  let client = clients.get(id) as TableClient<ItemOf<Tb>, KeyAttributesOf<Tb>> | undefined;
  if (!client) {
    client = tableClient(table as Table<ItemOf<Tb>, KeyAttributesOf<Tb>>, {
      client: sharedDocumentClient(),
      tableName: physicalTableName(table),
      group: def.group,
    });
    clients.set(id, client);
  }
  return client;
}
