import type { KafkaLambdaOptions } from '../../infra/config';
import type { AppManifest } from '../../shared/declarations/app';
import {
  exampleManifest,
  existingCluster,
  fixtureManifest,
  synthesize,
  SYNTH_TIMEOUT_MS,
  type NagViolation,
  type Synthesized,
} from './support/synth';

/**
 * cdk-nag's AWS Solutions pack over every shape of the stack: no finding is left unacknowledged, and every
 * acknowledgment is on a specific construct with a specific reason.
 */
const variants: [string, () => AppManifest, KafkaLambdaOptions][] = [
  ['example app, provisioned cluster, endpoints', exampleManifest, {}],
  ['fixture app (report mode, quiet consumer)', fixtureManifest, {}],
  ['NAT egress', exampleManifest, { network: { egress: 'nat' } }],
  ['MSK Serverless', fixtureManifest, { cluster: { kind: 'serverless' } }],
  [
    'existing cluster',
    exampleManifest,
    {
      cluster: existingCluster,
    },
  ],
];

const results = new Map<string, Synthesized>();

beforeAll(() => {
  for (const [name, manifest, options] of variants) {
    results.set(name, synthesize(manifest(), options, { nag: true, bundle: false }));
  }
}, SYNTH_TIMEOUT_MS);

const nagReport = (name: string) =>
  results.get(name)!.report!.pluginReports.find((r) => r.pluginName === 'AwsSolutions')!;
const describeViolation = (v: NagViolation) =>
  `${v.ruleName} at ${v.violatingConstructs.map((c) => c.constructPath).join(', ')}`;

describe.each(variants.map(([name]) => name))('%s', (name) => {
  test('the AWS Solutions pack ran and left no unacknowledged error', () => {
    const report = nagReport(name);
    expect(report).toBeDefined();
    const errors = report.violations.filter((v) => v.severity === 'error' || v.severity === 'fatal');
    expect(errors.map(describeViolation)).toEqual([]);
    expect(report.conclusion).toBe('success');
  });

  test('every acknowledgment names a construct below the stack and gives a specific reason', () => {
    const suppressed = nagReport(name).suppressedViolations ?? [];
    for (const v of suppressed) {
      expect(v.acknowledgedAt).toMatch(/^Test\/.+/);
      expect((v.reason ?? '').length).toBeGreaterThan(80);
      expect(v.acknowledgedId).toMatch(/^AwsSolutions::AwsSolutions-[A-Z0-9]+(\[.+\])?$/);
    }
  });

  test('no other validation plugin reports an error either', () => {
    for (const report of results.get(name)!.report!.pluginReports) {
      expect(report.violations.filter((v) => v.severity === 'error').map(describeViolation)).toEqual([]);
    }
  });
});

test('the accepted findings are exactly the documented ones', () => {
  const rules = new Set(
    [...results.keys()].flatMap((name) =>
      (nagReport(name).suppressedViolations ?? []).map((v) =>
        v.ruleName.replace(/<[A-Za-z0-9]+\.Arn>/, '<id>'),
      ),
    ),
  );
  expect([...rules].sort()).toEqual(
    [
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<id>/*]',
      'AwsSolutions-IAM5[Resource::<id>:*]',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
    ].sort(),
  );
});
