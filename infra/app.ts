import { App } from 'aws-cdk-lib';
import { loadApp } from '../shared/declarations/app';
import { join } from 'node:path';
import { optionsFromContext } from './config';
import { LOCK_FILE, readLock } from './event-source-lock';
import { PROJECT_ROOT } from './handler-function';
import { applyNag } from './nag';
import { KafkaLambdaStack } from './stack';
import { readSchemaLock, SCHEMA_LOCK_FILE } from '../shared/schemas/schema-lock';
import { schemaRegistryFromContext } from './schema-registry';

/**
 * `cdk synth` / `cdk deploy` entry (cdk.json: `npx tsx infra/app.ts`). The stack is environment-agnostic: the
 * region and account come from the CLI's credentials at deploy, and synth needs neither network nor credentials.
 * Settings come from context, e.g. `cdk deploy -c egress=nat -c cluster=serverless`.
 */
const app = new App();
const manifest = loadApp('functions');
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'KafkaLambda';
const lock = readLock(join(PROJECT_ROOT, LOCK_FILE));
new KafkaLambdaStack(app, stackName, {
  manifest,
  description: 'Kafka event processing on MSK and Lambda (kafka-lambda-framework)',
  ...optionsFromContext((key) => app.node.tryGetContext(key)),
  ...(lock !== undefined && { deployedEventSources: lock }),
  schemaLock: readSchemaLock(join(PROJECT_ROOT, SCHEMA_LOCK_FILE)),
  schemaRegistry: schemaRegistryFromContext((key) => app.node.tryGetContext(key)),
});
applyNag(app);
app.synth();
