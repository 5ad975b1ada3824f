/**
 * Kafka on the system JVM: per node, render server.properties, format the data dir once (kafka.tools.StorageTool),
 * then run kafka.Kafka detached with its output in the node's log file and its pid in a pid file.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { appendFile, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClusterBackend, Logger, NodeInfo } from './backend';
import { archivePlan, discardArchive, promoteArchive } from './cds';
import { brokerAddress, clientPort, controllerPort, nodeIds, renderServerProperties } from './config';
import { describeFailure, run } from './exec';
import { classpath, ensureJars } from './jars';
import {
  cdsPendingFile,
  clusterDir,
  dataDir,
  logFile,
  logsDir,
  nodeDir,
  pidFile,
  propertiesFile,
  repoFiles,
} from './paths';
import { isRunning, kill, readPidFile, terminate, waitForFreePorts } from './processes';
import type { ClusterState } from './state';

/** Heap and GC for a small local broker; serial GC starts fastest on a small heap and few cores. */
const BROKER_JVM_OPTS = [
  '-Xms256m',
  '-Xmx768m',
  '-XX:+UseSerialGC',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];
/** The one-shot format command only needs to start quickly: C1 only. */
const TOOL_JVM_OPTS = ['-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-Djava.awt.headless=true'];
const STOP_GRACE_MS = 15_000;

/** Extra JVM flags for the brokers, e.g. KAFKA_LOCAL_JVM_OPTS="-Xmx2g". */
function extraJvmOpts(): string[] {
  return (process.env.KAFKA_LOCAL_JVM_OPTS ?? '').split(/\s+/).filter(Boolean);
}

function javaArgs(
  jvmOpts: readonly string[],
  kafkaVersion: string,
  mainClass: string,
  args: string[],
): string[] {
  return [
    ...jvmOpts,
    `-Dlog4j2.configurationFile=${repoFiles.log4jConfig}`,
    '-cp',
    classpath(kafkaVersion),
    mainClass,
    ...args,
  ];
}

/** The server.properties path identifies a node's java process (it is on its command line). */
const processMarker = (node: number): string => propertiesFile(node);

function isFormatted(node: number): boolean {
  return existsSync(join(dataDir(node), 'meta.properties'));
}

async function prepareNode(node: number, state: ClusterState, recordArchive: boolean): Promise<void> {
  await mkdir(dataDir(node), { recursive: true });
  await writeFile(
    propertiesFile(node),
    renderServerProperties({ node, nodes: state.nodes, dataDir: dataDir(node) }),
  );
  if (isFormatted(node)) return;
  // A static quorum (controller.quorum.voters) needs no --standalone / --initial-controllers flag.
  const args = ['format', '--cluster-id', state.clusterId, '--config', propertiesFile(node)];
  const cds = await archivePlan('format', state.kafkaVersion, recordArchive);
  const result = await run(
    'java',
    javaArgs([...TOOL_JVM_OPTS, ...cds.flags], state.kafkaVersion, 'kafka.tools.StorageTool', args),
    { timeoutMs: 120_000 },
  );
  if (cds.pending) await (result.code === 0 ? promoteArchive(cds.pending) : discardArchive(cds.pending));
  await appendFile(
    logFile(node),
    `[launcher] kafka.tools.StorageTool ${args.join(' ')}\n${result.stdout}${result.stderr}`,
  );
  if (result.code !== 0 || !isFormatted(node)) {
    throw new Error(
      `Formatting node ${node}'s data dir failed (${logFile(node)}): ${describeFailure(result)}`,
    );
  }
}

async function spawnBroker(node: number, state: ClusterState, recordArchive: boolean): Promise<number> {
  const cds = await archivePlan('broker', state.kafkaVersion, recordArchive);
  const jvmOpts = [...BROKER_JVM_OPTS, ...cds.flags, ...extraJvmOpts()];
  const out = openSync(logFile(node), 'a');
  try {
    const child = spawn(
      'java',
      javaArgs(jvmOpts, state.kafkaVersion, 'kafka.Kafka', [propertiesFile(node)]),
      {
        cwd: nodeDir(node),
        detached: true,
        stdio: ['ignore', out, out],
      },
    );
    child.on('error', () => undefined); // a failed spawn shows as a missing pid just below
    if (child.pid === undefined) throw new Error(`Could not start java for node ${node} (is java on PATH?).`);
    child.unref();
    await writeFile(pidFile(node), `${child.pid}\n`);
    if (cds.pending) await writeFile(cdsPendingFile(node), cds.pending);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

async function startNodes(nodes: number[], state: ClusterState, log: Logger, fresh: boolean): Promise<void> {
  await ensureJars(state.kafkaVersion, log);
  await mkdir(logsDir(), { recursive: true });
  for (const node of nodes) {
    const banner = `[launcher] ${new Date().toISOString()} starting node ${node} of ${state.nodes} (Kafka ${state.kafkaVersion})\n`;
    if (fresh) await writeFile(logFile(node), banner);
    else await appendFile(logFile(node), banner);
  }
  // Each node formats (one short JVM) then starts; nodes go in parallel, so a broker starts while others format.
  await Promise.all(
    nodes.map(async (node, i) => {
      await prepareNode(node, state, i === 0);
      const pid = await spawnBroker(node, state, fresh && i === 0);
      const address = brokerAddress(node, state.nodes);
      log(
        `node ${node}: pid ${pid}, ${address} (controller ${controllerPort(node, state.nodes)}), log ${logFile(node)}`,
      );
    }),
  );
}

/** The class archive a node's JVM is recording, if any (consumed: the pending note is removed). */
async function takePendingArchive(node: number): Promise<string | undefined> {
  const note = cdsPendingFile(node);
  if (!existsSync(note)) return undefined;
  const pending = readFileSync(note, 'utf8').trim();
  await rm(note, { force: true });
  return pending || undefined;
}

/** Node numbers that have a folder in the cluster dir, whatever the recorded shape says. */
async function nodeFolders(): Promise<number[]> {
  if (!existsSync(clusterDir())) return [];
  const names = await readdir(clusterDir());
  return names
    .map((name) => /^node-(\d+)$/.exec(name)?.[1])
    .filter((id): id is string => id !== undefined)
    .map(Number);
}

async function stopOne(node: number, pid: number): Promise<'exited' | 'killed'> {
  const pending = await takePendingArchive(node);
  const outcome = await terminate(pid, processMarker(node), STOP_GRACE_MS);
  if (pending) await (outcome === 'exited' ? promoteArchive(pending) : discardArchive(pending));
  return outcome;
}

export const jvmCluster: ClusterBackend = {
  mode: 'jvm',

  startAll: (state, log) => startNodes(nodeIds(state.nodes), state, log, true),

  startNode: (node, state, log) => startNodes([node], state, log, false),

  async killNode(node) {
    const pid = readPidFile(pidFile(node));
    if (pid !== undefined) await kill(pid, processMarker(node));
    const pending = await takePendingArchive(node);
    if (pending) await discardArchive(pending);
    await rm(pidFile(node), { force: true });
  },

  async stopAll(state, log) {
    const nodes = await nodeFolders();
    const running = nodes
      .map((node) => ({ node, pid: readPidFile(pidFile(node)) }))
      .filter(
        (n): n is { node: number; pid: number } =>
          n.pid !== undefined && isRunning(n.pid, processMarker(n.node)),
      );
    const outcomes = await Promise.all(running.map(({ node, pid }) => stopOne(node, pid)));
    running.forEach(({ node, pid }, i) => log(`node ${node}: pid ${pid} ${outcomes[i]}`));
    if (state) {
      const stopped = running.filter(({ node }) => node <= state.nodes);
      const ports = stopped.flatMap(({ node }) => [
        clientPort(node, state.nodes),
        controllerPort(node, state.nodes),
      ]);
      await waitForFreePorts(ports, 30_000);
    }
    await Promise.all(nodes.map((node) => rm(nodeDir(node), { recursive: true, force: true })));
  },

  async nodes(state): Promise<NodeInfo[]> {
    return nodeIds(state.nodes).map((node) => {
      const pid = readPidFile(pidFile(node));
      return {
        node,
        running: pid !== undefined && isRunning(pid, processMarker(node)),
        address: brokerAddress(node, state.nodes),
        ...(pid !== undefined ? { pid } : {}),
        logFile: logFile(node),
        logHint: logFile(node),
      };
    });
  },
};
