/**
 * Jest global teardown of the reliability suite: stops the 3-node cluster if global-setup.ts started it, and the
 * DynamoDB server (wiping its tables) likewise.
 */
import { down as dynamodbDown } from '../../launcher/dynamodb/local-server';
import { down } from '../../launcher/kafka/cluster';
import { OWNED_DYNAMODB_ENV, OWNED_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const owned = process.env[OWNED_ENV] === '1';
  Reflect.deleteProperty(process.env, OWNED_ENV);
  if (owned) await down();
  if (process.env[OWNED_DYNAMODB_ENV] === '1') await dynamodbDown();
  Reflect.deleteProperty(process.env, OWNED_DYNAMODB_ENV);
}
