import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../shared/declarations/handler';
import { createLogger, type LogLevel } from '../shared/lambda/logger';
import { localHome } from '../shared/local-home';
import { EMF_LINE_START } from '../shared/observability/emf';

export interface DevLogOptions {
  /** Whether stdout is a terminal (then the status board owns it). */
  tty: boolean;
  verbose: boolean;
  /** @default `<local home>/logs/dev-<time>.log` */
  path?: string;
  level?: LogLevel;
  /** The terminal: where lines go when they are shown there. @default process stdout/stderr */
  terminal?: (chunk: string, stream: 'stdout' | 'stderr') => void;
}

export interface DevLog {
  /** The file every emulator and function log line is written to. */
  path: string;
  /** Whether those lines also go to the terminal: with --verbose, or when stdout is no terminal (CI, pipes). */
  echoed: boolean;
  /** The emulator's logger. */
  log: Logger;
  /** Where the functions' stdout and stderr go (the emulator's `output` option). */
  output(chunk: string, stream: 'stdout' | 'stderr', handler: string): void;
  close(): Promise<void>;
}

const toProcess = (chunk: string, stream: 'stdout' | 'stderr'): void =>
  void (stream === 'stderr' ? process.stderr : process.stdout).write(chunk);

/**
 * The functions' output for the terminal: everything but their metrics lines, which come once per invocation and
 * are in the log file (and, summed up, in the console). Output is cut into lines per handler and stream, so a line
 * split across two chunks is judged whole.
 */
function withoutMetricsLines(terminal: (chunk: string, stream: 'stdout' | 'stderr') => void) {
  const partial = new Map<string, string>();
  return (chunk: string, stream: 'stdout' | 'stderr', handler: string): void => {
    const key = `${handler}\0${stream}`;
    const lines = ((partial.get(key) ?? '') + chunk).split('\n');
    partial.set(key, lines.pop()!);
    const shown = lines.filter((line) => !line.startsWith(EMF_LINE_START));
    if (shown.length) terminal(shown.join('\n') + '\n', stream);
  };
}

/**
 * Routes the JSON log lines of `dev` (one per failed record and per failed invocation, from the emulator and from
 * the handlers) to a log file, so a terminal keeps its status board readable; they reach the terminal as well
 * with --verbose or when stdout is not a terminal, as before the board existed. The functions' metrics documents
 * (one EMF line per invocation, as on Lambda) go to the file, and to the terminal only with --verbose.
 */
export function openDevLog(o: DevLogOptions): DevLog {
  const path =
    o.path ?? join(localHome(), 'logs', `dev-${new Date().toISOString().replace(/[:.]/g, '-')}.log`);
  mkdirSync(join(path, '..'), { recursive: true });
  const file = createWriteStream(path, { flags: 'a' });
  const echoed = o.verbose || !o.tty;
  const terminal = o.terminal ?? toProcess;
  const write = (chunk: string, stream: 'stdout' | 'stderr'): void => {
    file.write(chunk);
    if (echoed) terminal(chunk, stream);
  };
  const level = o.level ?? ((process.env.LOG_LEVEL as LogLevel | undefined) || 'warn');
  const echoFunction = withoutMetricsLines(terminal);
  return {
    path,
    echoed,
    log: createLogger({ component: 'emulator' }, level, write),
    output: (chunk, stream, handler) => {
      file.write(chunk);
      if (!echoed) return;
      if (o.verbose) terminal(chunk, stream);
      else echoFunction(chunk, stream, handler);
    },
    close: () => new Promise((resolve) => file.end(() => resolve())),
  };
}
