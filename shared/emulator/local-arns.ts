import { createHash } from 'node:crypto';

/** The account of local ARNs, as other AWS emulators use. */
export const LOCAL_ACCOUNT = '000000000000';

/**
 * An MSK-format cluster ARN (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>-<n>`), stable for a cluster:
 * its uuid is derived from the Kafka cluster id.
 */
export function localClusterArn(region: string, kafkaClusterId: string): string {
  const hex = createHash('sha256').update(kafkaClusterId).digest('hex');
  const uuid = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return `arn:aws:kafka:${region}:${LOCAL_ACCOUNT}:cluster/kafka-lambda-local/${uuid}-1`;
}

export function localFunctionArn(region: string, name: string): string {
  return `arn:aws:lambda:${region}:${LOCAL_ACCOUNT}:function:${name}`;
}
