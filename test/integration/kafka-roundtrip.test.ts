// Timeouts are given per hook and test: Jest reads `testTimeout` only from the top-level config, not a project's.

/**
 * The local Kafka cluster (from test/support/global-setup.ts) works with kafkajs end to end: topic creation,
 * idempotent acks=all produce, and consumption through a consumer group with per-key partition affinity.
 */
import { type Admin, type Consumer, Kafka, logLevel, type Producer } from 'kafkajs';
import { testBrokers, uniqueName } from '../support/brokers';

const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi'];
const PER_USER = 5;

interface Received {
  key: string;
  value: string;
  partition: number;
  offset: bigint;
}

describe('Kafka round trip on the local cluster', () => {
  const kafka = new Kafka({
    clientId: uniqueName('roundtrip'),
    brokers: testBrokers(),
    logLevel: logLevel.NOTHING,
  });
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer | undefined;
  const topic = uniqueName('roundtrip');

  beforeAll(async () => {
    admin = kafka.admin();
    producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await Promise.all([admin.connect(), producer.connect()]);
  }, 30_000);

  afterAll(async () => {
    await consumer?.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }, 30_000);

  it('delivers every keyed record once, each key on one partition, in order', async () => {
    const { brokers } = await admin.describeCluster();
    const replicationFactor = Math.min(3, brokers.length);
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor }],
      waitForLeaders: true,
    });
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [topic] })).topics;
    expect(metadata?.partitions).toHaveLength(3);
    expect(metadata?.partitions.every((p) => p.replicas.length === replicationFactor)).toBe(true);

    const sent = USERS.flatMap((user) =>
      Array.from({ length: PER_USER }, (_, seq) => ({ key: user, value: JSON.stringify({ user, seq }) })),
    );
    const acks = await producer.send({ topic, acks: -1, messages: sent });
    expect(acks.every((ack) => ack.errorCode === 0)).toBe(true);

    const received: Received[] = [];
    let allReceived!: () => void;
    const done = new Promise<void>((resolve) => (allReceived = resolve));
    consumer = kafka.consumer({ groupId: uniqueName('roundtrip-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        received.push({
          key: message.key?.toString() ?? '',
          value: message.value?.toString() ?? '',
          partition,
          offset: BigInt(message.offset),
        });
        if (received.length >= sent.length) allReceived();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`received ${received.length}/${sent.length} records in 60 s`)),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));

    // Every record exactly once, with its key and value intact.
    const asText = (r: { key: string; value: string }): string => `${r.key}=${r.value}`;
    expect(received.map(asText).sort()).toEqual(sent.map(asText).sort());

    // One partition per key; within it, the key's records in the order they were produced.
    for (const user of USERS) {
      const mine = received.filter((r) => r.key === user);
      expect(new Set(mine.map((r) => r.partition)).size).toBe(1);
      const inOffsetOrder = [...mine].sort((a, b) => (a.offset < b.offset ? -1 : 1));
      expect(inOffsetOrder.map((r) => (JSON.parse(r.value) as { seq: number }).seq)).toEqual(
        Array.from({ length: PER_USER }, (_, seq) => seq),
      );
    }
    // The keys spread over more than one partition.
    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
  }, 90_000);
});
