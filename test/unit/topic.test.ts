import * as z from 'zod';
import { defineTopic, defineTopicFamily } from '../../shared/declarations/topic';
import { encodeRecord } from '../../shared/kafka/publish';
import { defineHandler } from '../../shared/declarations/handler';
import { rawRecord, runHandler } from '../../shared/testkit';

/** encodeRecord throws for a synchronous schema and rejects for an asynchronous one: a rejection either way. */
const encode = async <T>(...args: Parameters<typeof encodeRecord<T>>): Promise<unknown> =>
  encodeRecord(...args);

const value = z.object({ userId: z.string(), n: z.number() });

describe('topic declarations', () => {
  it('applies durable defaults: replication 3, min.insync.replicas 2', () => {
    const t = defineTopic({ name: 'orders', partitions: 6, value, key: (v) => v.userId });
    expect(t.replicationFactor).toBe(3);
    expect(t.config).toEqual({ 'min.insync.replicas': '2' });
  });

  it('keeps declared configs under their Kafka names', () => {
    const t = defineTopic({
      name: 'balances',
      partitions: 3,
      config: { 'cleanup.policy': 'compact', 'retention.ms': 86400000 },
      value,
      key: (v) => v.userId,
    });
    expect(t.config).toEqual({
      'min.insync.replicas': '2',
      'cleanup.policy': 'compact',
      'retention.ms': '86400000',
    });
  });

  it.each([
    [{ name: 'bad name', partitions: 1 }, 'topic "bad name": a topic name is 1-249 characters'],
    [{ name: 'ok', partitions: 0 }, 'topic "ok": partitions must be a positive integer, got 0'],
    [
      { name: 'ok', partitions: 1, replicationFactor: 3, config: { 'min.insync.replicas': 3 } },
      'min.insync.replicas 3 must be below the replication factor 3',
    ],
    [
      { name: 'ok', partitions: 1, replicationFactor: 2, config: { 'min.insync.replicas': 4 } },
      'min.insync.replicas 4 must be between 1 and the replication factor 2',
    ],
  ])('rejects %j', (options, message) => {
    expect(() => defineTopic({ value, key: null, ...options })).toThrow(message);
  });

  it('a family names one topic per member and maps names back to members', () => {
    const family = defineTopicFamily({
      pattern: '{server}_item_change',
      members: ['eu1', 'us1'],
      partitions: 12,
      value,
      key: (v) => v.userId,
    });
    expect(family.topics.map((t) => t.name)).toEqual(['eu1_item_change', 'us1_item_change']);
    expect(family.of('asia9').name).toBe('asia9_item_change');
    expect(family.of('eu1')).toBe(family.topics[0]);
    expect(family.memberOf('us1_item_change')).toBe('us1');
    expect(family.memberOf('alerts')).toBeUndefined();
    expect(family.memberOf('_item_change')).toBeUndefined();
    expect(() =>
      defineTopicFamily({ pattern: 'no_placeholder', members: [], partitions: 1, value, key: null }),
    ).toThrow('exactly one {placeholder}');
  });
});

describe('encodeRecord', () => {
  const topic = defineTopic({ name: 'orders', partitions: 6, value, key: (v) => v.userId });

  it('derives the key from the value and encodes JSON', async () => {
    const r = await encodeRecord(topic, { userId: 'u1', n: 2 }, { headers: { trace: 't1' } });
    expect(r.key?.toString()).toBe('u1');
    expect(JSON.parse(r.value!.toString())).toEqual({ userId: 'u1', n: 2 });
    expect(r.headers).toEqual([{ key: 'trace', value: Buffer.from('t1') }]);
  });

  it('rejects an invalid value naming topic and field, before anything is sent', async () => {
    await expect(encode(topic, { userId: 'u1', n: 'x' } as never)).rejects.toThrow(
      /cannot publish to topic orders: value violates schema: field n: .*expected number/i,
    );
  });
});

describe('an explicit key schema', () => {
  const sessions = defineTopic({
    name: 'sessions',
    partitions: 3,
    value: z.object({ started: z.number() }),
    key: { schema: z.string().regex(/^session-\d+$/) },
  });

  it('requires the key on publish and validates it', async () => {
    await expect(encode(sessions, { started: 1 })).rejects.toThrow(
      'cannot publish to topic sessions: the topic declares a key schema: pass the key as { key }',
    );
    await expect(encode(sessions, { started: 1 }, { key: 'user-1' })).rejects.toThrow(/key violates schema/);
    const r = await encodeRecord(sessions, { started: 1 }, { key: 'session-7' });
    expect(r.key?.toString()).toBe('session-7');
  });

  it('dead-letters a record whose key breaks the schema, naming it', async () => {
    const h = defineHandler({ name: 'keyed', topics: [sessions], handle: () => {} });
    const result = await runHandler(h, [
      rawRecord(sessions, '{"started":1}', { key: 'nope' }),
      rawRecord(sessions, '{"started":2}', { key: 'session-2' }),
    ]);
    expect(result.handled).toHaveLength(1);
    expect(result.deadLetters[0]!.info).toMatchObject({ kind: 'schema' });
    expect(result.deadLetters[0]!.info.error).toMatch(/key violates schema/);
  });
});
