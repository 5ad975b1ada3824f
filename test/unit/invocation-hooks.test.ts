import * as z from 'zod';
import { addInvocationHook, defineHandler, defineTopic, type InvocationReport } from '../../shared';
import { record, runHandler } from '../../shared/testkit';

const orders = defineTopic({
  name: 'orders',
  partitions: 2,
  value: z.object({ id: z.string() }),
  key: (o) => o.id,
});
const handler = defineHandler({ name: 'hooked', topics: [orders], handle() {} });

describe('invocation hooks', () => {
  it('tell an added hook each invocation, wrapping each record, with the report at the end', async () => {
    const seen: string[] = [];
    let report: InvocationReport | undefined;
    const remove = addInvocationHook({
      start: (inv) => {
        seen.push(`start ${inv.spec.name}`);
        return {
          aroundRecord: (scope, ctx, call) => {
            seen.push(`record ${scope.raw.offset}`);
            return call(ctx, scope);
          },
          end: (r) => void (report = r),
        };
      },
    });
    try {
      await runHandler(handler, [
        record(orders, { id: 'a' }, { partition: 0 }),
        record(orders, { id: 'b' }, { partition: 0 }),
      ]);
    } finally {
      remove();
    }
    expect(seen).toEqual(['start hooked', 'record 0', 'record 1']);
    expect(report?.byTopic).toEqual({ orders: { received: 2, handled: 2, retries: 0, skipped: 0 } });
    expect(report?.metrics).toHaveLength(1); // the built-in metrics hook ended first
    await runHandler(handler, [record(orders, { id: 'c' })]);
    expect(seen).toHaveLength(3); // removed: not told again
  });

  it('never fail a record for a hook that throws', async () => {
    const remove = addInvocationHook({
      start: () => {
        throw new Error('broken hook');
      },
    });
    const remove2 = addInvocationHook({
      start: () => ({
        end: () => {
          throw new Error('broken end');
        },
      }),
    });
    try {
      const result = await runHandler(handler, [record(orders, { id: 'a' })]);
      expect(result.handled).toHaveLength(1);
      expect(result.response).toEqual({ batchItemFailures: [] });
    } finally {
      remove();
      remove2();
    }
  });
});
