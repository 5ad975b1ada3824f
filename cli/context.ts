import { resolve } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { up } from '../launcher/kafka/cluster';
import { up as dynamodbUp } from '../launcher/dynamodb/local-server';
import { loadApp, type AppManifest, type HandlerModule } from '../shared/declarations/app';
import type { AnyTopic } from '../shared/declarations/topic';
import { brokerList, kafkaConfigFromEnv } from '../shared/kafka/connection';

/** The application folder: --app, else KAFKA_LAMBDA_APP, else ./functions. */
export function appDir(flag?: string): string {
  return resolve(flag ?? process.env.KAFKA_LAMBDA_APP ?? 'functions');
}

export function appManifest(flag?: string): AppManifest {
  return loadApp(appDir(flag));
}

export function findTopic(manifest: AppManifest, name: string): AnyTopic {
  const topic = manifest.topics.find((t) => t.name === name);
  if (!topic)
    throw new Error(
      `topic ${name} is not declared; declared: ${manifest.topics.map((t) => t.name).join(', ')}`,
    );
  return topic;
}

export function findHandler(manifest: AppManifest, name: string | undefined): HandlerModule {
  const found = manifest.handlers.find((h) => h.definition.name === name);
  if (!found)
    throw new Error(
      `no handler named "${name ?? ''}"; declared: ${manifest.handlers.map((h) => h.definition.name).join(', ')}`,
    );
  return found;
}

/** The brokers to use: KAFKA_BROKERS when set, else the local cluster (started if it is not running). */
export async function resolveBrokers(say: (line: string) => void): Promise<string[]> {
  const fromEnv = brokerList(process.env.KAFKA_BROKERS);
  if (fromEnv.length) return fromEnv;
  say('KAFKA_BROKERS is not set: bringing up the local Kafka cluster (npm run kafka -- status)...');
  const started = Date.now();
  const result = await up({ nodes: 1, startedBy: 'kafka-lambda dev', log: (line) => say(`  ${line}`) });
  say(
    `Kafka ${result.started ? 'started' : 'already running'} at ${result.brokers.join(',')} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return result.brokers;
}

/** Connection settings for the command line: the brokers, plus IAM auth over TLS when KAFKA_AUTH=iam (to reach MSK). */
export function cliKafkaConfig(brokers: readonly string[], clientId: string): KafkaConfig {
  return { ...kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: brokers.join(',') }), clientId };
}

export function kafkaFor(brokers: readonly string[]): Kafka {
  return new Kafka({ ...cliKafkaConfig(brokers, 'kafka-lambda-cli'), logLevel: logLevel.NOTHING });
}

/**
 * The DynamoDB endpoint to use: DYNAMODB_ENDPOINT when set, else the local server (started if it is not running),
 * exported as DYNAMODB_ENDPOINT so the handlers' containers inherit it.
 */
export async function resolveDynamoDb(say: (line: string) => void): Promise<string> {
  const fromEnv = process.env.DYNAMODB_ENDPOINT?.trim();
  if (fromEnv) return fromEnv;
  const result = await dynamodbUp();
  if (result.note) say(result.note);
  if (result.started)
    say(`DynamoDB started at ${result.endpoint} (npm run cli -- dynamodb down to stop and wipe it)`);
  process.env.DYNAMODB_ENDPOINT = result.endpoint;
  return result.endpoint;
}
