import { fromMskRecord, toMskEvent, toMskRecord, type RawRecord } from '../../shared/lambda/msk-event';
import { backoffDelay, withRetry } from '../../shared/lambda/retry';
import { laneBy, runLanes } from '../../shared/lambda/lanes';

describe('MSK event conversion', () => {
  const raw: RawRecord = {
    topic: 'orders',
    partition: 2,
    offset: 41,
    timestamp: 1700000000000,
    timestampType: 'LOG_APPEND_TIME',
    key: Buffer.from('user-1'),
    value: Buffer.from('{"a":1}'),
    headers: [
      { key: 'trace', value: Buffer.from('abc') },
      { key: 'bin', value: Buffer.from([0, 255]) },
    ],
  };

  it('encodes key and value as base64 and headers as byte arrays, and decodes back exactly', () => {
    const msk = toMskRecord(raw);
    expect(msk).toEqual({
      topic: 'orders',
      partition: 2,
      offset: 41,
      timestamp: 1700000000000,
      timestampType: 'LOG_APPEND_TIME',
      key: Buffer.from('user-1').toString('base64'),
      value: Buffer.from('{"a":1}').toString('base64'),
      headers: [{ trace: [97, 98, 99] }, { bin: [0, 255] }],
    });
    expect(fromMskRecord(msk)).toEqual(raw);
  });

  it('omits null keys and values, and groups records by topic-partition in offset order', () => {
    const event = toMskEvent([
      { ...raw, offset: 43, key: null, value: null },
      { ...raw, offset: 42 },
      { ...raw, partition: 0 },
    ]);
    expect(Object.keys(event.records).sort()).toEqual(['orders-0', 'orders-2']);
    expect(event.records['orders-2']!.map((r) => r.offset)).toEqual([42, 43]);
    expect(event.records['orders-2']![1]).not.toHaveProperty('key');
    expect(fromMskRecord(event.records['orders-2']![1]!).value).toBeNull();
  });

  it('keeps headers in record order with repeated names, and sends a null-valued header as {}', () => {
    const msk = toMskRecord({
      ...raw,
      headers: [
        { key: 'a', value: Buffer.from('1') },
        { key: 'b', value: null },
        { key: 'a', value: Buffer.from('2') },
      ],
    });
    expect(msk.headers).toEqual([{ a: [49] }, {}, { a: [50] }]);
    // The mapping drops a null header's name with its value: it does not come back.
    expect(fromMskRecord(msk).headers).toEqual([
      { key: 'a', value: Buffer.from('1') },
      { key: 'a', value: Buffer.from('2') },
    ]);
  });

  it('puts the event source around the records: eventSource, the cluster ARN, the bootstrap servers', () => {
    const arn = 'arn:aws:kafka:us-east-1:000000000000:cluster/c/0-1';
    const event = toMskEvent([raw], { eventSourceArn: arn, bootstrapServers: 'b:9092' });
    expect(Object.keys(event)).toEqual(['eventSource', 'eventSourceArn', 'bootstrapServers', 'records']);
    expect(event).toMatchObject({
      eventSource: 'aws:kafka',
      eventSourceArn: arn,
      bootstrapServers: 'b:9092',
    });
  });
});

describe('retry and lanes', () => {
  it('backs off exponentially with full jitter, capped', () => {
    const policy = { attempts: 5, initialMs: 100, maxMs: 1000, multiplier: 2 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(policy, n, () => 0.999))).toEqual([
      99, 199, 399, 799, 999,
    ]);
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
  });

  it('stops retrying after the last attempt and reports the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const result = await withRetry(
      { attempts: 3, initialMs: 10, maxMs: 10, multiplier: 1 },
      async () => {
        calls++;
        throw new Error(`fail ${calls}`);
      },
      async (ms) => void waits.push(ms),
    );
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
    expect(result).toMatchObject({ ok: false, attempts: 3 });
    expect((result as { error: Error }).error.message).toBe('fail 3');
  });

  it('runs lanes in parallel up to the limit, each lane in order', async () => {
    const lanes = laneBy(['a1', 'b1', 'a2', 'c1', 'b2', 'a3'], (s) => s[0]!);
    expect(lanes).toEqual([['a1', 'a2', 'a3'], ['b1', 'b2'], ['c1']]);
    const done: string[] = [];
    let active = 0;
    let peak = 0;
    await runLanes(lanes, 2, async (item) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setImmediate(r));
      done.push(item);
      active--;
    });
    expect(peak).toBe(2);
    expect(done.filter((s) => s[0] === 'a')).toEqual(['a1', 'a2', 'a3']);
    expect(done).toHaveLength(6);
  });
});
