import type { AppManifest } from '../../shared/declarations/app';
import type { AnyTopic } from '../../shared/declarations/topic';
import { checkBrokerLayout, checkTopic, checkTopics, InfraInvariantError } from '../../infra/invariants';
import { consumerGroupFor } from '../../shared/declarations/handler';
import { threeZones } from '../../infra/network';
import { exampleManifest, synthesize } from './support/synth';

/** A copy of a declared topic with other settings, as a hand-built manifest could contain. */
const variant = (
  topic: AnyTopic,
  change: Partial<Pick<AnyTopic, 'name' | 'replicationFactor' | 'partitions' | 'config'>>,
): AnyTopic => ({
  ...topic,
  ...change,
});

let manifest: AppManifest;
let alerts: AnyTopic;

beforeAll(() => {
  manifest = exampleManifest();
  alerts = manifest.topics.find((t) => t.name === 'alerts')!;
});

describe('every declared topic of the example app', () => {
  test('fits a 3-broker cluster: RF <= brokers, min.insync.replicas < RF', () => {
    expect(manifest.topics.length).toBeGreaterThan(5);
    for (const topic of manifest.topics) {
      expect(topic.replicationFactor).toBeLessThanOrEqual(3);
      expect(Number(topic.config['min.insync.replicas'])).toBeLessThan(topic.replicationFactor);
      expect(() => checkTopic(topic, { kind: 'provisioned', brokers: 3 })).not.toThrow();
      expect(() => checkTopic(topic, { kind: 'serverless' })).not.toThrow();
    }
  });
});

describe('topic invariants', () => {
  test('a replication factor above the broker count is refused', () => {
    const tooWide = variant(alerts, { replicationFactor: 4, config: { 'min.insync.replicas': '2' } });
    expect(() => checkTopic(tooWide, { kind: 'provisioned', brokers: 3 })).toThrow(
      'topic "alerts": replication factor 4 exceeds the 3 brokers of the cluster',
    );
    expect(() => checkTopic(tooWide, { kind: 'provisioned', brokers: 6 })).not.toThrow();
    expect(() => checkTopic(tooWide, { kind: 'serverless' })).toThrow(
      'exceeds the 3 replicas of MSK Serverless',
    );
  });

  test('min.insync.replicas equal to (or above) the replication factor is refused', () => {
    const noHeadroom = variant(alerts, { config: { 'min.insync.replicas': '3' } });
    expect(() => checkTopic(noHeadroom, { kind: 'provisioned', brokers: 3 })).toThrow(
      /topic "alerts": min.insync.replicas 3 must be below the replication factor 3/,
    );
    const single = variant(alerts, { replicationFactor: 1, config: { 'min.insync.replicas': '1' } });
    expect(() => checkTopic(single, { kind: 'provisioned', brokers: 3 })).toThrow(
      /must be below the replication factor 1/,
    );
  });

  test('without its own min.insync.replicas a topic gets the cluster default (2), checked the same way', () => {
    const rf2 = variant(alerts, { replicationFactor: 2, config: {} });
    expect(() => checkTopic(rf2, { kind: 'provisioned', brokers: 3 })).toThrow(
      /min.insync.replicas 2 must be below/,
    );
    expect(() =>
      checkTopic(variant(alerts, { config: {} }), { kind: 'provisioned', brokers: 3 }),
    ).not.toThrow();
  });

  test('bad partition counts and duplicate names are refused', () => {
    expect(() => checkTopic(variant(alerts, { partitions: 0 }), { kind: 'provisioned', brokers: 3 })).toThrow(
      /partitions/,
    );
    expect(() => checkTopics([alerts, alerts], { kind: 'provisioned', brokers: 3 })).toThrow(
      /declared twice/,
    );
  });
});

describe('broker layout', () => {
  test('broker count must be a positive multiple of the 3 zones', () => {
    for (const ok of [3, 6, 9]) expect(() => checkBrokerLayout(ok, 3)).not.toThrow();
    for (const bad of [0, 1, 2, 4, 5, 7]) {
      expect(() => checkBrokerLayout(bad, 3)).toThrow(
        `broker count ${bad} must be a positive multiple of the 3 availability zones`,
      );
    }
    expect(() => checkBrokerLayout(3, 2)).toThrow(InfraInvariantError);
  });

  test('exactly three distinct zones when given explicitly', () => {
    expect(threeZones(['eu-west-1a', 'eu-west-1b', 'eu-west-1c'])).toEqual([
      'eu-west-1a',
      'eu-west-1b',
      'eu-west-1c',
    ]);
    expect(() => threeZones(['eu-west-1a', 'eu-west-1b'])).toThrow(/exactly 3 distinct zones/);
    expect(() => threeZones(['eu-west-1a', 'eu-west-1a', 'eu-west-1b'])).toThrow(/exactly 3 distinct zones/);
  });

  test('consumer group ids stay within what Lambda accepts', () => {
    const spec = { name: 'h', group: 'g'.repeat(195), topics: [alerts, variant(alerts, { name: 'other' })] };
    expect(() => consumerGroupFor(spec, 'alerts')).toThrow(/must be 1-200 characters/);
    expect(consumerGroupFor({ ...spec, group: 'g' }, 'alerts')).toBe('g.alerts');
    expect(consumerGroupFor({ ...spec, group: 'g', topics: [alerts] }, 'alerts')).toBe('g');
  });
});

describe('the stack refuses to synthesize a deployment that breaks them', () => {
  const withTopic = (topic: AnyTopic): AppManifest => ({
    ...manifest,
    topics: manifest.topics.map((t) => (t.name === topic.name ? topic : t)),
  });

  test('RF above the brokers', () => {
    const manifestRf4 = withTopic(variant(alerts, { replicationFactor: 4 }));
    expect(() => synthesize(manifestRf4, {}, { bundle: false })).toThrow(
      'topic "alerts": replication factor 4 exceeds the 3 brokers of the cluster',
    );
    // ...and the same declarations fit a 6-broker cluster.
    expect(() =>
      synthesize(manifestRf4, { cluster: { kind: 'provisioned', brokerCount: 6 } }, { bundle: false }),
    ).not.toThrow();
  });

  test('min.insync.replicas not below RF', () => {
    expect(() =>
      synthesize(
        withTopic(variant(alerts, { config: { 'min.insync.replicas': '3' } })),
        {},
        { bundle: false },
      ),
    ).toThrow(InfraInvariantError);
  });

  test('a broker count that is not a multiple of the zones', () => {
    expect(() =>
      synthesize(manifest, { cluster: { kind: 'provisioned', brokerCount: 4 } }, { bundle: false }),
    ).toThrow('broker count 4 must be a positive multiple of the 3 availability zones (3, 6, 9, ...)');
  });

  test('two zones', () => {
    expect(() =>
      synthesize(
        manifest,
        { network: { availabilityZones: ['us-east-1a', 'us-east-1b'] } },
        { bundle: false },
      ),
    ).toThrow(/exactly 3 distinct zones/);
  });
});
