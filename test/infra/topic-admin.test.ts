import {
  desiredFromProperties,
  reconcileTopic,
  type DesiredTopic,
  type TopicAdmin,
} from '../../infra/topic-admin/reconcile';
import { kafkajsTopicAdmin } from '../../infra/topic-admin/handler';
import type { Admin } from 'kafkajs';

/** An in-memory cluster behind the admin interface, recording every call. */
function fakeAdmin(existing: Record<string, { partitions: number; replicationFactor: number }> = {}) {
  const calls: string[] = [];
  const topics = new Map(Object.entries(existing));
  const admin: TopicAdmin = {
    async createTopic(t) {
      calls.push(`create ${t.name}`);
      if (topics.has(t.name)) return false;
      topics.set(t.name, { partitions: t.partitions, replicationFactor: t.replicationFactor });
      return true;
    },
    async describeTopic(name) {
      return topics.get(name);
    },
    async createPartitions(name, count) {
      calls.push(`partitions ${name} ${count}`);
      topics.get(name)!.partitions = count;
    },
    async setConfig(name, config) {
      calls.push(`config ${name} ${JSON.stringify(config)}`);
    },
  };
  return { admin, calls, topics };
}

const desired: DesiredTopic = {
  name: 'orders',
  partitions: 6,
  replicationFactor: 3,
  config: { 'retention.ms': '1000' },
};

describe('reconcileTopic (custom resource behind MSK Serverless topics)', () => {
  test('creates a missing topic with its partitions, replication and configs', async () => {
    const { admin, calls, topics } = fakeAdmin();
    await expect(reconcileTopic(admin, desired)).resolves.toBe('created');
    expect(calls).toEqual(['create orders']);
    expect(topics.get('orders')).toEqual({ partitions: 6, replicationFactor: 3 });
  });

  test('an existing topic gets its configs set, and more partitions when declared', async () => {
    const same = fakeAdmin({ orders: { partitions: 6, replicationFactor: 3 } });
    await expect(reconcileTopic(same.admin, desired)).resolves.toBe('unchanged');
    expect(same.calls).toEqual(['create orders', 'config orders {"retention.ms":"1000"}']);
    const grown = fakeAdmin({ orders: { partitions: 3, replicationFactor: 3 } });
    await expect(reconcileTopic(grown.admin, desired)).resolves.toBe('updated');
    expect(grown.calls).toContain('partitions orders 6');
  });

  test('refuses what Kafka cannot do in place', async () => {
    await expect(
      reconcileTopic(fakeAdmin({ orders: { partitions: 12, replicationFactor: 3 } }).admin, desired),
    ).rejects.toThrow('topic orders has 12 partitions, declared 6: Kafka cannot remove partitions');
    await expect(
      reconcileTopic(fakeAdmin({ orders: { partitions: 6, replicationFactor: 2 } }).admin, desired),
    ).rejects.toThrow(/replication factor 2, declared 3/);
  });

  test('reads CloudFormation properties (all strings) back strictly', () => {
    expect(
      desiredFromProperties({
        TopicName: 'orders',
        Partitions: '6',
        ReplicationFactor: '3',
        Config: { 'retention.ms': 1000 },
      }),
    ).toEqual(desired);
    expect(() =>
      desiredFromProperties({ TopicName: 'orders', Partitions: 'x', ReplicationFactor: '3' }),
    ).toThrow(/Partitions/);
    expect(() => desiredFromProperties({ Partitions: '1', ReplicationFactor: '3' })).toThrow(/TopicName/);
  });

  test('maps onto the kafkajs admin API', async () => {
    const seen: Record<string, unknown[]> = {};
    const record =
      (name: string, result: unknown) =>
      async (...args: unknown[]) => {
        seen[name] = args;
        return result;
      };
    const kafkajs = {
      createTopics: record('createTopics', true),
      fetchTopicMetadata: record('fetchTopicMetadata', {
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionId: 0, replicas: [1, 2, 3] },
              { partitionId: 1, replicas: [2, 3, 1] },
            ],
          },
        ],
      }),
      createPartitions: record('createPartitions', true),
      alterConfigs: record('alterConfigs', {}),
    } as unknown as Admin;
    const admin = kafkajsTopicAdmin(kafkajs);
    await expect(admin.createTopic(desired)).resolves.toBe(true);
    expect(seen.createTopics).toEqual([
      {
        waitForLeaders: true,
        topics: [
          {
            topic: 'orders',
            numPartitions: 6,
            replicationFactor: 3,
            configEntries: [{ name: 'retention.ms', value: '1000' }],
          },
        ],
      },
    ]);
    await expect(admin.describeTopic('orders')).resolves.toEqual({ partitions: 2, replicationFactor: 3 });
    await admin.createPartitions('orders', 8);
    expect(seen.createPartitions).toEqual([{ topicPartitions: [{ topic: 'orders', count: 8 }] }]);
    await admin.setConfig('orders', { 'cleanup.policy': 'compact' });
    expect(seen.alterConfigs).toEqual([
      {
        validateOnly: false,
        resources: [
          { type: 2, name: 'orders', configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
        ],
      },
    ]);
  });
});
