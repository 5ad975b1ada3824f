/**
 * Compile-time checks: `npm run lint` runs `tsc --noEmit`, which fails if any `@ts-expect-error` below stops
 * being an error (i.e. if the types got looser). The runtime assertions check the same declarations behave.
 */
import * as z from 'zod';
import { defineHandler, defineTopic, defineTopicFamily } from '../../shared';
import { encodeRecord } from '../../shared/kafka/publish';

/** encodeRecord throws for a synchronous schema and rejects for an asynchronous one: a rejection either way. */
const encode = async <T>(...args: Parameters<typeof encodeRecord<T>>): Promise<unknown> =>
  encodeRecord(...args);

const orders = defineTopic({
  name: 'orders',
  partitions: 3,
  value: z.object({ userId: z.string(), amount: z.number() }),
  key: (v) => v.userId,
});
const alerts = defineTopic({
  name: 'alerts',
  partitions: 1,
  value: z.object({ text: z.string() }),
  key: null,
});
const family = defineTopicFamily({
  pattern: '{s}_log',
  members: ['a'],
  partitions: 1,
  value: z.object({ n: z.number() }),
  key: null,
});

describe('types', () => {
  it('rejects a key function that reads a missing field or returns a non-string', () => {
    expect(() =>
      defineTopic({
        name: 't',
        partitions: 1,
        value: z.object({ userId: z.string() }),
        // @ts-expect-error no such field: the key is a typed function of the value
        key: (v) => v.accountId,
      }),
    ).not.toThrow();
    defineTopic({
      name: 't2',
      partitions: 1,
      value: z.object({ userId: z.number() }),
      // @ts-expect-error the key must be a string
      key: (v) => v.userId,
    });
  });

  it('types records from the value schema and publishes only declared topics with their value type', async () => {
    const h = defineHandler({
      name: 'typed',
      topics: [orders, family],
      publishes: [alerts],
      async handle(record, ctx) {
        const v = record.value;
        if ('userId' in v) {
          const amount: number = v.amount;
          // @ts-expect-error amount is a number
          const wrong: string = v.amount;
          void amount;
          void wrong;
        }
        await ctx.publish(alerts, { text: 'ok' });
        // @ts-expect-error wrong field for alerts
        await ctx.publish(alerts, { message: 'no' });
        // @ts-expect-error orders is not declared in publishes
        await ctx.publish(orders, { userId: 'u', amount: 1 });
      },
    });
    expect(h.publishes).toEqual([alerts]);
    // @ts-expect-error amount must be a number
    await expect(encode(orders, { userId: 'u', amount: '1' })).rejects.toThrow(/field amount/);
  });
});
