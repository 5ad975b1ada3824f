/**
 * What every reliability scenario shares: its own topics and table (a fresh RELIABILITY_PREFIX), their creation
 * with the declared durability checked on the cluster, readers for the projection's output, dead letters and
 * table, and the emulator as a real process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Kafka, logLevel } from 'kafkajs';
import { ensureTables } from '../../../launcher/dynamodb/tables';
import { describeFailure, run } from '../../../launcher/kafka/exec';
import { classpath } from '../../../launcher/kafka/jars';
import { loadApp } from '../../../shared/declarations/app';
import { KAFKA_VERSION } from '../../../shared/kafka/version';
import { readDeadLetter, type DeadLetterInfo } from '../../../shared/lambda/dead-letter';
import { alignTopics } from '../../../shared/emulator/align-topics';
import { retriable } from '../../../shared/kafka/retriable';
import { loadModule } from '../../../shared/declarations/load-module';
import { createDocumentClient } from '../../../shared/state/dynamodb';
import type { Applied, Balance } from '../app/topics';
import { LogReader } from './log-reader';
import { ID_HEADER } from './traffic';

export const REPO = resolve(__dirname, '../../..');
export const APP = resolve(__dirname, '../app');

type AppTopics = typeof import('../app/topics');

/** Bootstrap servers of the 3-node cluster (set by test/reliability/global-setup.ts). */
export function clusterBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length !== 3)
    throw new Error(
      `reliability tests need the 3-node cluster from their global setup; KAFKA_BROKERS=${process.env.KAFKA_BROKERS}`,
    );
  return brokers;
}

/** The local DynamoDB server of the suite (started by test/reliability/global-setup.ts). */
export function dynamodbEndpoint(): string {
  const endpoint = process.env.DYNAMODB_ENDPOINT?.trim();
  if (!endpoint)
    throw new Error(
      'reliability tests need the DynamoDB server from their global setup; DYNAMODB_ENDPOINT is unset',
    );
  return endpoint;
}

export function kafkaClient(brokers: string[]): Kafka {
  return new Kafka({ clientId: 'reliability-test', brokers, logLevel: logLevel.NOTHING });
}

/** Loads the app's declarations under a new prefix: the scenario's own topics and consumer group. */
export function freshApp(name: string): AppTopics & { prefix: string; group: string; dlq: string } {
  const prefix = `rel-${name}-${randomUUID().slice(0, 8)}`;
  process.env.RELIABILITY_PREFIX = prefix;
  jest.resetModules();
  const topics = loadModule<AppTopics>(require.resolve('../app/topics'));
  const group = `${prefix}-projection`;
  return { ...topics, prefix, group, dlq: `${topics.changes.name}.${group}.dlq` };
}

export interface TopicShape {
  name: string;
  partitions: number;
  replicas: number[];
  isr: number;
  minInsync: string | undefined;
}

/**
 * Creates the app's topics as the emulator would and reads back what the cluster made of them; creates its table
 * as `dev` does (the in-process emulator of the bad-input scenario does not).
 */
export async function createTopicsAndTable(kafka: Kafka): Promise<TopicShape[]> {
  const { topics, tables } = loadApp(APP);
  const client = createDocumentClient({ DYNAMODB_ENDPOINT: dynamodbEndpoint() });
  try {
    await ensureTables(client, tables);
  } finally {
    client.destroy();
  }
  const admin = kafka.admin();
  await admin.connect();
  try {
    // kafkajs' createTopics waits for leaders by asking one broker, which on a cluster that has just started may not
    // know the new topic yet (UNKNOWN_TOPIC_OR_PARTITION, retriable); alignment is idempotent, so it runs again.
    await retriable(() => alignTopics(admin, topics));
    const names = topics.map((t) => t.name);
    const metadata = await retriable(() => admin.fetchTopicMetadata({ topics: names }));
    const configs = await admin.describeConfigs({
      includeSynonyms: false,
      resources: names.map((name) => ({ type: 2, name, configNames: ['min.insync.replicas'] })),
    });
    return metadata.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.length,
      replicas: [...new Set(t.partitions.map((p) => p.replicas.length))],
      isr: Math.min(...t.partitions.map((p) => p.isr.length)),
      minInsync: configs.resources
        .find((r) => r.resourceName === t.name)
        ?.configEntries.find((e) => e.configName === 'min.insync.replicas')?.configValue,
    }));
  } finally {
    await admin.disconnect();
  }
}

export interface Handled extends Applied {
  /** Where in `applied` it was written. */
  at: number;
}

export interface DeadLetter {
  id: string;
  info: DeadLetterInfo;
}

export type Output = { kind: 'handled'; record: Applied } | { kind: 'dead-letter'; letter: DeadLetter };

/** Every item of the scenario's balances table (strongly consistent: the writes acknowledged so far are all in). */
export async function readBalances(app: ReturnType<typeof freshApp>): Promise<Balance[]> {
  const client = createDocumentClient({ DYNAMODB_ENDPOINT: dynamodbEndpoint() });
  const items: Balance[] = [];
  try {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({ TableName: app.balances.name, ConsistentRead: true, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) items.push(app.Balance.parse(item));
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    client.destroy();
  }
  return items;
}

/** One reader over the projection's output and its dead-letter topic. */
export function readOutput(kafka: Kafka, app: ReturnType<typeof freshApp>): Promise<LogReader<Output>> {
  return LogReader.start<Output>(kafka, [app.applied.name, app.dlq], (value, meta) =>
    meta.topic === app.applied.name
      ? { kind: 'handled', record: app.Applied.parse(JSON.parse(String(value))) }
      : {
          kind: 'dead-letter',
          letter: { id: meta.headers[ID_HEADER] ?? '(no id header)', info: readDeadLetter(meta.headers) },
        },
  );
}

export const handledOf = (items: Output[]): Applied[] =>
  items.flatMap((o) => (o.kind === 'handled' ? [o.record] : []));
export const deadLettersOf = (items: Output[]): DeadLetter[] =>
  items.flatMap((o) => (o.kind === 'dead-letter' ? [o.letter] : []));

/** Ids seen in the output (handled or dead-lettered). */
export function outputIds(items: Output[]): Set<string> {
  return new Set(items.map((o) => (o.kind === 'handled' ? `${o.record.key}/${o.record.seq}` : o.letter.id)));
}

export type EmulatorProcess = ChildProcess & { output: () => string; logFile: string };

/** Where emulator processes' output is kept for post-mortems (KAFKAJS_LOG_LEVEL=warn adds the client's own lines). */
export const LOG_DIR = join(tmpdir(), 'kafka-lambda-reliability-logs');

/** Where the projection handler notes each acknowledged publish (see app/handlers/projection.ts). */
export function ledgerPrefix(prefix: string): string {
  mkdirSync(LOG_DIR, { recursive: true });
  return join(LOG_DIR, `${prefix}-handler`);
}

/** Ids whose publish the handler saw acknowledged, from every emulator process of the scenario. */
export function handlerLedger(prefix: string): Set<string> {
  const base = `${prefix}-handler-`;
  const ids = new Set<string>();
  for (const file of readdirSync(LOG_DIR).filter((f) => f.startsWith(base) && f.endsWith('.ledger'))) {
    for (const line of readFileSync(join(LOG_DIR, file), 'utf8').split('\n'))
      if (line) ids.add(line.split('\t')[0]!);
  }
  return ids;
}

/** The command line's `dev` emulator over the reliability app, as its own process. */
export function spawnEmulator(prefix: string, extraEnv: Record<string, string> = {}): EmulatorProcess {
  const child = spawn(
    process.execPath,
    // Any free port for the console: the developer's own `npm start` keeps 4480.
    [
      '--import',
      'tsx',
      'cli/main.ts',
      'dev',
      '--app',
      APP,
      '--no-watch',
      '--stats-every',
      '2',
      '--console-port',
      '0',
      // Nothing here uses the tools' local stack: no operations function beside the handlers.
      '--no-local-stack',
    ],
    {
      cwd: REPO,
      env: {
        ...process.env,
        KAFKA_BROKERS: clusterBrokers().join(','),
        DYNAMODB_ENDPOINT: dynamodbEndpoint(),
        RELIABILITY_PREFIX: prefix,
        LOG_LEVEL: 'warn',
        KAFKAJS_LOG_LEVEL: 'warn', // the client's own warnings and errors (crashes, rejoins) go to the log file too
        RELIABILITY_LEDGER: ledgerPrefix(prefix),
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${prefix}-emulator-${child.pid}.log`);
  const keep = (d: Buffer): void => {
    output += d.toString();
    appendFileSync(logFile, d);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  return Object.assign(child, { output: () => output, logFile });
}

/** Polls a condition (every 50 ms) until it holds; rejects with `describe()` at the deadline. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
  describe = (): string => '',
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}. ${describe()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function waitForOutput(child: EmulatorProcess, pattern: RegExp, timeoutMs = 60_000): Promise<void> {
  return waitFor(
    () => pattern.test(child.output()) || child.exitCode !== null,
    timeoutMs,
    `the emulator to print ${pattern}`,
    () => child.output(),
  ).then(() => {
    if (!pattern.test(child.output()))
      throw new Error(
        `the emulator exited (${child.exitCode}) before printing ${pattern}:\n${child.output()}`,
      );
  });
}

export function exited(child: ChildProcess): Promise<number | null> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve(child.exitCode)
    : new Promise((r) => child.once('exit', (code) => r(code)));
}

/** The last stats line the emulator printed for the projection. */
export function lastStats(child: EmulatorProcess): string {
  const lines = child
    .output()
    .split('\n')
    .filter((l) => l.startsWith('projection'));
  return lines[lines.length - 1]?.replace(/\s+/g, ' ').trim() ?? '(no stats printed)';
}

/** Every topic of the scenario as declared: 6 partitions, replication factor 3, min.insync.replicas 2, fully in sync. */
export function expectDurable(shapes: TopicShape[]): void {
  expect(shapes.map((s) => [s.name, s.partitions, s.replicas, s.isr, s.minInsync])).toEqual(
    shapes.map((s) => [s.name, 6, [3], 3, '2']),
  );
}

/** A Logger for an in-process emulator that keeps what it warned about (printed and counted by the scenario). */
export function keepingLogger(): {
  log: import('../../../shared/declarations/handler').Logger;
  lines: string[];
} {
  const lines: string[] = [];
  const keep = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
    void lines.push(`${level} ${msg} ${JSON.stringify(fields ?? {})}`);
  return { log: { debug: () => {}, info: () => {}, warn: keep('warn'), error: keep('error') }, lines };
}

/** Counts of lines by their first words (the message), for a short printout. */
export function summarize(lines: string[]): string {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const msg = line.replace(/ \{.*$/, '');
    counts.set(msg, (counts.get(msg) ?? 0) + 1);
  }
  return [...counts].map(([m, n]) => `${n} x ${m}`).join('; ') || 'none';
}

/** When each phase of a scenario happened, relative to its start: printed with the counts. */
export class Timeline {
  private readonly start = Date.now();
  private readonly marks: [string, number][] = [];
  mark(what: string): number {
    const at = Date.now();
    this.marks.push([what, at - this.start]);
    return at;
  }
  toString(): string {
    return this.marks.map(([what, ms]) => `${what} ${(ms / 1000).toFixed(1)} s`).join(', ');
  }
}

/** The broker (node id = the launcher's node number) leading a partition. */
export async function leaderOf(kafka: Kafka, topic: string, partition: number): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [meta] = (await retriable(() => admin.fetchTopicMetadata({ topics: [topic] }))).topics;
    const leader = meta?.partitions.find((p) => p.partitionId === partition)?.leader;
    if (leader === undefined || leader < 1) throw new Error(`no leader for ${topic}-${partition}`);
    return leader;
  } finally {
    await admin.disconnect();
  }
}

/** Waits until every partition of the topics has all its replicas in sync again (after a broker came back). */
export async function waitForFullIsr(kafka: Kafka, topics: string[], timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const meta = await retriable(() => admin.fetchTopicMetadata({ topics }));
      const short = meta.topics.flatMap((t) =>
        t.partitions.filter((p) => p.isr.length < p.replicas.length).map((p) => `${t.name}-${p.partitionId}`),
      );
      if (short.length === 0) return;
      if (Date.now() > until)
        throw new Error(`replicas still out of sync after ${timeoutMs} ms: ${short.join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}

/** The warnings an emulator process logged (JSON lines), counted by message. */
export function warningsOf(child: EmulatorProcess): string {
  const lines = child
    .output()
    .split('\n')
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as { level?: string; msg?: string; message?: string; kind?: string };
        if (!parsed.level) return [];
        // kafkajs lines: the message up to the first detail (addresses and ids vary)
        const text = parsed.msg ?? (parsed.message ?? '').replace(/:.*$/, '');
        return [`${parsed.level.toLowerCase()} ${text}${parsed.kind ? ` (${parsed.kind})` : ''}`];
      } catch {
        return [];
      }
    });
  return summarize(lines);
}

/** Java's String.hashCode, which Kafka uses to place a group on a partition of __consumer_offsets. */
function javaHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The broker coordinating a consumer group: the leader of its __consumer_offsets partition
 * (abs(groupId.hashCode()) % partitions, as the broker computes it). Killing it breaks commits and membership
 * as well as the partitions it leads.
 */
export async function coordinatorOf(kafka: Kafka, group: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [offsets] = (await retriable(() => admin.fetchTopicMetadata({ topics: ['__consumer_offsets'] })))
      .topics;
    if (!offsets) throw new Error('no __consumer_offsets topic');
    const partition = (javaHashCode(group) & 0x7fffffff) % offsets.partitions.length;
    return leaderOf(kafka, '__consumer_offsets', partition);
  } finally {
    await admin.disconnect();
  }
}

export async function partitionsLedBy(kafka: Kafka, topic: string, node: number): Promise<number[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [meta] = (await retriable(() => admin.fetchTopicMetadata({ topics: [topic] }))).topics;
    return (meta?.partitions ?? [])
      .filter((p) => p.leader === node)
      .map((p) => p.partitionId)
      .sort();
  } finally {
    await admin.disconnect();
  }
}

/**
 * Moves every partition's leadership back to its preferred replica (kafka-leader-election, as the controller's
 * periodic rebalance would some minutes after a broker came back) and waits until it holds. Scenarios that restart
 * a broker call it, so the leadership move happens inside them and never surprises a later scenario.
 */
export async function restorePreferredLeaders(
  kafka: Kafka,
  brokers: string[],
  timeoutMs = 120_000,
): Promise<void> {
  const result = await run(
    'java',
    [
      '-Xmx256m',
      '-XX:TieredStopAtLevel=1',
      '-cp',
      classpath(KAFKA_VERSION),
      'org.apache.kafka.tools.LeaderElectionCommand',
      '--bootstrap-server',
      brokers.join(','),
      '--election-type',
      'preferred',
      '--all-topic-partitions',
    ],
    { timeoutMs },
  );
  if (
    result.code !== 0 &&
    !/no election needed|not eligible|ElectionNotNeeded/i.test(result.stdout + result.stderr)
  )
    throw new Error(`preferred leader election failed: ${describeFailure(result)}`);
  const admin = kafka.admin();
  await admin.connect();
  const until = Date.now() + timeoutMs;
  try {
    for (;;) {
      const topics = (await admin.listTopics()).filter(
        (t) => !t.startsWith('__') || t === '__consumer_offsets',
      );
      const meta = await retriable(() => admin.fetchTopicMetadata({ topics }));
      const off = meta.topics.flatMap((t) =>
        t.partitions.filter((p) => p.leader !== p.replicas[0]).map((p) => `${t.name}-${p.partitionId}`),
      );
      if (off.length === 0) return;
      if (Date.now() > until)
        throw new Error(`leaders not back on their preferred replicas: ${off.slice(0, 10).join(', ')}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    await admin.disconnect();
  }
}
