/** Running short external commands (java, mvn, docker) and capturing their output. */
import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit code; null when the command could not start, timed out or died by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** Why the command did not run to completion (not found, timeout), if so. */
  failure?: string;
}

export interface RunOptions {
  timeoutMs?: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let failure: string | undefined;
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            failure = `timed out after ${options.timeoutMs} ms`;
            child.kill('SIGKILL');
          }, options.timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      failure = error.code === 'ENOENT' ? `${command}: not found on PATH` : error.message;
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: failure ? null : code, stdout, stderr, ...(failure ? { failure } : {}) });
    });
  });
}

/** One line saying why a command failed, for error messages. */
export function describeFailure(result: CommandResult): string {
  if (result.failure) return result.failure;
  const output = `${result.stderr}\n${result.stdout}`.trim().split('\n').slice(-15).join('\n');
  return `exit code ${result.code}${output ? `:\n${output}` : ''}`;
}

/** The tail of a text, for showing the end of a log in an error message. */
export function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
