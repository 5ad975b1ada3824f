/** Jest global teardown of the integration project: stops the cluster and the DynamoDB server only if global-setup.ts started them. */
import { down } from '../../launcher/kafka/cluster';
import { down as dynamodbDown } from '../../launcher/dynamodb/local-server';
import { OWNED_CLUSTER_ENV, OWNED_DYNAMODB_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const owned = process.env[OWNED_CLUSTER_ENV] === '1';
  Reflect.deleteProperty(process.env, OWNED_CLUSTER_ENV);
  if (owned) await down();
  if (process.env[OWNED_DYNAMODB_ENV] === '1') await dynamodbDown();
  Reflect.deleteProperty(process.env, OWNED_DYNAMODB_ENV);
}
