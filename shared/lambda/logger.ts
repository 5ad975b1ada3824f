import type { Logger } from '../declarations/handler';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

function levelFromEnv(): LogLevel {
  const value = process.env.LOG_LEVEL?.toLowerCase();
  return value && value in LEVELS ? (value as LogLevel) : 'info';
}

/** Where a log line goes: by default warnings and errors to stderr, the rest to stdout. */
export type LogSink = (line: string, stream: 'stdout' | 'stderr') => void;

const processSink: LogSink = (line, stream) =>
  void (stream === 'stderr' ? process.stderr : process.stdout).write(line);

/**
 * JSON lines on stdout (CloudWatch and local terminals read them alike); LOG_LEVEL picks the floor. `sink` sends
 * them elsewhere (the dev command's log file).
 */
export function createLogger(
  base: Record<string, unknown> = {},
  level: LogLevel = levelFromEnv(),
  sink: LogSink = processSink,
): Logger {
  const floor = LEVELS[level];
  const write =
    (name: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[name] < floor) return;
      const line = JSON.stringify({ time: new Date().toISOString(), level: name, msg, ...base, ...fields });
      sink(line + '\n', name === 'error' || name === 'warn' ? 'stderr' : 'stdout');
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
