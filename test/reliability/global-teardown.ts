/** Jest global teardown of the reliability suite: stops the 3-node cluster if global-setup.ts started it. */
import { down } from '../../launcher/kafka/cluster';
import { OWNED_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const owned = process.env[OWNED_ENV] === '1';
  Reflect.deleteProperty(process.env, OWNED_ENV);
  if (owned) await down();
}
