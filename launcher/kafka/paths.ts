/**
 * Where the launcher keeps things. Everything it writes lives outside the repository, under
 * `${KAFKA_LOCAL_HOME:-$HOME/.cache/kafka-lambda}`: the jar cache survives `down`, the cluster directory does not.
 */
import { join, resolve } from 'node:path';
import { localHome } from '../../shared/local-home';

export { localHome };

/** The repository's `launcher/kafka` folder (this file's folder), which holds the pom and the log4j2 config. */
const LAUNCHER_DIR = __dirname;

export const repoFiles = {
  pom: join(LAUNCHER_DIR, 'pom.xml'),
  log4jConfig: join(LAUNCHER_DIR, 'log4j2.properties'),
  compose: resolve(LAUNCHER_DIR, '..', 'docker-compose.yml'),
} as const;

/** The Kafka jars (broker, tools, log4j2 backend) for one Kafka version; kept across `down`. */
export function jarsDir(kafkaVersion: string): string {
  return join(localHome(), 'jars', kafkaVersion);
}

/** Everything about the running cluster: state file, per-node config, data, pid and log files. */
export function clusterDir(): string {
  return join(localHome(), 'cluster');
}

export function stateFile(): string {
  return join(clusterDir(), 'state.json');
}

/** Per-node folder holding server.properties, the pid file and the data dir; removed by `down`. */
export function nodeDir(node: number): string {
  return join(clusterDir(), `node-${node}`);
}

export function dataDir(node: number): string {
  return join(nodeDir(node), 'data');
}

export function propertiesFile(node: number): string {
  return join(nodeDir(node), 'server.properties');
}

export function pidFile(node: number): string {
  return join(nodeDir(node), 'kafka.pid');
}

/** Logs are kept by `down` (for post-mortems) and truncated by the next fresh `up`. */
export function logsDir(): string {
  return join(clusterDir(), 'logs');
}

export function logFile(node: number): string {
  return join(logsDir(), `node-${node}.log`);
}

/** Holds the path of the class archive a node's JVM will write when it exits (see cds.ts). */
export function cdsPendingFile(node: number): string {
  return join(nodeDir(node), 'cds-pending');
}
