/**
 * Jest global setup of the reliability suite: a 3-node local cluster (replication factor 3, min.insync.replicas 2),
 * whose nodes the scenarios kill and restart. It never uses KAFKA_BROKERS from the environment (a fault test needs
 * a cluster it may break) and keeps its state under KAFKA_LOCAL_HOME, by default a folder of the system temp dir,
 * so it never meets the developer's or the integration tests' cluster. KAFKA_BROKERS is set for the tests.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status, up } from '../../launcher/kafka/cluster';

export const STARTED_BY = 'jest-reliability';
/** Set when this run owns the cluster, so the teardown stops it. */
export const OWNED_ENV = 'KAFKA_RELIABILITY_CLUSTER_OWNED';

const log = (line: string): void => console.log(`[kafka 3-node] ${line}`);

export default async function globalSetup(): Promise<void> {
  if (!process.env.KAFKA_LOCAL_HOME?.trim())
    process.env.KAFKA_LOCAL_HOME = join(tmpdir(), 'kafka-lambda-reliability');
  Reflect.deleteProperty(process.env, OWNED_ENV);
  const previous = (await status()).state;
  if (previous && previous.nodes !== 3)
    throw new Error(
      `KAFKA_LOCAL_HOME=${process.env.KAFKA_LOCAL_HOME} holds a ${previous.nodes}-node cluster; the reliability suite needs ` +
        'its own 3-node one: point KAFKA_LOCAL_HOME elsewhere or run `npm run kafka -- down` there.',
    );
  const began = Date.now();
  const result = await up({ nodes: 3, startedBy: STARTED_BY });
  const owned = previous === undefined || previous.startedBy === STARTED_BY;
  if (owned) process.env[OWNED_ENV] = '1';
  process.env.KAFKA_BROKERS = result.brokers.join(',');
  log(
    `${result.started && !previous ? 'started' : 'reusing'} ${result.brokers.join(',')} (KAFKA_LOCAL_HOME=${process.env.KAFKA_LOCAL_HOME}) ` +
      `in ${((Date.now() - began) / 1000).toFixed(1)} s${owned ? '; stopped after the tests' : '; left running'}`,
  );
  log(`broker logs: ${result.logHints.join(', ')}`);
}
