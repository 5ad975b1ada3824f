import { createHash } from 'node:crypto';
import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * A short, stable digest of template values (tokens resolve to the same JSON on every synth): names and logical
 * ids that must change exactly when a create-only property does.
 */
export function digestOf(scope: IConstruct, value: unknown, length = 8): string {
  const resolved: unknown = Stack.of(scope).resolve(value);
  return createHash('sha256').update(JSON.stringify(resolved)).digest('hex').slice(0, length);
}
