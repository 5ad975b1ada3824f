// Timeouts are given per hook and test: Jest reads `testTimeout` only from the top-level config, not a project's.

/**
 * The one topic reconciler (shared/kafka/topic-reconcile.ts) through its kafkajs binding on a real broker: an
 * existing topic is adopted (partitions added, changed configs set, its other overrides kept), a create-only
 * difference is drift and left alone, and a second run changes nothing.
 */
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkajsTopicAdmin } from '../../shared/kafka/kafkajs-topic-admin';
import { reconcileTopics, type DesiredTopic } from '../../shared/kafka/topic-reconcile';
import { testBrokers, uniqueName } from '../support/brokers';

describe('reconcileTopics on the local cluster', () => {
  const kafka = new Kafka({
    clientId: uniqueName('reconcile'),
    brokers: testBrokers(),
    logLevel: logLevel.NOTHING,
  });
  const topic = uniqueName('reconcile');
  let admin: Admin;

  const configsOf = async (): Promise<Record<string, string>> => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    return Object.fromEntries(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
  };

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
    // A topic someone else made (or a stack retained): fewer partitions, its own overrides.
    await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: 2,
          replicationFactor: 1,
          configEntries: [
            { name: 'retention.ms', value: '1000000' },
            { name: 'max.message.bytes', value: '2000000' },
          ],
        },
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }, 30_000);

  it('adopts the topic: adds partitions, sets the changed config, keeps other overrides, reports create-only drift', async () => {
    const desired: DesiredTopic = {
      name: topic,
      partitions: 4,
      replicationFactor: 1,
      config: { 'retention.ms': '5000000', 'cleanup.policy': 'compact' },
    };
    const rules = { createOnlyConfigs: ['cleanup.policy'] };
    const [plan] = await reconcileTopics(kafkajsTopicAdmin(admin), [desired], rules);
    expect(plan!.steps).toEqual([
      { kind: 'add-partitions', count: 4 },
      { kind: 'alter-config', changes: { 'retention.ms': '5000000' } },
    ]);
    expect(plan!.drift).toEqual([
      'cleanup.policy is delete, declared compact (settable only when the topic is created)',
    ]);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]!.partitions).toHaveLength(4);
    const configs = await configsOf();
    expect(configs['retention.ms']).toBe('5000000');
    expect(configs['max.message.bytes']).toBe('2000000');
    expect(configs['cleanup.policy']).toBe('delete');

    const [again] = await reconcileTopics(kafkajsTopicAdmin(admin), [desired], rules);
    expect(again!.steps).toEqual([]);
  }, 60_000);
});
