/**
 * Day-two deploys (issue #14): each routine change is synthesized before and after, and every resource change is
 * classified as CloudFormation would (the CDK's template-diff library with the resource specifications, as
 * `cdk diff` does). No change may replace or delete a stateful resource, and every replacement must be able to
 * succeed: no name collision, no two live event source mappings on one function and topic or on one group.
 */
import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { KafkaLambdaOptions } from '../../infra/config';
import { lockFromTemplate } from '../../infra/event-source-lock';
import type { AppManifest } from '../../shared/declarations/app';
import {
  exampleManifest,
  existingCluster,
  fixtureManifest,
  synthesize,
  type TemplateJson,
} from '../infra/support/synth';
import { classify, problems, type ResourceChange } from './support/classify';
import {
  addHandlerLike,
  addTopic,
  editHandler,
  editTopic,
  removeHandler,
  type ManifestEdit,
} from './support/edits';

const template = (manifest: AppManifest, options: KafkaLambdaOptions = {}): TemplateJson =>
  synthesize(manifest, options, { bundle: false }).json;

interface Change {
  before: TemplateJson;
  after: TemplateJson;
  changes: ResourceChange[];
}

function change(
  manifest: () => AppManifest,
  edit: ManifestEdit,
  options: KafkaLambdaOptions = {},
  after: KafkaLambdaOptions = options,
): Change {
  const before = template(manifest(), options);
  const next = template(edit(manifest()), after);
  return { before, after: next, changes: classify(before, next) };
}

const ofType = (c: Change, type: string, impact?: ResourceImpact): ResourceChange[] =>
  c.changes.filter((x) => x.type === type && (impact === undefined || x.impact === impact));

const same: ManifestEdit = (m) => m;
const alerts = () => exampleManifest().topics.find((t) => t.name === 'alerts')!;

describe.each([
  ['provisioned', {}],
  ['serverless', { cluster: { kind: 'serverless' } }],
  ['existing', { cluster: existingCluster, bootstrapBrokers: 'b-1.shared:9098' }],
] as [string, KafkaLambdaOptions][])('routine changes on a %s cluster are safe', (_, options) => {
  test.each([
    ['add a topic', addTopic({ ...alerts(), name: 'alerts_v2' })],
    ['add partitions', editTopic('eu1_item_change', { partitions: 24 })],
    ['change retention', editTopic('alerts', { config: { 'retention.ms': '86400000' } })],
  ] as [string, ManifestEdit][])('%s', (_name, edit) => {
    const c = change(exampleManifest, edit, options);
    expect(problems(c.before, c.after, c.changes)).toEqual([]);
    expect(c.changes.length).toBeGreaterThan(0);
  });
});

describe('routine handler changes (provisioned cluster, endpoints egress)', () => {
  test.each([
    ['add a handler', addHandlerLike('server-stats', { name: 'server-stats-2', group: 'server-stats-2' })],
    ['remove a handler', removeHandler('anomaly-detector')],
    ['change batch size', editHandler('server-stats', { batch: { size: 7, windowSeconds: undefined } })],
    ['change the filter', editHandler('anomaly-detector', { filter: { reason: ['loot'] } })],
    ['change the group', editHandler('server-stats', { group: 'server-stats-v2' })],
    [
      'change the starting position with the group',
      editHandler('server-stats', { group: 'server-stats-v2', startingPosition: 'earliest' }),
    ],
  ] as [string, ManifestEdit][])('%s', (_name, edit) => {
    const c = change(exampleManifest, edit);
    expect(problems(c.before, c.after, c.changes)).toEqual([]);
  });

  test('a group change is a new mapping on a new function: the old ones go after the new ones exist', () => {
    const c = change(exampleManifest, editHandler('server-stats', { group: 'server-stats-v2' }));
    expect(
      ofType(c, 'AWS::Lambda::EventSourceMapping')
        .map((x) => x.impact)
        .sort(),
    ).toEqual([...Array(3).fill(ResourceImpact.WILL_CREATE), ...Array(3).fill(ResourceImpact.WILL_DESTROY)]);
    const functions = ofType(c, 'AWS::Lambda::Function');
    expect(
      functions
        .filter((x) => !x.logicalId.startsWith('Operations'))
        .map((x) => x.impact)
        .sort(),
    ).toEqual([ResourceImpact.WILL_CREATE, ResourceImpact.WILL_DESTROY]);
    // The operations function learns the new group and function name in place (its plan and environment).
    expect(functions.filter((x) => x.logicalId.startsWith('Operations')).map((x) => x.impact)).toEqual([
      ResourceImpact.WILL_UPDATE,
    ]);
    // Its role and log group stay: permissions and logs carry over.
    expect(ofType(c, 'AWS::Logs::LogGroup')).toEqual([]);
    expect(ofType(c, 'AWS::IAM::Role', ResourceImpact.WILL_DESTROY)).toEqual([]);
  });

  test('batch size and filter update the mapping in place', () => {
    const c = change(
      exampleManifest,
      editHandler('server-stats', { batch: { size: 7, windowSeconds: undefined } }),
    );
    // One mapping per topic of the family it reads.
    expect(ofType(c, 'AWS::Lambda::EventSourceMapping').map((x) => x.impact)).toEqual(
      Array(3).fill(ResourceImpact.WILL_UPDATE),
    );
  });

  test('failure mode to report-batch-item-failures and back: the on-failure bucket is created, then retained', () => {
    const report = editHandler('server-stats', { failureMode: 'report-batch-item-failures' });
    const on = change(exampleManifest, report);
    expect(problems(on.before, on.after, on.changes)).toEqual([]);
    expect(ofType(on, 'AWS::S3::Bucket').map((x) => x.impact)).toEqual([ResourceImpact.WILL_CREATE]);
    const off = { before: on.after, after: on.before, changes: classify(on.after, on.before) };
    expect(problems(off.before, off.after, off.changes)).toEqual([]);
    expect(ofType(off, 'AWS::S3::Bucket').map((x) => x.impact)).toEqual([ResourceImpact.WILL_ORPHAN]);
  });
});

describe('cluster and network changes', () => {
  test('a new kafkaVersion: a new configuration under a new name, the cluster updated in place', () => {
    const c = change(exampleManifest, same, {}, { cluster: { kind: 'provisioned', kafkaVersion: '9.9.x' } });
    expect(problems(c.before, c.after, c.changes)).toEqual([]);
    expect(ofType(c, 'AWS::MSK::Configuration').map((x) => x.impact)).toEqual([ResourceImpact.WILL_REPLACE]);
    expect(ofType(c, 'AWS::MSK::Cluster').map((x) => x.impact)).toEqual([ResourceImpact.WILL_UPDATE]);
  });

  test.each([
    ['endpoints to nat', {}, { network: { egress: 'nat' } }],
    ['nat to endpoints', { network: { egress: 'nat' } }, {}],
  ] as [string, KafkaLambdaOptions, KafkaLambdaOptions][])(
    'switching egress %s keeps the cluster and its subnets',
    (_name, from, to) => {
      const c = change(exampleManifest, same, from, to);
      expect(problems(c.before, c.after, c.changes)).toEqual([]);
      // The brokers' subnets keep their addresses: updated (tags, routes), never replaced.
      const subnets = ofType(c, 'AWS::EC2::Subnet').filter((x) => /private/.test(x.logicalId));
      expect(subnets.filter((x) => x.impact !== ResourceImpact.WILL_UPDATE)).toEqual([]);
      expect(ofType(c, 'AWS::MSK::Cluster').filter((x) => x.impact !== ResourceImpact.WILL_UPDATE)).toEqual(
        [],
      );
    },
  );

  test('report mode with a timestamp position (fixture app): routine edits stay safe', () => {
    const c = change(
      fixtureManifest,
      editHandler('zone-reporter', { batch: { size: 20 }, retry: { attempts: 2 } } as never),
    );
    expect(problems(c.before, c.after, c.changes)).toEqual([]);
  });
});

describe('changes AWS cannot make are refused at synth, saying what to do', () => {
  test('a starting position change alone, against the deployed lock', () => {
    const deployed = synthesize(exampleManifest(), {}, { bundle: false });
    const lock = lockFromTemplate('Test', deployed.json);
    expect(lock.mappings.map((m) => `${m.handler}/${m.topic}`)).toContain('server-stats/asia1_item_change');
    const moved = editHandler('server-stats', { startingPosition: 'earliest' })(exampleManifest());
    expect(() => synthesize(moved, { deployedEventSources: lock }, { bundle: false })).toThrow(
      /handler "server-stats" topic \w+: the starting position changed from LATEST to TRIM_HORIZON but the consumer group "server-stats[^"]*" did not.*Change the handler's group as well/,
    );
    // With the group changed too it is a new mapping, which Lambda accepts.
    const regrouped = editHandler('server-stats', { startingPosition: 'earliest', group: 'server-stats-v2' })(
      exampleManifest(),
    );
    expect(() => synthesize(regrouped, { deployedEventSources: lock }, { bundle: false })).not.toThrow();
  });

  test('one consumer group on two handlers', () => {
    const twin = addHandlerLike('server-stats', { name: 'server-stats-2', group: 'server-stats' })(
      exampleManifest(),
    );
    expect(() => synthesize(twin, {}, { bundle: false })).toThrow(
      /consumer group "server-stats[^"]*" is used by handler "server-stats" .* and handler "server-stats-2" .*unique among all Kafka event sources/,
    );
  });

  test('reserved concurrency below the provisioned pollers', () => {
    const starved = editHandler('zone-reporter', {
      deploy: {
        ...fixtureManifest().handlers.find((h) => h.definition.name === 'zone-reporter')!.definition.deploy,
        reservedConcurrency: 3,
      },
    })(fixtureManifest());
    expect(() => synthesize(starved, {}, { bundle: false })).toThrow(
      'handler "zone-reporter": deploy.reservedConcurrency 3 is below the 8 provisioned pollers',
    );
  });
});
