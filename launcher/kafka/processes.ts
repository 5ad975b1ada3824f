/** Local processes and ports: is a pid still our broker, stopping it with a deadline, waiting for free ports. */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { LOCAL_HOST } from './config';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const HAS_PROC = existsSync('/proc/self/cmdline');

/**
 * Whether `pid` is alive and (where /proc exists) its command line contains `marker`, so a reused pid of some
 * other program is not mistaken for a broker. Zombies count as dead.
 */
export function isRunning(pid: number, marker: string): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (HAS_PROC) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const processState = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (processState === 'Z' || processState === 'X') return false;
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker);
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readPidFile(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

export async function waitForExit(pid: number, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid, marker)) {
    if (Date.now() >= deadline) return false;
    await sleep(100);
  }
  return true;
}

/** SIGTERM, then SIGKILL once `graceMs` has passed; resolves when the process is gone. */
export async function terminate(pid: number, marker: string, graceMs: number): Promise<'exited' | 'killed'> {
  if (!isRunning(pid, marker)) return 'exited';
  signal(pid, 'SIGTERM');
  if (await waitForExit(pid, marker, graceMs)) return 'exited';
  await kill(pid, marker);
  return 'killed';
}

/** SIGKILL; resolves when the process is gone. */
export async function kill(pid: number, marker: string): Promise<void> {
  if (!isRunning(pid, marker)) return;
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, marker, 10_000))) throw new Error(`Process ${pid} survived SIGKILL for 10 s.`);
}

/** True when nothing listens on `port` (we can bind it ourselves). */
export function isPortFree(port: number, host = LOCAL_HOST): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export async function busyPorts(ports: readonly number[]): Promise<number[]> {
  const free = await Promise.all(ports.map((port) => isPortFree(port)));
  return ports.filter((_, i) => !free[i]);
}

export async function waitForFreePorts(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const busy = await busyPorts(ports);
    if (busy.length === 0) return;
    if (Date.now() >= deadline) {
      throw new Error(
        `Ports still in use after ${timeoutMs / 1000} s: ${busy.join(', ')} (see \`ss -ltnp\`).`,
      );
    }
    await sleep(200);
  }
}
