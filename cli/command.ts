import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `kafka-lambda` command: main.ts finds it by name and hands it the rest of the command line. */
export interface Command {
  readonly name: string;
  /** The usage line(s) and what the command does, as `help` prints them. */
  readonly help: string;
  run(args: readonly string[], io: CommandIo): Promise<void>;
}

export interface CommandIo {
  /** A line for the person at the terminal (stdout). */
  say(line: string): void;
}

/** Thrown for a command line that cannot be run; main.ts prints it with the command's help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Parses a command's arguments strictly: an unknown flag is a UsageError naming it. */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** A flag's value as a positive number, or a UsageError naming the flag. */
export function numberFlag(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive number, got "${value}"`);
  return n;
}
