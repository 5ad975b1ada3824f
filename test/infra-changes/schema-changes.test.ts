/**
 * A topic schema's day-two change, classified as CloudFormation would (see routine-changes.test.ts): with the lock
 * holding the deployed version, a compatible new version is one new AWS::Glue::SchemaVersion and nothing else
 * changes; the schema itself (and every version registered before) stays.
 */
import { ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { AppManifest } from '../../shared/declarations/app';
import { defineTopic, type AnyTopic } from '../../shared/declarations/topic';
import { avro } from '../../shared/formats';
import { declaredSchemas, EMPTY_LOCK, withDeclared, type SchemaLock } from '../../shared/schemas/schema-lock';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { KafkaLambdaStack } from '../../infra/stack';
import { CDK_CONTEXT, exampleManifest, type TemplateJson } from '../infra/support/synth';
import { classify } from './support/classify';
import { editTopic } from './support/edits';
import alertSchema from '../../functions/alerts.avsc';

function template(manifest: AppManifest, schemaLock: SchemaLock): TemplateJson {
  const app = new App({ context: { ...CDK_CONTEXT, 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(
    new KafkaLambdaStack(app, 'Day2', { manifest, schemaLock }),
  ).toJSON() as TemplateJson;
}

describe("changing the example's Avro alerts schema", () => {
  const before = exampleManifest();
  const alerts = before.topics.find((t) => t.name === 'alerts')!;
  const schema = alertSchema as { fields: object[] };
  const v2 = defineTopic({
    name: 'alerts',
    partitions: alerts.partitions,
    value: avro({ ...schema, fields: [...schema.fields, { name: 'severity', type: 'int', default: 1 }] }),
    key: alerts.keyOf,
  });
  const lock = withDeclared(EMPTY_LOCK, declaredSchemas(before.topics));

  it('registers one new schema version and replaces or deletes nothing', () => {
    const after = editTopic('alerts', { codec: v2.codec, schema: v2.schema } as Partial<AnyTopic>)(before);
    const changes = classify(template(before, lock), template(after, lock));
    expect(changes.filter((c) => c.type.startsWith('AWS::Glue'))).toEqual([
      expect.objectContaining({ type: 'AWS::Glue::SchemaVersion', impact: ResourceImpact.WILL_CREATE }),
    ]);
    expect(
      changes.filter(
        (c) => c.impact === ResourceImpact.WILL_REPLACE || c.impact === ResourceImpact.WILL_DESTROY,
      ),
    ).toEqual([]);
  });
});
