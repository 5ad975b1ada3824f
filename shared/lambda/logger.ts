import type { Logger } from '../declarations/handler';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
export type LogLevel = keyof typeof LEVELS;

function levelFromEnv(): LogLevel {
  const value = process.env.LOG_LEVEL?.toLowerCase();
  return value && value in LEVELS ? (value as LogLevel) : 'info';
}

/** JSON lines on stdout (CloudWatch and local terminals read them alike); LOG_LEVEL picks the floor. */
export function createLogger(base: Record<string, unknown> = {}, level: LogLevel = levelFromEnv()): Logger {
  const floor = LEVELS[level];
  const write =
    (name: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields?: Record<string, unknown>): void => {
      if (LEVELS[name] < floor) return;
      const line = JSON.stringify({ time: new Date().toISOString(), level: name, msg, ...base, ...fields });
      (name === 'error' || name === 'warn' ? process.stderr : process.stdout).write(line + '\n');
    };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
