/**
 * Lambda event-filter patterns applied to a record's JSON value. On AWS the event source mapping applies
 * them (the pattern is pushed down as `{"value": pattern}`); the local emulator applies the same rules here.
 * Supported: exact values, prefix, suffix, anything-but, numeric ranges and exists.
 */
export type Matcher =
  | string
  | number
  | boolean
  | null
  | { prefix: string }
  | { suffix: string }
  | { 'anything-but': string | number | readonly (string | number)[] }
  | { numeric: readonly (string | number)[] }
  | { exists: boolean };

export interface ValueFilter {
  readonly [field: string]: readonly Matcher[] | ValueFilter;
}

const COMPARE: Record<string, (a: number, b: number) => boolean> = {
  '=': (a, b) => a === b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
};

function numericMatches(value: unknown, spec: readonly (string | number)[]): boolean {
  if (typeof value !== 'number') return false;
  for (let i = 0; i < spec.length; i += 2) {
    const compare = COMPARE[String(spec[i])];
    if (!compare || !compare(value, Number(spec[i + 1]))) return false;
  }
  return true;
}

function matchOne(value: unknown, present: boolean, matcher: Matcher): boolean {
  if (matcher === null || typeof matcher !== 'object') return present && value === matcher;
  if ('exists' in matcher) return matcher.exists === present;
  if (!present) return false;
  if ('prefix' in matcher) return typeof value === 'string' && value.startsWith(matcher.prefix);
  if ('suffix' in matcher) return typeof value === 'string' && value.endsWith(matcher.suffix);
  if ('numeric' in matcher) return numericMatches(value, matcher.numeric);
  const excluded = matcher['anything-but'];
  return !(Array.isArray(excluded) ? excluded : [excluded]).includes(value as string | number);
}

function leafMatches(value: unknown, present: boolean, matchers: readonly Matcher[]): boolean {
  const candidates = Array.isArray(value) ? value : [value];
  return matchers.some((m) => candidates.some((v) => matchOne(v, present, m)));
}

/** Whether a decoded JSON value passes the filter (every field's condition holds). */
export function matchesFilter(value: unknown, filter: ValueFilter): boolean {
  const object = value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  return Object.entries(filter).every(([field, condition]) => {
    const present = Object.prototype.hasOwnProperty.call(object, field);
    return Array.isArray(condition)
      ? leafMatches(object[field], present, condition as readonly Matcher[])
      : present && matchesFilter(object[field], condition as ValueFilter);
  });
}
