import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadApp, type AppManifest } from '../../shared/declarations/app';
import { planApp } from '../../shared/declarations/app-plan';
import { deployedEnvironment } from '../../shared/emulator/function-environment';
import { PROJECT_ROOT } from '../../infra/handler-function';
import { KafkaLambdaStack, type KafkaLambdaStackProps } from '../../infra/stack';
import { avro } from '../../shared/formats';
import { defineTopic } from '../../shared/declarations/topic';
import {
  declaredSchemas,
  EMPTY_LOCK,
  SchemaCompatibilityError,
  readSchemaLock,
  withDeclared,
  type SchemaLock,
} from '../../shared/schemas/schema-lock';
import { recordDeployedSchemas } from '../../infra/schema-registry';
import { CDK_CONTEXT, resourcesOf, type TemplateJson } from './support/synth';
import { Template } from 'aws-cdk-lib/assertions';

/**
 * The registry on AWS: the fixture app (test/fixtures/schemas/app) has an Avro topic (scores) and a Protobuf topic
 * with an Avro key (trades), read by handlers in both record formats. Templates only: no bundling.
 */
const APP = join(PROJECT_ROOT, 'test', 'fixtures', 'schemas', 'app');
const manifest = (): AppManifest => loadApp(APP);

function synth(props: Partial<KafkaLambdaStackProps> = {}): TemplateJson {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  const stack = new KafkaLambdaStack(app, 'Schemas', { manifest: manifest(), ...props });
  return Template.fromStack(stack).toJSON() as TemplateJson;
}

const byName = (json: TemplateJson, type: string, name: string): [string, Record<string, unknown>] =>
  resourcesOf(json, type).find(([, p]) => p.Name === name)!;

describe('Glue Schema Registry', () => {
  const json = synth();

  it('creates one registry and one schema per topic value or key in a registry format, BACKWARD by default', () => {
    expect(resourcesOf(json, 'AWS::Glue::Registry').map(([, p]) => p.Name)).toEqual(['Schemas-schemas']);
    const schemas = resourcesOf(json, 'AWS::Glue::Schema').map(([, p]) => [
      p.Name,
      p.DataFormat,
      p.Compatibility,
    ]);
    expect(schemas.sort()).toEqual([
      ['schemas_scores', 'AVRO', 'BACKWARD'],
      ['schemas_trades', 'PROTOBUF', 'BACKWARD'],
      ['schemas_trades-key', 'AVRO', 'BACKWARD'],
    ]);
    const [, scores] = byName(json, 'AWS::Glue::Schema', 'schemas_scores');
    expect(JSON.parse(scores.SchemaDefinition as string)).toMatchObject({ type: 'record', name: 'Score' });
    expect(scores.Registry).toEqual({ Arn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } });
    // What the topics' records mean outlives the stack (removal=retain, the default).
    const kept = Object.values(json.Resources).filter(
      (r) => r.Type.startsWith('AWS::Glue::') && r.Type !== 'AWS::Glue::SchemaVersion',
    );
    expect(kept.map((r) => r.DeletionPolicy)).toEqual(['Retain', 'Retain', 'Retain', 'Retain']);
    const [, trades] = byName(json, 'AWS::Glue::Schema', 'schemas_trades');
    expect(trades.SchemaDefinition).toMatch(/^syntax = "proto3";\npackage game.v1;\nmessage Trade \{/);
  });

  it("configures each mapping's SchemaRegistryConfig with its record format, provisioned pollers and an on-failure destination", () => {
    const mappings = resourcesOf(json, 'AWS::Lambda::EventSourceMapping');
    const config = (topic: string, group: string) =>
      mappings.find(
        ([, p]) =>
          (p.Topics as string[])[0] === topic &&
          (p.AmazonManagedKafkaEventSourceConfig as { ConsumerGroupId: string }).ConsumerGroupId === group,
      )![1];
    const scoreJson = config('schemas_scores', 'schemas-score-json');
    expect(scoreJson.AmazonManagedKafkaEventSourceConfig).toEqual({
      ConsumerGroupId: 'schemas-score-json',
      SchemaRegistryConfig: {
        SchemaRegistryURI: { 'Fn::GetAtt': [expect.any(String), 'Arn'] },
        EventRecordFormat: 'JSON',
        SchemaValidationConfigs: [{ Attribute: 'VALUE' }],
      },
    });
    expect(scoreJson.ProvisionedPollerConfig).toEqual({ MinimumPollers: 1, MaximumPollers: 2 });
    expect(scoreJson.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': [expect.stringMatching(/OnFailure/), 'Arn'] } },
    });
    const tradeSource = config('schemas_trades', 'schemas-trade-source');
    expect(
      (tradeSource.AmazonManagedKafkaEventSourceConfig as { SchemaRegistryConfig: unknown })
        .SchemaRegistryConfig,
    ).toMatchObject({
      EventRecordFormat: 'SOURCE',
      SchemaValidationConfigs: [{ Attribute: 'KEY' }, { Attribute: 'VALUE' }],
    });
  });

  it('lets each function read its own schemas and nothing else (glue:GetRegistry, glue:GetSchemaVersion)', () => {
    const policies = resourcesOf(json, 'AWS::IAM::Policy');
    const glue = policies.flatMap(([id, p]) =>
      (
        (p.PolicyDocument as { Statement: { Action: string | string[]; Resource: unknown }[] }).Statement ??
        []
      )
        .filter((s) => JSON.stringify(s.Action).includes('glue:'))
        .map((s) => [id, s.Action, JSON.stringify(s.Resource)]),
    );
    const scoreJson = glue.filter(([id]) => String(id).includes('scorejson'));
    expect(scoreJson.map(([, a]) => a)).toEqual(['glue:GetRegistry', 'glue:GetSchemaVersion']);
    expect(scoreJson[1]![2]).toContain(':schema/Schemas-schemas/schemas_scores');
    expect(scoreJson[1]![2]).not.toContain('schemas_trades');
    expect(glue.some(([, a]) => JSON.stringify(a).includes('*'))).toBe(false);
  });

  it('gives each function the version ids of its topics (what it writes with) and outputs them all', () => {
    const fns = resourcesOf(json, 'AWS::Lambda::Function').filter(([id]) => id.includes('Handler'));
    const env = (name: string) =>
      (
        fns.find(([id]) => id.toLowerCase().includes(name))![1].Environment as {
          Variables: Record<string, unknown>;
        }
      ).Variables;
    expect(env('scorejson').KAFKA_LAMBDA_SCHEMA_REGISTRY).toBe('glue');
    expect(JSON.stringify(env('scorejson').KAFKA_LAMBDA_SCHEMA_IDS)).toContain('InitialSchemaVersionId');
    expect(JSON.stringify(json.Outputs?.SchemaVersionIds?.Value)).toContain('schemas_trades');
  });
});

describe('schema versions and the lock', () => {
  const score = (...fields: object[]) =>
    avro({
      type: 'record',
      name: 'Score',
      namespace: 'fixture.scores',
      fields: [{ name: 'player', type: 'string' }, ...fields],
    } as const);
  const v1 = score({ name: 'points', type: 'int' });
  const v2 = score({ name: 'points', type: 'int' }, { name: 'seq', type: 'int', default: 0 });
  const lockOf = (...versions: ReturnType<typeof score>[]): SchemaLock =>
    versions.reduce(
      (lock, v) =>
        withDeclared(
          lock,
          declaredSchemas([defineTopic({ name: 'schemas_scores', partitions: 2, value: v, key: null })]),
        ),
      EMPTY_LOCK,
    );

  it('creates the schema with the first locked version and registers each later one, in order', () => {
    const json = synth({ schemaLock: lockOf(v1, v2) });
    const [, schema] = byName(json, 'AWS::Glue::Schema', 'schemas_scores');
    expect(schema.SchemaDefinition).toBe(v1['~format'].definition);
    const versions = Object.entries(json.Resources).filter(([, r]) => r.Type === 'AWS::Glue::SchemaVersion');
    const definitions = versions.map(([, r]) => r.Properties!.SchemaDefinition);
    const declared = manifest().topics.find((t) => t.name === 'schemas_scores')!;
    expect(definitions).toEqual([
      v2['~format'].definition,
      declaredSchemas([declared])[0]!.version.definition,
    ]);
    const [first, second] = versions;
    expect(second![1].DependsOn).toContain(first![0]);
    // A SOURCE reader can resolve records of the earlier versions: the function knows them.
    const [, fn] = resourcesOf(json, 'AWS::Lambda::Function').find(([id]) => id.includes('scoresource'))!;
    const history = JSON.parse(
      (fn.Environment as { Variables: Record<string, string> }).Variables.KAFKA_LAMBDA_SCHEMA_HISTORY!,
    ) as { schemas_scores: { value: { definition: string }[] } };
    expect(history.schemas_scores.value.map((v) => v.definition)).toEqual([
      v1['~format'].definition,
      v2['~format'].definition,
    ]);
    // The emulator gives its container the same, from the same lock.
    const plan = planApp(manifest());
    const reader = plan.handlers.find((h) => h.name === 'score-source')!;
    const local = deployedEnvironment(reader, ['127.0.0.1:9092'], plan.topics, lockOf(v1, v2));
    expect(JSON.parse(local.KAFKA_LAMBDA_SCHEMA_HISTORY!)).toEqual(history);
  });

  it('refuses an incompatible declared schema at synth, naming the topic, the field and the rule', () => {
    const v0 = score({ name: 'points', type: 'string' });
    expect(() => synth({ schemaLock: lockOf(v0) })).toThrow(SchemaCompatibilityError);
    expect(() => synth({ schemaLock: lockOf(v0) })).toThrow(
      /topic schemas_scores value \(BACKWARD\): field points: the type changed from string to int.*\[changed-type\][\s\S]*field seq: was added without a default/,
    );
  });
});

describe('Confluent Schema Registry, the declared alternative', () => {
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:registry-AbCdEf';
  const json = synth({
    schemaRegistry: { kind: 'confluent', url: 'https://registry.example.com', secretArn },
  });

  it('creates no Glue resources and points each mapping at the URL with the secret', () => {
    expect(resourcesOf(json, 'AWS::Glue::Registry')).toEqual([]);
    const [, mapping] = resourcesOf(json, 'AWS::Lambda::EventSourceMapping').find(
      ([, p]) => (p.Topics as string[])[0] === 'schemas_scores',
    )!;
    expect(
      (mapping.AmazonManagedKafkaEventSourceConfig as { SchemaRegistryConfig: unknown }).SchemaRegistryConfig,
    ).toMatchObject({
      SchemaRegistryURI: 'https://registry.example.com',
      AccessConfigs: [{ Type: 'BASIC_AUTH', URI: secretArn }],
    });
    const statements = resourcesOf(json, 'AWS::IAM::Policy').flatMap(
      ([, p]) => (p.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }).Statement,
    );
    expect(statements).toContainEqual(
      expect.objectContaining({ Action: 'secretsmanager:GetSecretValue', Resource: secretArn }),
    );
  });
});

describe('npm run deploy', () => {
  it('appends the declared versions to the lock with the Glue version ids the stack output names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-lock-'));
    const path = join(dir, 'schemas.lock.json');
    const id = '6f1d2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b';
    const recorded = recordDeployedSchemas(
      path,
      manifest().topics,
      JSON.stringify({ schemas_scores: { value: id } }),
    );
    const lock = readSchemaLock(path);
    expect(recorded).toBe(declaredSchemas(manifest().topics).length);
    expect(lock.topics.schemas_scores?.value?.versions).toEqual([
      expect.objectContaining({ dataFormat: 'AVRO', registered: { glue: id } }),
    ]);
    expect(lock.topics.schemas_trades?.key?.versions).toHaveLength(1);
    rmSync(dir, { recursive: true });
  });
});
