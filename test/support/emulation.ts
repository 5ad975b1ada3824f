import { spawn, type ChildProcess } from 'node:child_process';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { resolve } from 'node:path';
import { loadApp } from '../../shared/declarations/app';
import { alignTopics } from '../../shared/emulator/align-topics';
import { EMF_LINE_START } from '../../shared/observability/emf';

export const REPO = resolve(__dirname, '../..');

/**
 * The emulator's `output` for tests: the functions' output on this process's stdout and stderr as by default, but
 * for their metrics lines (one EMF document per invocation), which would bury Jest's report.
 */
export function quietOutput(chunk: string, stream: 'stdout' | 'stderr'): void {
  const shown = chunk
    .split('\n')
    .filter((line) => !line.startsWith(EMF_LINE_START))
    .join('\n');
  if (shown.trim()) (stream === 'stderr' ? process.stderr : process.stdout).write(shown);
}
export const FIXTURE_APP = resolve(REPO, 'test/fixtures/app');
/**
 * What the fixture app's functions read from the test's environment. A function sees only what the deployed one
 * would, so tests pass these through by name (the local-only `--pass-env`).
 */
export const FIXTURE_ENV = [
  'FIXTURE_PREFIX',
  'FIXTURE_START',
  'FIXTURE_DELAY_MS',
  'FIXTURE_FIXED',
  'LOG_LEVEL',
];

export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'test', brokers, logLevel: logLevel.NOTHING });
}

export interface Collected<T> {
  items: T[];
  /** Resolves once `predicate(items)` holds; rejects with what was seen when the deadline passes. */
  until(predicate: (items: T[]) => boolean, timeoutMs?: number, what?: string): Promise<T[]>;
  stop(): Promise<void>;
}

/** Reads topics from the beginning for as long as the test needs, collecting decoded JSON values with their headers. */
export async function collect<T>(
  kafka: Kafka,
  topics: string[],
  map: (
    value: unknown,
    headers: Record<string, string>,
    meta: { topic: string; partition: number; offset: number },
  ) => T,
): Promise<Collected<T>> {
  const items: T[] = [];
  const waiters = new Set<() => void>();
  const consumer: Consumer = kafka.consumer({ groupId: `collector-${Date.now()}-${Math.random()}` });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      let value: unknown = message.value?.toString();
      try {
        value = JSON.parse(String(value));
      } catch {
        // keep the raw text: malformed records stay visible to the test
      }
      items.push(map(value, headers, { topic, partition, offset: Number(message.offset) }));
      waiters.forEach((w) => w());
    },
  });
  return {
    items,
    until(predicate, timeoutMs = 60_000, what = 'condition') {
      return new Promise((resolvePromise, reject) => {
        const check = (): void => {
          if (!predicate(items)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolvePromise(items);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; collected ${items.length} records`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    stop: () => consumer.disconnect(),
  };
}

/**
 * Waits until a consumer group has settled with `members` members, each assigned partitions: records produced
 * after this see no rebalance (a rebalance in flight may deliver a record twice, as on AWS).
 */
export async function waitForStableGroup(kafka: Kafka, groupId: string, members: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const until = Date.now() + 60_000;
    for (;;) {
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (
        group?.state === 'Stable' &&
        group.members.length === members &&
        group.members.every((m) => m.memberAssignment.length > 0)
      )
        return;
      if (Date.now() > until)
        throw new Error(`group ${groupId} did not settle with ${members} members: ${JSON.stringify(group)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await admin.disconnect();
  }
}

export type EmulatorProcess = ChildProcess & { output: () => string };

/** Starts the command line's `dev` emulator as its own process, as a user would. */
export function spawnEmulator(env: Record<string, string>, args: string[] = []): EmulatorProcess {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'cli/main.ts',
      'dev',
      '--app',
      FIXTURE_APP,
      '--stats-every',
      '1',
      // Any free port for the console: the developer's own `npm start` keeps 4480.
      '--console-port',
      '0',
      '--pass-env',
      FIXTURE_ENV.join(','),
      // Nothing here uses the tools' local stack: no operations function beside the handlers.
      '--no-local-stack',
      ...args,
    ],
    { cwd: REPO, env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return Object.assign(child, { output: () => output });
}

/** Waits for the process to print something matching `pattern`. */
export function waitForOutput(child: EmulatorProcess, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const started = Date.now();
    const poll = setInterval(() => {
      if (pattern.test(child.output())) {
        clearInterval(poll);
        resolvePromise();
      } else if (child.exitCode !== null || Date.now() - started > timeoutMs) {
        clearInterval(poll);
        reject(new Error(`emulator did not print ${pattern} (exit ${child.exitCode}):\n${child.output()}`));
      }
    }, 100);
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** Creates the fixture app's topics (under the current FIXTURE_PREFIX) before a process under test does. */
export async function createFixtureTopics(kafka: Kafka, app = FIXTURE_APP): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await alignTopics(admin, loadApp(app).topics);
  } finally {
    await admin.disconnect();
  }
}
