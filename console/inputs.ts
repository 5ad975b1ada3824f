/** Request inputs checked before they reach Kafka: each error names the parameter and what it accepts. */

export class InputError extends Error {}

export function optionalInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InputError(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

export function optionalDate(name: string, value: string | undefined): Date | undefined {
  if (value === undefined || value === '') return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InputError(`${name} must be a date (ISO 8601, e.g. 2026-11-25T10:00:00Z), got "${value}"`);
  return date;
}

export function optionalOneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined || value === '') return undefined;
  if (!(allowed as readonly string[]).includes(value))
    throw new InputError(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

export function optionalText(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InputError(`${name} must be text`);
  return value;
}

/** Dead-letter ids as listed: `<dlq topic>/<partition>/<offset>`. */
export function deadLetterIds(value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    !value.every((v) => typeof v === 'string' && /^[\w.-]+\/\d+\/\d+$/.test(v))
  )
    throw new InputError(
      'ids must be a non-empty list of dead-letter ids like "<topic>/<partition>/<offset>"',
    );
  return value as string[];
}
