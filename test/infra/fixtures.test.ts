import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppManifest } from '../../shared/declarations/app';
import { externalModulesFor } from '../../infra/handler-function';
import { KAFKA_CLIENT_MODULES, planHandler } from '../../shared/declarations/app-plan';
import { TABLE_CLIENT_MODULES } from '../../shared/declarations/bundling';
import {
  asList,
  fixtureManifest,
  groupArn,
  logicalIdOf,
  renderArn,
  resourcesOf,
  statementsOfRole,
  synthesize,
  SYNTH_TIMEOUT_MS,
  topicArn,
  type Synthesized,
} from './support/synth';

/**
 * A test-only application (test/infra/fixtures) with what the example app does not declare: a consumer that never
 * publishes and has no dead-letter topic, a handler in report-batch-item-failures mode, a timestamp starting
 * position, a custom group and every deploy option.
 */
let manifest: AppManifest;
let synth: Synthesized;

beforeAll(() => {
  manifest = fixtureManifest();
  synth = synthesize(manifest);
}, SYNTH_TIMEOUT_MS);

const handler = (name: string) => synth.stack.handlers.get(name)!;
const fnProps = (name: string) => synth.json.Resources[logicalIdOf(synth.stack, handler(name).function.fn)]!;
const mappings = (name: string) =>
  handler(name).eventSources.mappings.map(
    (m) => synth.json.Resources[logicalIdOf(synth.stack, m)]!.Properties!,
  );
const statements = (name: string) =>
  statementsOfRole(synth.json, logicalIdOf(synth.stack, handler(name).function.role));

/** The bundled code esbuild produced for a function, as staged in the cloud assembly. */
function bundleOf(name: string): string {
  // The code's S3 key is `<asset hash>.zip`; the cloud assembly stages the asset as `asset.<asset hash>/`.
  const key = (fnProps(name).Properties!.Code as { S3Key: string }).S3Key;
  const file = join(synth.outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.js');
  expect(existsSync(file)).toBe(true);
  expect(existsSync(`${file}.map`)).toBe(true);
  return readFileSync(file, 'utf8');
}

describe('a consumer that never publishes', () => {
  test('is planned without the Kafka client: kafkajs and the IAM signer stay out of its bundle', () => {
    const quiet = manifest.handlers.find((h) => h.definition.name === 'quiet-consumer')!.definition;
    expect(quiet.publishes).toHaveLength(0);
    expect(quiet.deadLetter).toBe(false);
    const plan = planHandler(quiet);
    expect(plan.carriesKafkaClient).toBe(false);
    expect(externalModulesFor(plan)).toEqual(
      expect.arrayContaining([...KAFKA_CLIENT_MODULES, ...TABLE_CLIENT_MODULES]),
    );
    const reporter = manifest.handlers.find((h) => h.definition.name === 'zone-reporter')!.definition;
    const reporterExternals = externalModulesFor(planHandler(reporter));
    expect(reporterExternals).toEqual(expect.arrayContaining([...TABLE_CLIENT_MODULES]));
    expect(reporterExternals).not.toContain('kafkajs');
  });

  test('its bundle has no Kafka client or sink code, while a dead-lettering handler bundles it', () => {
    const quiet = bundleOf('quiet-consumer');
    const reporter = bundleOf('zone-reporter');
    // kafkajs's own error classes and the signer's action name are only present when their code is bundled; the
    // module names themselves remain as `require()` of an external, which runs only if the handler publishes.
    const markers = ['KafkaJSNonRetriableError', 'KafkaJSConnectionError', '"kafka-cluster:Connect"'];
    for (const marker of markers) {
      expect({ marker, inQuietBundle: quiet.includes(marker) }).toEqual({ marker, inQuietBundle: false });
      expect({ marker, inReporterBundle: reporter.includes(marker) }).toEqual({
        marker,
        inReporterBundle: true,
      });
    }
    // The framework's sink, which wraps kafkajs, stays out with it, and so do the adapter's write path (record
    // encoding, dead-letter records) and its table clients: only their require() remains.
    expect(quiet).toContain('require("../kafka/sink")');
    expect(quiet).toContain('require("../lambda/adapter-writes")');
    expect(quiet).toContain('require("../lambda/adapter-tables")');
    const writeMarkers = ['dlq.source.topic', 'pass the key as { key }'];
    for (const marker of writeMarkers) {
      expect({ marker, inQuietBundle: quiet.includes(marker) }).toEqual({ marker, inQuietBundle: false });
      expect({ marker, inReporterBundle: reporter.includes(marker) }).toEqual({
        marker,
        inReporterBundle: true,
      });
    }
    // Declarations were checked at synth: the bundles carry none of the checks' messages.
    const checkMarkers = [
      'starting with a letter',
      'Lambda reserves this variable',
      'must be a Standard Schema',
    ];
    for (const marker of checkMarkers)
      for (const [bundle, code] of Object.entries({ quiet, reporter }))
        expect({ marker, bundle, carried: code.includes(marker) }).toEqual({
          marker,
          bundle,
          carried: false,
        });
    expect(/require\("kafkajs"\)/.test(reporter)).toBe(false);
    expect(quiet.length).toBeLessThan(reporter.length / 2);
  });

  test('its role may read and commit but not write: no write statement, no idempotent-write grant', () => {
    const sids = statements('quiet-consumer').map((s) => s.Sid);
    expect(sids).not.toContain('KafkaWriteTopics');
    const connect = statements('quiet-consumer').find((s) => s.Sid === 'KafkaConnect')!;
    expect(asList(connect.Action)).not.toContain('kafka-cluster:WriteDataIdempotently');
    const read = statements('quiet-consumer').find((s) => s.Sid === 'KafkaReadSourceTopics')!;
    expect(asList(read.Resource).map(renderArn)).toEqual([topicArn('fixture.readings')]);
    const groups = statements('quiet-consumer').find((s) => s.Sid === 'KafkaConsumerGroups')!;
    // A single-topic handler keeps its declared group name exactly.
    expect(asList(groups.Resource).map(renderArn)).toEqual([groupArn('quiet-consumer')]);
  });

  test('its mapping: earliest position, group as declared, both filter fields pushed down', () => {
    const [p] = mappings('quiet-consumer');
    expect(p!.StartingPosition).toBe('TRIM_HORIZON');
    expect(p!.AmazonManagedKafkaEventSourceConfig).toEqual({ ConsumerGroupId: 'quiet-consumer' });
    expect(p!.FilterCriteria).toEqual({
      Filters: [
        { Pattern: JSON.stringify({ value: { kind: ['temperature'], value: [{ numeric: ['>', 0] }] } }) },
      ],
    });
  });
});

describe('report-batch-item-failures mode', () => {
  test('partial batch responses with provisioned pollers, bounded retries and an on-failure destination', () => {
    const bucket = logicalIdOf(synth.stack, handler('zone-reporter').eventSources.onFailureBucket!);
    const ms = mappings('zone-reporter');
    expect(ms.map((m) => m.Topics).sort()).toEqual([['fixture.north.readings'], ['fixture.south.readings']]);
    for (const p of ms) {
      expect(p.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(p.ProvisionedPollerConfig).toEqual({ MinimumPollers: 1, MaximumPollers: 4 });
      // `retry.attempts: 4` is four deliveries: the first and three retries, as the emulator counts them.
      expect(p.MaximumRetryAttempts).toBe(3);
      expect(p.MaximumRecordAgeInSeconds).toBe(-1);
      expect(p.BisectBatchOnFunctionError).toBe(false);
      expect(p.DestinationConfig).toEqual({ OnFailure: { Destination: { 'Fn::GetAtt': [bucket, 'Arn'] } } });
      expect(p.BatchSize).toBe(50);
    }
  });

  test('the on-failure bucket is private, encrypted, TLS-only, versioned and retained', () => {
    const id = logicalIdOf(synth.stack, handler('zone-reporter').eventSources.onFailureBucket!);
    const bucket = synth.json.Resources[id]!;
    expect(bucket.DeletionPolicy).toBe('Retain');
    expect(bucket.Properties!.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.Properties!.BucketEncryption)).toContain('AES256');
    expect(bucket.Properties!.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const [, policy] = resourcesOf(synth.json, 'AWS::S3::BucketPolicy').find(
      ([, p]) => JSON.stringify(p.Bucket) === JSON.stringify({ Ref: id }),
    )!;
    const tlsOnly = (policy.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement.find(
      (st) =>
        st.Effect === 'Deny' &&
        JSON.stringify(st.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
    );
    expect(tlsOnly).toBeDefined();
    const put = statements('zone-reporter').find((s) => s.Sid === 'OnFailureDestinationPut')!;
    expect(asList(put.Action)).toEqual(['s3:PutObject']);
    expect(put.Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [id, 'Arn'] }, '/*']] });
    const list = statements('zone-reporter').find((s) => s.Sid === 'OnFailureDestinationList')!;
    expect(list.Resource).toEqual({ 'Fn::GetAtt': [id, 'Arn'] });
  });

  test('a handler over a family gets one consumer group per member topic, under its declared group', () => {
    expect(
      mappings('zone-reporter')
        .map((m) => m.AmazonManagedKafkaEventSourceConfig)
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      { ConsumerGroupId: 'zone-reporting.fixture.north.readings' },
      { ConsumerGroupId: 'zone-reporting.fixture.south.readings' },
    ]);
    const groups = statements('zone-reporter').find((s) => s.Sid === 'KafkaConsumerGroups')!;
    expect(asList(groups.Resource).map(renderArn).sort()).toEqual([
      groupArn('zone-reporting.fixture.north.readings'),
      groupArn('zone-reporting.fixture.south.readings'),
    ]);
    const write = statements('zone-reporter').find((s) => s.Sid === 'KafkaWriteTopics')!;
    expect(asList(write.Resource).map(renderArn).sort()).toEqual([
      topicArn('fixture.north.readings.zone-reporting.dlq'),
      topicArn('fixture.south.readings.zone-reporting.dlq'),
    ]);
  });

  test('a timestamp starting position becomes AT_TIMESTAMP in Unix seconds', () => {
    for (const p of mappings('zone-reporter')) {
      expect(p.StartingPosition).toBe('AT_TIMESTAMP');
      expect(p.StartingPositionTimestamp).toBe(Date.UTC(2025, 0, 2, 3, 4, 5) / 1000);
    }
  });
});

test('deploy options of the declaration: memory, timeout, reserved concurrency', () => {
  const p = fnProps('zone-reporter').Properties!;
  expect(p.MemorySize).toBe(1024);
  expect(p.Timeout).toBe(90);
  expect(p.ReservedConcurrentExecutions).toBe(8);
});

describe('deploy.tracing: the ADOT layer where a handler asks for it, and only there', () => {
  test('the traced handler gets the layer for its architecture, the wrapper, active tracing and X-Ray writes', () => {
    const p = fnProps('zone-reporter').Properties!;
    const layers = asList(p.Layers).map((l) => JSON.stringify(l));
    expect(layers).toHaveLength(1);
    // an environment-agnostic stack: the CDK's per-region table of the ADOT JavaScript layer, arm64
    expect(layers[0]).toContain('aws-otel-nodejs-arm64');
    expect((p.Environment as { Variables: Record<string, unknown> }).Variables.AWS_LAMBDA_EXEC_WRAPPER).toBe(
      '/opt/otel-handler',
    );
    expect(p.TracingConfig).toEqual({ Mode: 'Active' });
    const xray = statements('zone-reporter').find((s) => s.Sid === 'ExportTraces')!;
    expect(asList(xray.Action).sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  test('the untraced handler gets none of it', () => {
    const p = fnProps('quiet-consumer').Properties!;
    expect(p.Layers).toBeUndefined();
    expect(p.TracingConfig).toBeUndefined();
    expect(
      (p.Environment as { Variables: Record<string, unknown> }).Variables.AWS_LAMBDA_EXEC_WRAPPER,
    ).toBeUndefined();
    expect(statements('quiet-consumer').some((s) => s.Sid === 'ExportTraces')).toBe(false);
  });

  test('without NAT, the functions reach X-Ray through an interface endpoint, on HTTPS only', () => {
    const endpoints = resourcesOf(synth.json, 'AWS::EC2::VPCEndpoint').filter(([, e]) =>
      JSON.stringify(e.ServiceName).includes('.xray'),
    );
    expect(endpoints).toHaveLength(1);
    const [, endpoint] = endpoints[0]!;
    expect(endpoint.PrivateDnsEnabled).toBe(true);
    const functionGroup = logicalIdOf(synth.stack, synth.stack.network.functionSecurityGroup);
    const egress = resourcesOf(synth.json, 'AWS::EC2::SecurityGroupEgress').filter(
      ([, e]) => JSON.stringify(e.GroupId).includes(functionGroup) && e.FromPort === 443,
    );
    expect(egress).toHaveLength(1);
    const [, rule] = egress[0]!;
    expect(rule.CidrIp).toBeUndefined();
    expect(asList(endpoint.SecurityGroupIds).map((g) => JSON.stringify(g))).toContain(
      JSON.stringify(rule.DestinationSecurityGroupId),
    );
  });
});
