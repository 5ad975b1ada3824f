/**
 * The DynamoDB connection, from one place: the environment.
 *   DYNAMODB_ENDPOINT               a local DynamoDB-compatible server (set by `npm start` / `npm test`); unset on AWS
 *   KAFKA_LAMBDA_TABLE_<NAME>       a table's physical name (set by infra on exactly the functions that declare it);
 *                                   unset: the declared name, as the local tables are created
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AnyTable } from '../declarations/table';

/**
 * Retries, explicit so that AWS_RETRY_MODE, AWS_MAX_ATTEMPTS or a profile's `retry_mode` cannot change them: the
 * SDK's standard strategy, 8 tries per request. It retries throttling (ProvisionedThroughputExceeded, request
 * limits, on-demand throttling) and transient errors (5xx, timeouts) only, waiting a random time up to
 * base * 2^retry, capped at 20 s per wait; base is 1 s after throttling, 50 ms otherwise (so at most about 71 s of
 * waits for a request throttled 8 times), and a client-wide quota stops retrying when most retries fail. A request
 * that still fails throws a TableError, which fails the record or batch like any handler error; the fences make
 * its redelivery apply nothing twice. Conditional-check failures and validation errors are not retried.
 */
export const DYNAMODB_MAX_ATTEMPTS = 8;
export const DYNAMODB_RETRY_MODE = 'standard';

/** The environment variable that carries a table's physical name to a function. */
export function tableNameVariable(table: Pick<AnyTable, 'name'>): string {
  return `KAFKA_LAMBDA_TABLE_${table.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export function physicalTableName(
  table: Pick<AnyTable, 'name'>,
  env: NodeJS.ProcessEnv = process.env,
): string {
  return env[tableNameVariable(table)]?.trim() || table.name;
}

/**
 * The SDK warns, once per process and on stderr, that its releases after January 2027 need Node 22; every
 * function container and CLI run on Node 20 would print it. The SDK reads this from `process.env` only, while
 * it constructs a client, so it is set there; a value the user set (e.g. "false" to see it) is kept.
 */
export const NODE_VERSION_WARNING_VARIABLE = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

export function createDocumentClient(env: NodeJS.ProcessEnv = process.env): DynamoDBDocumentClient {
  process.env[NODE_VERSION_WARNING_VARIABLE] ??= 'true';
  const endpoint = env.DYNAMODB_ENDPOINT?.trim();
  const local = endpoint
    ? {
        endpoint,
        region: env.AWS_REGION ?? 'local',
        // A local server checks no signature; the SDK still wants credentials to sign with.
        ...(!env.AWS_ACCESS_KEY_ID && { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }),
      }
    : {};
  const client = new DynamoDBClient({
    ...local,
    maxAttempts: DYNAMODB_MAX_ATTEMPTS,
    retryMode: DYNAMODB_RETRY_MODE,
  });
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/** One client per Lambda container (module state), made on first use: a handler without tables never makes one. */
let shared: DynamoDBDocumentClient | undefined;

export function sharedDocumentClient(): DynamoDBDocumentClient {
  return (shared ??= createDocumentClient());
}
