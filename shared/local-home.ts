import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * Where everything local lives: the Kafka jars and cluster, the DynamoDB data, the emulator's on-failure
 * destination. `${KAFKA_LOCAL_HOME:-$HOME/.cache/kafka-lambda}`, read on every call.
 */
export function localHome(): string {
  const fromEnv = process.env.KAFKA_LOCAL_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.cache', 'kafka-lambda');
}
