/**
 * The local Kafka cluster, programmatically: `up`, `down`, `status`, `stopNode`, `startNode`, `bootstrapFor`.
 * Picks Docker Compose when a Docker engine answers (or KAFKA_LOCAL_MODE=docker), else Kafka's jars on the system
 * JVM (KAFKA_LOCAL_MODE=jvm), records the shape in the state dir, and only returns once the brokers answer.
 * The CLI (cli.ts), the Jest global setup and any other tooling share this one implementation.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { KAFKA_VERSION } from '../../shared/kafka/version';
import type { ClusterBackend, Logger, NodeInfo } from './backend';
import { allPorts, assertNode, bootstrapFor, clientPort, type NodeCount, nodeIds } from './config';
import { createDockerCluster } from './docker-cluster';
import { lastLines } from './exec';
import { jarsCached } from './jars';
import { jvmCluster } from './jvm-cluster';
import { stateFile } from './paths';
import { busyPorts } from './processes';
import { describeBrokerIds, waitForBrokers } from './readiness';
import { type ClusterState, readState, removeState, writeState } from './state';
import { type Mode, MIN_JAVA_MAJOR, modeFromEnv, probeDocker, probeJava, probeMaven } from './toolchain';

export { bootstrapFor } from './config';
export type { NodeCount } from './config';
export type { Mode } from './toolchain';
export type { NodeInfo, Logger } from './backend';
export type { ClusterState } from './state';

export const DEFAULT_START_TIMEOUT_MS = 90_000;
const FENCE_TIMEOUT_MS = 30_000;
const silent: Logger = () => undefined;

export interface UpOptions {
  /** 1 (default) or 3. */
  nodes?: NodeCount;
  /** Default: KAFKA_LOCAL_MODE, else docker when a Docker engine answers, else jvm. */
  mode?: Mode;
  /** How long to wait for every broker to answer (default 90 s). */
  timeoutMs?: number;
  /** Recorded in the state file, e.g. "jest". */
  startedBy?: string;
  /** Progress lines (default: none). */
  log?: Logger;
}

export interface UpResult {
  /** Bootstrap addresses, e.g. ['127.0.0.1:9092']. */
  brokers: string[];
  /** False when the same cluster was already running and answering. */
  started: boolean;
  mode: Mode;
  nodes: NodeCount;
  /** Per-node log files (JVM mode; empty in Docker mode, see `logHints`). */
  logFiles: string[];
  /** Per node, where to read its log: the file, or the command that prints it. */
  logHints: string[];
  /** Who started the cluster, as recorded by the `up` that created it. */
  startedBy?: string;
}

export interface ClusterStatus {
  /** A recorded cluster exists and every one of its nodes runs. */
  running: boolean;
  state?: ClusterState;
  brokers: string[];
  nodes: NodeInfo[];
  /** Broker ids a running node reports in a metadata answer; undefined if none answered. */
  answering?: number[];
}

export interface NodeOptions {
  timeoutMs?: number;
  log?: Logger;
}

function newClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id; // Kafka's own ids never start with '-' (it reads like a CLI flag)
  }
}

async function dockerBackend(): Promise<ClusterBackend> {
  const docker = await probeDocker();
  if (!docker.ok)
    throw new Error(`Docker mode needs a Docker engine with Compose, but there is ${docker.reason}.`);
  return createDockerCluster(docker.value);
}

/** Why the JVM mode cannot run here, or undefined when it can. */
async function jvmProblems(kafkaVersion: string): Promise<string | undefined> {
  const problems: string[] = [];
  const java = await probeJava();
  if (!java.ok) problems.push(java.reason);
  if (!jarsCached(kafkaVersion)) {
    const maven = await probeMaven();
    if (!maven.ok) problems.push(`${maven.reason}, needed once to fetch the Kafka jars`);
  }
  return problems.length > 0 ? problems.join(' and ') : undefined;
}

async function backendFor(mode: Mode): Promise<ClusterBackend> {
  if (mode === 'docker') return dockerBackend();
  return jvmCluster;
}

async function chooseBackend(requested: Mode | undefined, kafkaVersion: string): Promise<ClusterBackend> {
  const forced = requested ?? modeFromEnv();
  if (forced === 'docker') return dockerBackend();
  if (forced === 'jvm') {
    const problems = await jvmProblems(kafkaVersion);
    if (problems)
      throw new Error(`JVM mode cannot run: ${problems}. Install a JDK ${MIN_JAVA_MAJOR}+ and Maven.`);
    return jvmCluster;
  }
  const docker = await probeDocker();
  if (docker.ok) return createDockerCluster(docker.value);
  const problems = await jvmProblems(kafkaVersion);
  if (!problems) return jvmCluster;
  throw new Error(
    `Cannot run Kafka locally: ${docker.reason}, and ${problems}. ` +
      `Install Docker (engine and compose plugin), or a JDK ${MIN_JAVA_MAJOR}+ and Maven.`,
  );
}

/** The last lines of each node's log, for error messages. */
async function logTails(nodes: readonly NodeInfo[], lines = 12): Promise<string> {
  const parts = await Promise.all(
    nodes.map(async (info) => {
      if (!info.logFile) return `node ${info.node} log: ${info.logHint}`;
      const text = await readFile(info.logFile, 'utf8').catch(() => '');
      return `--- node ${info.node}: last lines of ${info.logFile} ---\n${lastLines(text, lines)}`;
    }),
  );
  return parts.join('\n');
}

/** Waits until each node in `ask` answers metadata listing every node in `ask`; fails early if one exits. */
async function waitUntilServing(
  backend: ClusterBackend,
  state: ClusterState,
  ask: readonly number[],
  timeoutMs: number,
  what: string,
): Promise<void> {
  try {
    await waitForBrokers({
      ask: ask.map((node) => ({ node, address: `127.0.0.1:${clientPort(node, state.nodes)}` })),
      present: ask,
      timeoutMs,
      what,
      check: async () => {
        const dead = (await backend.nodes(state)).filter((info) => ask.includes(info.node) && !info.running);
        if (dead.length > 0) {
          throw new Error(
            `node ${dead.map((info) => info.node).join(', ')} exited while waiting for ${what}.`,
          );
        }
      },
    });
  } catch (error) {
    const infos = (await backend.nodes(state)).filter((info) => ask.includes(info.node));
    throw new Error(`${(error as Error).message}\n${await logTails(infos)}`, { cause: error });
  }
}

function result(state: ClusterState, infos: readonly NodeInfo[], started: boolean): UpResult {
  return {
    brokers: bootstrapFor(state.nodes),
    started,
    mode: state.mode,
    nodes: state.nodes,
    logFiles: infos.flatMap((info) => (info.logFile ? [info.logFile] : [])),
    logHints: infos.map((info) => info.logHint),
    ...(state.startedBy !== undefined ? { startedBy: state.startedBy } : {}),
  };
}

function describeShape(state: ClusterState): string {
  return `a ${state.nodes}-node ${state.mode} cluster (Kafka ${state.kafkaVersion}, ${bootstrapFor(state.nodes).join(',')})`;
}

/** Starts the cluster, or finds it already running; resolves once every broker answers metadata requests. */
export async function up(options: UpOptions = {}): Promise<UpResult> {
  const nodes = options.nodes ?? 1;
  const log = options.log ?? silent;
  const timeoutMs = options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
  const existing = await readState();

  if (existing) {
    const backend = await backendFor(existing.mode);
    const infos = await backend.nodes(existing);
    const sameShape =
      existing.nodes === nodes &&
      existing.kafkaVersion === KAFKA_VERSION &&
      (options.mode === undefined || options.mode === existing.mode);
    if (!sameShape) {
      if (infos.some((info) => info.running)) {
        throw new Error(
          `${describeShape(existing)} is running; run \`npm run kafka -- down\` first to start a ${nodes}-node one.`,
        );
      }
      log(`Removing the stopped leftovers of ${describeShape(existing)}.`);
      await backend.stopAll(existing, log);
      await removeState();
    } else {
      const stopped = infos.filter((info) => !info.running).map((info) => info.node);
      for (const node of stopped) {
        log(`node ${node} is not running: starting it on its existing data.`);
        await backend.startNode(node, existing, log);
      }
      await waitUntilServing(
        backend,
        existing,
        infos.map((info) => info.node),
        timeoutMs,
        'every broker to answer',
      );
      return result(existing, await backend.nodes(existing), stopped.length > 0);
    }
  }

  const backend = await chooseBackend(options.mode, KAFKA_VERSION);
  const ports =
    backend.mode === 'jvm' ? allPorts(nodes) : nodeIds(nodes).map((node) => clientPort(node, nodes));
  const busy = await busyPorts(ports);
  if (busy.length > 0) {
    throw new Error(
      `Port ${busy.join(', ')} on 127.0.0.1 is already in use, and no cluster started by this launcher is recorded ` +
        `(${stateFile()}). Stop whatever listens there (\`ss -ltnp\`), or point the tests at it with KAFKA_BROKERS.`,
    );
  }
  const state: ClusterState = {
    mode: backend.mode,
    nodes,
    kafkaVersion: KAFKA_VERSION,
    clusterId: newClusterId(),
    createdAt: new Date().toISOString(),
    ...(options.startedBy !== undefined ? { startedBy: options.startedBy } : {}),
  };
  await writeState(state); // first, so `down` can clean up whatever a failed start leaves
  try {
    await backend.startAll(state, log);
    await waitUntilServing(backend, state, nodeIds(nodes), timeoutMs, 'every broker to answer');
  } catch (error) {
    log('Start failed: stopping what was started (logs are kept).');
    await backend.stopAll(state, silent).catch(() => undefined);
    await removeState();
    throw error;
  }
  return result(state, await backend.nodes(state), true);
}

/** Stops every node, waits for free ports, removes the data (the jar cache and the logs stay). */
export async function down(options: { log?: Logger } = {}): Promise<{ stopped: boolean }> {
  const log = options.log ?? silent;
  const state = await readState();
  if (!state) {
    await jvmCluster.stopAll(undefined, log); // stray node folders or processes without a state file
    return { stopped: false };
  }
  const backend = await backendFor(state.mode);
  await backend.stopAll(state, log);
  await removeState();
  return { stopped: true };
}

export async function status(): Promise<ClusterStatus> {
  const state = await readState();
  if (!state) return { running: false, brokers: [], nodes: [] };
  const backend = await backendFor(state.mode);
  const nodes = await backend.nodes(state);
  let answering: number[] | undefined;
  for (const info of nodes.filter((n) => n.running)) {
    answering = await describeBrokerIds(info.address, 3000).catch(() => undefined);
    if (answering) break;
  }
  return {
    running: nodes.every((info) => info.running),
    state,
    brokers: bootstrapFor(state.nodes),
    nodes,
    ...(answering ? { answering } : {}),
  };
}

async function current(): Promise<{ state: ClusterState; backend: ClusterBackend }> {
  const state = await readState();
  if (!state) throw new Error('No local Kafka cluster is recorded: run `npm run kafka -- up` first.');
  return { state, backend: await backendFor(state.mode) };
}

/**
 * Kills node N (1-based) with SIGKILL, like a crash. Then, while the others still form a quorum, waits until they
 * have fenced it (it disappears from their metadata), so a caller sees the failure already taken into account.
 */
export async function stopNode(
  node: number,
  options: NodeOptions & { waitUntilFenced?: boolean } = {},
): Promise<void> {
  const { state, backend } = await current();
  assertNode(node, state.nodes);
  await backend.killNode(node, state);
  (options.log ?? silent)(`node ${node} killed`);
  const others = (await backend.nodes(state)).filter((info) => info.running && info.node !== node);
  if (options.waitUntilFenced === false || others.length <= state.nodes / 2) return;
  await waitForBrokers({
    ask: others.map(({ node: n, address }) => ({ node: n, address })),
    absent: [node],
    timeoutMs: options.timeoutMs ?? FENCE_TIMEOUT_MS,
    what: `the other nodes to fence node ${node}`,
  });
}

/** Restarts node N on its existing data and waits until every running node (and N itself) lists it. */
export async function startNode(node: number, options: NodeOptions = {}): Promise<void> {
  const { state, backend } = await current();
  assertNode(node, state.nodes);
  const infos = await backend.nodes(state);
  if (!infos.find((info) => info.node === node)?.running)
    await backend.startNode(node, state, options.log ?? silent);
  const ask = infos.filter((info) => info.running || info.node === node).map((info) => info.node);
  await waitUntilServing(
    backend,
    state,
    ask,
    options.timeoutMs ?? DEFAULT_START_TIMEOUT_MS,
    `node ${node} to rejoin`,
  );
}
