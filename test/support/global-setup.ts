/**
 * Jest global setup of the integration project: makes one real Kafka cluster available and exports its bootstrap
 * servers as KAFKA_BROKERS (workers inherit the parent's environment).
 *  - KAFKA_BROKERS set by the user: used as it is, nothing is started.
 *  - a local cluster from `npm run kafka -- up` is running (e.g. the developer's): reused and left running.
 *  - otherwise: a 1-node cluster is started here and stopped by global-teardown.ts.
 */
import { status, up } from '../../launcher/kafka/cluster';
import { up as dynamodbUp } from '../../launcher/dynamodb/local-server';

/** Set when this run started the local DynamoDB server, so the teardown stops it. */
export const OWNED_DYNAMODB_ENV = 'DYNAMODB_TEST_SERVER_OWNED';
const DYNAMODB_FROM_SETUP_ENV = 'DYNAMODB_TEST_ENDPOINT_FROM_SETUP';

/**
 * The local DynamoDB server, like Kafka: DYNAMODB_ENDPOINT from the user is used as it is; otherwise the local
 * server is reused or started (and then stopped and wiped after the tests).
 */
async function dynamodb(): Promise<void> {
  Reflect.deleteProperty(process.env, OWNED_DYNAMODB_ENV);
  if (process.env.DYNAMODB_ENDPOINT?.trim() && process.env[DYNAMODB_FROM_SETUP_ENV] !== '1') {
    console.log(`[dynamodb] using DYNAMODB_ENDPOINT=${process.env.DYNAMODB_ENDPOINT}`);
    return;
  }
  const result = await dynamodbUp();
  if (result.note) console.log(`[dynamodb] ${result.note}`);
  process.env.DYNAMODB_ENDPOINT = result.endpoint;
  process.env[DYNAMODB_FROM_SETUP_ENV] = '1';
  if (result.started) process.env[OWNED_DYNAMODB_ENV] = '1';
  console.log(`[dynamodb] ${result.started ? 'started' : 'reusing'} the local server at ${result.endpoint}`);
}

/** Set when this run owns the cluster, so the teardown stops it. */
export const OWNED_CLUSTER_ENV = 'KAFKA_TEST_CLUSTER_OWNED';
/** Set when KAFKA_BROKERS came from this setup rather than from the user (matters in watch mode). */
const BROKERS_FROM_SETUP_ENV = 'KAFKA_TEST_BROKERS_FROM_SETUP';

const log = (line: string): void => console.log(`[kafka] ${line}`);

export default async function globalSetup(): Promise<void> {
  // Failed records are expected in these tests; their JSON log lines would bury Jest's report.
  process.env.LOG_LEVEL ??= 'error';
  await dynamodb();
  Reflect.deleteProperty(process.env, OWNED_CLUSTER_ENV);
  if (process.env.KAFKA_BROKERS?.trim() && process.env[BROKERS_FROM_SETUP_ENV] !== '1') {
    log(`using KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`);
    return;
  }
  const previous = (await status()).state;
  const began = Date.now();
  const result = await up({ nodes: previous?.nodes ?? 1, startedBy: 'jest' });
  // Ours if we created it, or if an interrupted earlier run of the tests left it behind.
  const owned = previous === undefined || previous.startedBy === 'jest';
  process.env.KAFKA_BROKERS = result.brokers.join(',');
  process.env[BROKERS_FROM_SETUP_ENV] = '1';
  if (owned) process.env[OWNED_CLUSTER_ENV] = '1';
  const shape = `${result.nodes}-node ${result.mode} cluster at ${process.env.KAFKA_BROKERS}`;
  if (result.started && previous === undefined) {
    log(`started a ${shape} in ${((Date.now() - began) / 1000).toFixed(1)} s; it is stopped after the tests`);
  } else {
    log(
      `reusing the running ${shape}${owned ? ' (left by an earlier test run; stopped after the tests)' : ''}`,
    );
  }
  log(`broker logs: ${result.logHints.join(', ')}`);
}
