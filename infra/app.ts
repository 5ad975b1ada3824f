import { App } from 'aws-cdk-lib';
import { loadApp } from '../shared/declarations/app';
import { optionsFromContext } from './config';
import { applyNag } from './nag';
import { KafkaLambdaStack } from './stack';

/**
 * `cdk synth` / `cdk deploy` entry (cdk.json: `npx tsx infra/app.ts`). The stack is environment-agnostic: the
 * region and account come from the CLI's credentials at deploy, and synth needs neither network nor credentials.
 * Settings come from context, e.g. `cdk deploy -c egress=nat -c cluster=serverless`.
 */
const app = new App();
const manifest = loadApp('functions');
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'KafkaLambda';
new KafkaLambdaStack(app, stackName, {
  manifest,
  description: 'Kafka event processing on MSK and Lambda (kafka-lambda-framework)',
  ...optionsFromContext((key) => app.node.tryGetContext(key)),
});
applyNag(app);
app.synth();
