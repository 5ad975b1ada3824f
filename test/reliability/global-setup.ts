/**
 * Jest global setup of the reliability suite: a 3-node local cluster (replication factor 3, min.insync.replicas 2),
 * whose nodes the scenarios kill and restart, and a local DynamoDB server for the projection's table. It never uses
 * KAFKA_BROKERS or DYNAMODB_ENDPOINT from the environment (a fault test needs a cluster it may break, and its table
 * checks need a server whose tables it wipes) and keeps its state under KAFKA_LOCAL_HOME, by default a folder of
 * the system temp dir, on ports of its own, so it never meets the developer's or the integration tests' servers.
 * KAFKA_BROKERS and DYNAMODB_ENDPOINT are set for the tests.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, status as dynamodbStatus, up as dynamodbUp } from '../../launcher/dynamodb/local-server';
import { status, up } from '../../launcher/kafka/cluster';

export const STARTED_BY = 'jest-reliability';
/** Set when this run owns the cluster, so the teardown stops it. */
export const OWNED_ENV = 'KAFKA_RELIABILITY_CLUSTER_OWNED';
/** Set when this run started the DynamoDB server, so the teardown stops it and wipes its tables. */
export const OWNED_DYNAMODB_ENV = 'DYNAMODB_RELIABILITY_SERVER_OWNED';
/** Not the launcher's 4567: `npm start` or the integration tests may hold that one. */
export const RELIABILITY_DYNAMODB_PORT = 14567;

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
  await dynamodb();
}

/** The launcher's local server (data under KAFKA_LOCAL_HOME/dynamodb), on the suite's own port. */
async function dynamodb(): Promise<void> {
  Reflect.deleteProperty(process.env, OWNED_DYNAMODB_ENV);
  // The launcher keeps one pid file per home, whatever the port: a server of this home on another port (the
  // developer's, when KAFKA_LOCAL_HOME points at their home) would be forgotten, then its data wiped at teardown.
  const previous = dynamodbStatus(RELIABILITY_DYNAMODB_PORT);
  if (previous.running && !(await answers(previous.endpoint)))
    throw new Error(
      `KAFKA_LOCAL_HOME=${process.env.KAFKA_LOCAL_HOME} holds a local DynamoDB server (pid ${previous.pid}) on ` +
        `another port than ${RELIABILITY_DYNAMODB_PORT}; the reliability suite needs its own: point KAFKA_LOCAL_HOME ` +
        'elsewhere or run `npm run cli -- dynamodb down` there.',
    );
  const result = await dynamodbUp(RELIABILITY_DYNAMODB_PORT);
  // Ours also when an interrupted earlier run left it behind: this home and port are the suite's.
  process.env[OWNED_DYNAMODB_ENV] = '1';
  process.env.DYNAMODB_ENDPOINT = result.endpoint;
  console.log(
    `[dynamodb] ${result.started ? 'started' : 'reusing'} the local server at ${result.endpoint} ` +
      `(data in ${previous.dataDir}); stopped and wiped after the tests`,
  );
}
