/** Jest global teardown of the integration project: stops the cluster only if global-setup.ts started it. */
import { down } from '../../launcher/kafka/cluster';
import { OWNED_CLUSTER_ENV } from './global-setup';

export default async function globalTeardown(): Promise<void> {
  const owned = process.env[OWNED_CLUSTER_ENV] === '1';
  Reflect.deleteProperty(process.env, OWNED_CLUSTER_ENV);
  if (owned) await down();
}
