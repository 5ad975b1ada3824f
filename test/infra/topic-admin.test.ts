import { desiredFromProperties } from '../../infra/topic-admin/properties';
import {
  planTopic,
  reconcileTopics,
  topicStatuses,
  type DesiredTopic,
  type TopicAdmin,
  type TopicState,
} from '../../shared/kafka/topic-reconcile';

/** An in-memory cluster behind the reconciler's admin interface, recording every call. */
function memoryAdmin(existing: Record<string, TopicState> = {}) {
  const calls: string[] = [];
  const topics = new Map(Object.entries(existing).map(([k, v]) => [k, { ...v, config: { ...v.config } }]));
  const admin: TopicAdmin = {
    async describe(wanted) {
      return new Map(wanted.filter((w) => topics.has(w.name)).map((w) => [w.name, topics.get(w.name)!]));
    },
    async create(list) {
      for (const t of list) {
        calls.push(`create ${t.name}`);
        topics.set(t.name, {
          partitions: t.partitions,
          replicationFactor: t.replicationFactor,
          config: t.config,
        });
      }
    },
    async createPartitions(name, count) {
      calls.push(`partitions ${name} ${count}`);
      topics.get(name)!.partitions = count;
    },
    async alterConfig(name, changes) {
      calls.push(`config ${name} ${JSON.stringify(changes)}`);
      Object.assign(topics.get(name)!.config, changes);
    },
  };
  return { admin, calls, topics };
}

const desired: DesiredTopic = {
  name: 'orders',
  partitions: 6,
  replicationFactor: 3,
  config: { 'cleanup.policy': 'compact', 'retention.ms': '1000' },
};
const state = (
  partitions: number,
  replicationFactor: number,
  config: Record<string, string>,
): TopicState => ({
  partitions,
  replicationFactor,
  config,
});

describe('planTopic: one decision of what changes in place and what is drift', () => {
  test('a missing topic is created; an equal one needs nothing', () => {
    expect(planTopic(desired, undefined)).toEqual({ name: 'orders', steps: [{ kind: 'create' }], drift: [] });
    expect(planTopic(desired, state(6, 3, desired.config))).toEqual({ name: 'orders', steps: [], drift: [] });
  });

  test('more partitions are added, changed configs altered (only the ones that differ)', () => {
    expect(
      planTopic(desired, state(3, 3, { 'cleanup.policy': 'compact', 'retention.ms': '5' })).steps,
    ).toEqual([
      { kind: 'add-partitions', count: 6 },
      { kind: 'alter-config', changes: { 'retention.ms': '1000' } },
    ]);
  });

  test('fewer partitions and another replication factor are drift, never an error', () => {
    const plan = planTopic(desired, state(12, 2, desired.config));
    expect(plan.steps).toEqual([]);
    expect(plan.drift).toEqual([
      'has 12 partitions, declared 6 (Kafka cannot remove partitions)',
      'replication factor 2, declared 3 (not changed in place: reassign partitions by hand, or declare a new topic)',
    ]);
  });

  test('a create-only config (MSK Serverless cleanup.policy) is reported, not re-sent', () => {
    const plan = planTopic(desired, state(6, 3, { 'cleanup.policy': 'delete', 'retention.ms': '5' }), {
      createOnlyConfigs: ['cleanup.policy'],
    });
    expect(plan.steps).toEqual([{ kind: 'alter-config', changes: { 'retention.ms': '1000' } }]);
    expect(plan.drift).toEqual([
      'cleanup.policy is delete, declared compact (settable only when the topic is created)',
    ]);
  });
});

describe('reconcileTopics over an admin', () => {
  test('creates, adopts an existing topic, and a second run does nothing', async () => {
    const cluster = memoryAdmin({ payments: state(2, 3, {}) });
    const payments: DesiredTopic = { name: 'payments', partitions: 4, replicationFactor: 3, config: {} };
    await reconcileTopics(cluster.admin, [desired, payments]);
    expect(cluster.calls).toEqual(['create orders', 'partitions payments 4']);
    cluster.calls.length = 0;
    const again = await reconcileTopics(cluster.admin, [desired, payments]);
    expect(cluster.calls).toEqual([]);
    expect(again.every((p) => p.steps.length === 0 && p.drift.length === 0)).toBe(true);
  });

  test('status rows: ok, missing, drift with reasons; nothing is changed', async () => {
    const actual = new Map([
      ['orders', state(6, 3, desired.config)],
      ['payments', state(8, 3, { 'retention.ms': '1' })],
    ]);
    const payments: DesiredTopic = {
      name: 'payments',
      partitions: 4,
      replicationFactor: 3,
      config: { 'retention.ms': '2' },
    };
    const audit: DesiredTopic = { name: 'audit', partitions: 1, replicationFactor: 3, config: {} };
    expect(topicStatuses([desired, payments, audit], actual)).toEqual([
      { topic: 'orders', status: 'ok', reasons: [] },
      {
        topic: 'payments',
        status: 'drift',
        reasons: [
          'configs differ: retention.ms=2 (set on the next align or deploy)',
          'has 8 partitions, declared 4 (Kafka cannot remove partitions)',
        ],
      },
      { topic: 'audit', status: 'missing', reasons: [] },
    ]);
  });
});

describe('topic custom resource properties', () => {
  test('reads CloudFormation properties (all strings) back strictly', () => {
    expect(
      desiredFromProperties({
        TopicName: 'orders',
        Partitions: '6',
        ReplicationFactor: '3',
        Config: { 'cleanup.policy': 'compact', 'retention.ms': 1000 },
        CreateOnlyConfigs: ['cleanup.policy'],
      }),
    ).toEqual({ desired, rules: { createOnlyConfigs: ['cleanup.policy'] } });
    expect(() =>
      desiredFromProperties({ TopicName: 'orders', Partitions: 'x', ReplicationFactor: '3' }),
    ).toThrow('topic orders: Partitions must be a positive integer, got x');
    expect(() => desiredFromProperties({ Partitions: '1', ReplicationFactor: '3' })).toThrow(/TopicName/);
    expect(() =>
      desiredFromProperties({
        TopicName: 'o',
        Partitions: '1',
        ReplicationFactor: '3',
        CreateOnlyConfigs: 'x',
      }),
    ).toThrow('topic o: CreateOnlyConfigs must be a list of config names');
  });
});
