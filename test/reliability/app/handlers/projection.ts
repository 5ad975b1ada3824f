import { appendFileSync } from 'node:fs';
import { defineHandler, lambdaHandler } from '../../../../shared';
import { applied, balances, changes } from '../topics';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The projection under test, with two durable effects per record: the key's item in `balances`, updated with the
 * framework's fenced write (apply-once by source topic-partition and offset, as the example app's inventory
 * projection), then a record (key, delta, source partition and offset) in `applied`, whose log the tests use for
 * order and duplicates. Per-key concurrency and retries as in functions/handlers/inventory-projection.ts.
 */
export const projection = defineHandler({
  name: 'projection',
  group: `${process.env.RELIABILITY_PREFIX ?? 'reliability'}-projection`,
  topics: [changes],
  publishes: [applied],
  tables: [balances],
  startingPosition: 'earliest',
  batch: { size: 100, windowSeconds: 0 },
  concurrency: { by: 'key', maxInFlight: 16 },
  retry: { attempts: 3, backoff: { initialMs: 20, maxMs: 200 } },
  async handle(record, ctx) {
    const { value, topic, partition, offset } = record;
    const delay = Number(process.env.RELIABILITY_DELAY_MS ?? 0);
    if (delay > 0) await sleep(delay);
    if (value.fail) throw new Error(`change ${value.key}/${value.seq} is marked to fail`);
    const { key, seq, delta } = value;
    // The table first: a redelivery, or a retry after the publish below failed, finds it applied and changes nothing.
    await ctx.table(balances).update({ key }, { add: { balance: delta, applies: 1 } }, { from: record });
    await ctx.publish(applied, { key, seq, delta, topic, partition, offset, pid: process.pid });
    // Diagnostics only: a local note that this record's publish was acknowledged (survives a SIGKILL), so a test
    // can tell an output the producer lost from a record the consumer never handed to the handler.
    const ledger = process.env.RELIABILITY_LEDGER;
    if (ledger) appendFileSync(`${ledger}-${process.pid}.ledger`, `${key}/${seq}\t${partition}\t${offset}\n`);
    const linger = Number(process.env.RELIABILITY_LINGER_MS ?? 0);
    if (value.linger && linger > 0) await sleep(linger); // published, but the invocation is not finished
  },
});

export const handler = lambdaHandler(projection);
