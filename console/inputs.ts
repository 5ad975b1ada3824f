/**
 * Request inputs the console reads from query strings and bodies, turned into the tools' types: each error names
 * the parameter and what it accepts. What the values must mean (dates, kinds, ids) the tools check themselves.
 */

export class InputError extends Error {}

export function optionalInt(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new InputError(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

export function optionalText(name: string, value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw new InputError(`${name} must be text`);
  return value;
}
