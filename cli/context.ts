import { resolve } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { up } from '../launcher/kafka/cluster';
import { up as dynamodbUp } from '../launcher/dynamodb/local-server';
import { loadApp, type AppManifest } from '../shared/declarations/app';
import type { AppPlan, HandlerPlan } from '../shared/declarations/app-plan';
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

export function findHandler(plan: AppPlan, name: string | undefined): HandlerPlan {
  const found = plan.handlers.find((h) => h.name === name);
  if (!found)
    throw new Error(
      `no handler named "${name ?? ''}"; declared: ${plan.handlers.map((h) => h.name).join(', ')}`,
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
 * The DynamoDB endpoint to use: DYNAMODB_ENDPOINT when set, else the local server (started if it is not running).
 * It is handed on explicitly (the emulator gives it to the functions that declare tables), never exported: a
 * function's environment is its own.
 */
export async function resolveDynamoDb(say: (line: string) => void): Promise<string> {
  const fromEnv = process.env.DYNAMODB_ENDPOINT?.trim();
  if (fromEnv) return fromEnv;
  const result = await dynamodbUp();
  if (result.note) say(result.note);
  if (result.started)
    say(`DynamoDB started at ${result.endpoint} (npm run cli -- dynamodb down to stop and wipe it)`);
  return result.endpoint;
}

/**
 * `--pass-env NAME,...`: variables the functions get from this shell by name, a local-only convenience (a deployed
 * function has only what its declaration and infra set). Names not set here are reported and left out.
 */
export function passEnvFlag(value: string | undefined, say: (line: string) => void): string[] | undefined {
  if (value === undefined) return undefined;
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  const unset = names.filter((n) => process.env[n] === undefined);
  if (unset.length)
    say(`--pass-env: ${unset.join(', ')} not set in this shell; the functions will not see it`);
  return names;
}
