import type { StandardSchemaV1 } from '@standard-schema/spec';
import * as z from 'zod';
import { defineHandler, type KafkaRecord } from '../../shared/declarations/handler';
import { defineTopic } from '../../shared/declarations/topic';
import { mskEvent, rawRecord, record, runHandler } from '../../shared/testkit';
import { lambdaHandler } from '../../shared/lambda/adapter';
import type { MskEvent } from '../../shared/lambda/msk-event';
import { observeInvocation, type InvocationReport } from '../../shared/lambda/invocation-report';

const orders = defineTopic({
  name: 'orders',
  partitions: 4,
  value: z.object({ userId: z.string(), seq: z.number(), fail: z.boolean().optional() }),
  key: (v) => v.userId,
});
const audit = defineTopic({ name: 'audit', partitions: 1, value: z.object({ seen: z.number() }), key: null });

const base64 = (s: string): string => Buffer.from(s).toString('base64');

/** An event exactly as the MSK event source mapping documents it: two topic-partitions, null key, headers, both timestamp types. */
const documentedEvent: MskEvent = {
  eventSource: 'aws:kafka',
  eventSourceArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abc',
  bootstrapServers: 'b-1.demo.kafka.us-east-1.amazonaws.com:9098',
  records: {
    'orders-0': [
      {
        topic: 'orders',
        partition: 0,
        offset: 15,
        timestamp: 1545084650987,
        timestampType: 'CREATE_TIME',
        key: base64('u1'),
        value: base64(JSON.stringify({ userId: 'u1', seq: 1 })),
        headers: [{ traceId: [116, 49] }],
      },
    ],
    'orders-3': [
      {
        topic: 'orders',
        partition: 3,
        offset: 7,
        timestamp: 1545084650999,
        timestampType: 'LOG_APPEND_TIME',
        value: base64(JSON.stringify({ userId: 'u2', seq: 2 })),
        headers: [],
      },
    ],
  },
};

describe('the Lambda adapter', () => {
  it('decodes the documented MSK event: base64 key and value, null keys, headers, both timestamp types', async () => {
    const seen: KafkaRecord<unknown>[] = [];
    const h = defineHandler({ name: 'collect', topics: [orders], handle: (r) => void seen.push(r) });
    const result = await runHandler(h, documentedEvent);
    expect(result.response).toEqual({ batchItemFailures: [] });
    expect(seen).toHaveLength(2);
    const [a, b] = [seen.find((r) => r.partition === 0)!, seen.find((r) => r.partition === 3)!];
    expect(a).toMatchObject({
      topic: 'orders',
      offset: 15,
      key: 'u1',
      value: { userId: 'u1', seq: 1 },
      headers: { traceId: 't1' },
    });
    expect(a.timestamp.getTime()).toBe(1545084650987);
    expect(a.timestampType).toBe('CREATE_TIME');
    expect(b).toMatchObject({ key: null, offset: 7, timestampType: 'LOG_APPEND_TIME', headers: {} });
  });

  it('keeps per-key order under per-key concurrency while running keys in parallel', async () => {
    const log: string[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const h = defineHandler({
      name: 'per-key',
      topics: [orders],
      concurrency: { by: 'key', maxInFlight: 8 },
      async handle(r) {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1 + (r.value.seq % 3)));
        log.push(`${r.value.userId}:${r.value.seq}`);
        inFlight--;
      },
    });
    const input = [];
    for (let seq = 0; seq < 10; seq++)
      for (let u = 0; u < 20; u++) input.push(record(orders, { userId: `u${u}`, seq }));
    const result = await runHandler(h, input);
    expect(result.handled).toHaveLength(200);
    for (let u = 0; u < 20; u++) {
      const seqs = log.filter((e) => e.startsWith(`u${u}:`)).map((e) => Number(e.split(':')[1]));
      expect(seqs).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    }
    expect(maxInFlight).toBeGreaterThan(1);
    expect(maxInFlight).toBeLessThanOrEqual(8);
  });

  it('retries a throwing record, then dead-letters it while the others succeed', async () => {
    const tries = new Map<number, number>();
    const h = defineHandler({
      name: 'flaky',
      topics: [orders],
      retry: { attempts: 3 },
      handle(r) {
        tries.set(r.value.seq, (tries.get(r.value.seq) ?? 0) + 1);
        if (r.value.fail) throw new Error(`cannot process seq ${r.value.seq}`);
      },
    });
    const result = await runHandler(h, [
      record(orders, { userId: 'u1', seq: 1 }),
      record(orders, { userId: 'u1', seq: 2, fail: true }, { headers: { origin: 'game' } }),
      record(orders, { userId: 'u1', seq: 3 }),
    ]);
    expect(tries.get(2)).toBe(3);
    expect(result.handled.map((h) => h.offset)).toEqual([0, 2]);
    expect(result.response.batchItemFailures).toEqual([]);
    expect(result.deadLetters).toHaveLength(1);
    const [dl] = result.deadLetters;
    expect(dl!.topic).toBe('orders.flaky.dlq');
    expect(dl!.key).toBe('u1');
    expect(dl!.value).toEqual({ userId: 'u1', seq: 2, fail: true });
    expect(dl!.headers.origin).toBe('game');
    expect(dl!.info).toMatchObject({
      handler: 'flaky',
      group: 'flaky',
      attempts: 3,
      kind: 'handler',
      source: { topic: 'orders', offset: 1 },
    });
    expect(dl!.info.error).toMatch(/topic orders partition \d offset 1: cannot process seq 2/);
  });

  it('dead-letters bad JSON and schema violations without retry, naming the field', async () => {
    let calls = 0;
    const h = defineHandler({ name: 'strict', topics: [orders], handle: () => void calls++ });
    const result = await runHandler(h, [
      rawRecord(orders, '{not json', { key: 'u1', partition: 1 }),
      rawRecord(orders, JSON.stringify({ userId: 'u1', seq: 'three' }), { key: 'u1', partition: 1 }),
      record(orders, { userId: 'u1', seq: 4 }, { partition: 1 }),
    ]);
    expect(calls).toBe(1);
    expect(result.deadLetters.map((d) => [d.info.kind, d.info.attempts])).toEqual([
      ['decode', 1],
      ['schema', 1],
    ]);
    expect(result.deadLetters[0]!.info.error).toMatch(
      /^topic orders partition 1 offset 0: value is not valid json/,
    );
    expect(result.deadLetters[0]!.value).toEqual(Buffer.from('{not json'));
    expect(result.deadLetters[1]!.info.error).toMatch(
      /topic orders partition 1 offset 1: value violates schema: field seq: .*expected number/i,
    );
  });

  it('fails the whole batch when the dead-letter write fails, so nothing is committed past it', async () => {
    const h = defineHandler({ name: 'strict', topics: [orders], handle: () => {} });
    await expect(
      runHandler(h, [rawRecord(orders, 'garbage', { key: 'u1' })], { failWrites: true }),
    ).rejects.toThrow(
      /dead-letter write to orders.strict.dlq failed for topic orders partition 0 offset 0: write refused by the test/,
    );
  });

  it('reports the first failed offset per partition in ReportBatchItemFailures mode', async () => {
    const processed: number[] = [];
    const h = defineHandler({
      name: 'partial',
      topics: [orders],
      failureMode: 'report-batch-item-failures',
      retry: { attempts: 1 },
      handle(r) {
        if (r.value.fail) throw new Error('nope');
        processed.push(r.value.seq);
      },
    });
    const result = await runHandler(h, [
      record(orders, { userId: 'a', seq: 1 }, { partition: 2 }),
      record(orders, { userId: 'a', seq: 2, fail: true }, { partition: 2 }),
      record(orders, { userId: 'a', seq: 3 }, { partition: 2 }),
      record(orders, { userId: 'b', seq: 4 }, { partition: 3 }),
    ]);
    expect(processed.sort()).toEqual([1, 4]);
    expect(result.response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'orders-2', offset: 1 } }],
    });
    expect(result.deadLetters).toEqual([]);
  });

  it('publishes typed records only to declared topics, validated', async () => {
    const h = defineHandler({
      name: 'relay',
      topics: [orders],
      publishes: [audit],
      async handle(r, ctx) {
        await ctx.publish(audit, { seen: r.value.seq });
      },
    });
    const result = await runHandler(h, [record(orders, { userId: 'u1', seq: 9 })]);
    expect(result.published).toEqual([
      {
        topic: 'audit',
        key: null,
        value: { seen: 9 },
        // the record had no trace context: its handling started a trace, which the publish continues
        headers: { traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/) as unknown },
      },
    ]);

    const rogue = defineHandler({
      name: 'rogue',
      topics: [orders],
      retry: { attempts: 1 },
      // @ts-expect-error audit is not in publishes
      handle: (r, ctx) => ctx.publish(audit, { seen: r.value.seq }),
    });
    const bad = await runHandler(rogue, [record(orders, { userId: 'u1', seq: 9 })]);
    expect(bad.deadLetters[0]!.info.error).toMatch(
      /publishes to topic audit, which is not in its "publishes" list/,
    );
  });

  it('hands a batch function every valid record and dead-letters the batch when it keeps failing', async () => {
    const batches: number[][] = [];
    const h = defineHandler({
      name: 'batcher',
      topics: [orders],
      retry: { attempts: 2 },
      handleBatch(records) {
        batches.push(records.map((r) => r.value.seq));
        if (records.some((r) => r.value.fail)) throw new Error('bad batch');
      },
    });
    const ok = await runHandler(h, [
      record(orders, { userId: 'a', seq: 1 }),
      rawRecord(orders, 'x'),
      record(orders, { userId: 'b', seq: 2 }),
    ]);
    expect(batches).toEqual([[1, 2]]);
    expect(ok.handled).toHaveLength(2);
    expect(ok.deadLetters.map((d) => d.info.kind)).toEqual(['decode']);
    const failed = await runHandler(h, [
      record(orders, { userId: 'a', seq: 3, fail: true }),
      record(orders, { userId: 'b', seq: 4 }),
    ]);
    expect(failed.deadLetters.map((d) => d.info.attempts)).toEqual([2, 2]);
    expect(failed.deadLetters[0]!.info.error).toMatch(/batch of 2 records failed: bad batch/);
  });

  it('validates with an asynchronous schema and retries a handler whose promise rejects, keeping partition order', async () => {
    // A Standard Schema that answers with a promise (as a schema with async refinements does).
    const asyncSchema: StandardSchemaV1<unknown, { seq: number }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (input) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          const seq = (input as { seq?: unknown }).seq;
          return typeof seq === 'number'
            ? { value: { seq } }
            : { issues: [{ message: 'not a number', path: ['seq'] }] };
        },
      },
    };
    const slow = defineTopic({ name: 'slow', partitions: 1, value: asyncSchema, key: null });
    const seen: number[] = [];
    let failedOnce = false;
    const h = defineHandler({
      name: 'async-all-the-way',
      topics: [slow],
      retry: { attempts: 2 },
      async handle(r) {
        if (r.value.seq === 2 && !failedOnce) {
          failedOnce = true;
          throw new Error('first attempt fails');
        }
        seen.push(r.value.seq);
      },
    });
    const result = await runHandler(h, [
      record(slow, { seq: 1 }),
      record(slow, { seq: 2 }),
      rawRecord(slow, JSON.stringify({ seq: 'x' })),
      record(slow, { seq: 4 }),
    ]);
    expect(seen).toEqual([1, 2, 4]);
    expect(result.handled.map((r) => r.offset)).toEqual([0, 1, 3]);
    expect(result.deadLetters.map((d) => [d.info.kind, d.info.source.offset])).toEqual([['schema', 2]]);
    expect(result.deadLetters[0]!.info.error).toMatch(
      /offset 2: value violates schema: field seq: not a number/,
    );
  });

  it('the exported Lambda handler returns the event source response', async () => {
    const h = defineHandler({ name: 'plain', topics: [orders], handle: () => {} });
    const handler = lambdaHandler(h, { sink: () => ({ send: async () => {} }) });
    await expect(handler(mskEvent([record(orders, { userId: 'u', seq: 1 })]))).resolves.toEqual({
      batchItemFailures: [],
    });
  });

  it('reports every handled record to whoever observes the event (the emulator), though Lambda reads only the response', async () => {
    const h = defineHandler({ name: 'observed', topics: [orders], handle: () => {} });
    const handler = lambdaHandler(h, { sink: () => ({ send: async () => {} }) });
    const event = mskEvent([
      record(orders, { userId: 'u', seq: 1 }),
      record(orders, { userId: 'u', seq: 2 }),
    ]);
    const reports: InvocationReport[] = [];
    observeInvocation(event, (report) => reports.push(report));
    await handler(event);
    const partition = event.records[Object.keys(event.records)[0]!]![0]!.partition;
    expect(reports.map((r) => r.handled)).toEqual([
      [
        { topic: 'orders', partition, offset: 0 },
        { topic: 'orders', partition, offset: 1 },
      ],
    ]);
  });
});
