import { randomUUID } from 'node:crypto';
import * as z from 'zod';
import { defineTopic } from '../../shared/declarations/topic';
import { createProducer } from '../../shared/producer';
import { partitionForKey } from '../../shared/kafka/partitioner';
import { collect, kafkaClient } from '../support/emulation';
import { testBrokers } from '../support/brokers';

const brokers = testBrokers();
const kafka = kafkaClient(brokers);

describe('the typed producer against a real broker', () => {
  const topic = defineTopic({
    name: `producer-${randomUUID().slice(0, 8)}`,
    partitions: 12,
    replicationFactor: 1,
    value: z.object({ userId: z.string(), n: z.number() }),
    key: (v) => v.userId,
  });

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [{ topic: topic.name, numPartitions: 12, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await admin.disconnect();
  });

  it('puts every record of a key on one partition: the one the Java client would pick', async () => {
    const producer = createProducer({ brokers });
    const users = Array.from({ length: 40 }, (_, i) => `user-${i}`);
    for (let n = 0; n < 5; n++)
      await producer.publishBatch(
        topic,
        users.map((userId) => ({ userId, n })),
      );
    await producer.disconnect();

    const seen = await collect(kafka, [topic.name], (value, _h, meta) => ({
      ...(value as { userId: string; n: number }),
      ...meta,
    }));
    try {
      await seen.until((items) => items.length === 200, 30_000, '200 records');
      const partitionsByUser = new Map<string, Set<number>>();
      for (const r of seen.items)
        partitionsByUser.set(r.userId, (partitionsByUser.get(r.userId) ?? new Set()).add(r.partition));
      for (const [userId, partitions] of partitionsByUser) {
        expect([...partitions]).toEqual([partitionForKey(userId, 12)]);
      }
      expect(new Set(seen.items.map((r) => r.partition)).size).toBeGreaterThan(6); // load spreads
      // order per key is kept
      for (const userId of users)
        expect(seen.items.filter((r) => r.userId === userId).map((r) => r.n)).toEqual([0, 1, 2, 3, 4]);
    } finally {
      await seen.stop();
    }
  });

  async function recordCount(): Promise<number> {
    const admin = kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic.name);
    await admin.disconnect();
    return offsets.reduce((sum, p) => sum + Number(p.high), 0);
  }

  it('rejects an invalid value before sending anything', async () => {
    const before = await recordCount();
    const producer = createProducer({ brokers });
    try {
      await expect(
        producer.publishBatch(topic, [
          { userId: 'ok', n: 1 },
          { userId: 'bad', n: 'x' as unknown as number },
        ]),
      ).rejects.toThrow(`cannot publish to topic ${topic.name}: value violates schema: field n`);
    } finally {
      await producer.disconnect();
    }
    expect(await recordCount()).toBe(before); // the valid record of the batch was not sent either
  });
});
