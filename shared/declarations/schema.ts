import type { StandardSchemaV1 } from '@standard-schema/spec';
import { SchemaError, type RecordLocation } from '../errors';

/** Any Standard Schema (zod, valibot, arktype, ...) whose output is T. */
export type Schema<T = unknown> = StandardSchemaV1<unknown, T>;
export type Infer<S extends StandardSchemaV1> = StandardSchemaV1.InferOutput<S>;

function formatPath(path: StandardSchemaV1.Issue['path']): string {
  if (!path || path.length === 0) return '(root)';
  return path.map((seg) => String(typeof seg === 'object' ? seg.key : seg)).join('.');
}

/** One line per issue: `field userId: Expected string, received number`. */
export function formatIssues(issues: readonly StandardSchemaV1.Issue[]): string {
  return issues.map((issue) => `field ${formatPath(issue.path)}: ${issue.message}`).join('; ');
}

/**
 * Validates `input`, throwing a permanent schema error that names the record and the fields at fault. Synchronous
 * when the schema is (zod, valibot, arktype without async refinements), so the hot path allocates no promise.
 */
export function validate<T>(
  schema: Schema<T>,
  input: unknown,
  at?: RecordLocation,
  what = 'value',
): T | Promise<T> {
  const result = schema['~standard'].validate(input);
  return result instanceof Promise
    ? result.then((settled) => outputOf(settled, at, what))
    : outputOf(result, at, what);
}

function outputOf<T>(result: StandardSchemaV1.Result<T>, at: RecordLocation | undefined, what: string): T {
  if (result.issues) {
    // `at` may be a whole raw record: keep only its location.
    const location = at && { topic: at.topic, partition: at.partition, offset: at.offset };
    throw new SchemaError(`${what} violates schema: ${formatIssues(result.issues)}`, location);
  }
  return result.value;
}
