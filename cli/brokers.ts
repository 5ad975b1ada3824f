import type { KafkaConfig } from 'kafkajs';
import { up } from '../launcher/kafka/cluster';
import { kafkaConfigFromEnv } from '../shared/kafka/connection';

/** The brokers to use: KAFKA_BROKERS when set, else the local cluster (started if it is not running). */
export async function resolveBrokers(say: (line: string) => void): Promise<string[]> {
  const fromEnv = process.env.KAFKA_BROKERS?.split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (fromEnv?.length) return fromEnv;
  say('KAFKA_BROKERS is not set: bringing up the local Kafka cluster (npm run kafka -- status)...');
  const started = Date.now();
  const result = await up({ nodes: 1, startedBy: 'kafka-lambda dev', log: (line) => say(`  ${line}`) });
  say(
    `Kafka ${result.started ? 'started' : 'already running'} at ${result.brokers.join(',')} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
  );
  return result.brokers;
}

/** Connection settings for the command line: the brokers, plus IAM auth over TLS when KAFKA_AUTH=iam (to reach MSK). */
export function cliKafkaConfig(brokers: string[], clientId: string): KafkaConfig {
  return { ...kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: brokers.join(',') }), clientId };
}
