/**
 * `npm run kafka -- <command>`: the local Kafka cluster from the command line.
 *
 *   up [--nodes 1|3] [--mode jvm|docker] [--timeout SECONDS]   start (or find running) and wait until it answers
 *   status                                                     mode, nodes, pids, bootstrap, log paths
 *   down                                                       stop every node, free the ports, drop the data
 *   stop-node N                                                SIGKILL node N (1-based), like a crash
 *   start-node N                                               restart node N on its data, wait until it rejoins
 *   compose                                                    regenerate launcher/docker-compose.yml
 */
import { writeFile } from 'node:fs/promises';
import { KAFKA_VERSION } from '../../shared/kafka/version';
import { down, startNode, status, stopNode, up, type UpOptions } from './cluster';
import { renderCompose } from './compose';
import { ensureJars } from './jars';
import { parseNodeCount } from './config';
import { repoFiles } from './paths';

const USAGE = `usage: npm run kafka -- <command>
  up [--nodes 1|3] [--mode jvm|docker] [--timeout SECONDS]
                 start a local Kafka ${KAFKA_VERSION} cluster (default 1 node) and wait until every broker answers
  status         show mode, nodes, pids, bootstrap servers and log files
  down           stop every node, wait for free ports, delete the data (jars and logs are kept)
  stop-node N    kill node N (1-based) with SIGKILL
  start-node N   restart node N on its existing data and wait until it rejoins
  install        fetch the broker jars with Maven (what up does first without Docker)
  compose        regenerate launcher/docker-compose.yml from launcher/kafka/config.ts
environment: KAFKA_LOCAL_HOME (default ~/.cache/kafka-lambda), KAFKA_LOCAL_MODE=jvm|docker,
             KAFKA_LOCAL_JVM_OPTS (extra broker JVM flags)`;

class UsageError extends Error {}

const log = (line: string): void => console.log(line);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

function parseFlags(args: readonly string[], allowed: readonly string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i]!;
    const [name, inline] = arg.startsWith('--') ? arg.slice(2).split('=', 2) : [undefined, undefined];
    if (name === undefined || !allowed.includes(name)) throw new UsageError(`unexpected argument "${arg}"`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${name} needs a value`);
    flags.set(name, value);
  }
  return flags;
}

function nodeArgument(args: readonly string[]): number {
  const node = Number(args[0]);
  if (args.length !== 1 || !Number.isInteger(node) || node < 1)
    throw new UsageError('give one node number, e.g. 2');
  return node;
}

async function cmdUp(args: readonly string[]): Promise<void> {
  const flags = parseFlags(args, ['nodes', 'mode', 'timeout']);
  const options: UpOptions = { nodes: parseNodeCount(flags.get('nodes') ?? '1'), log };
  const mode = flags.get('mode');
  if (mode !== undefined) {
    if (mode !== 'jvm' && mode !== 'docker') throw new UsageError('--mode is jvm or docker');
    options.mode = mode;
  }
  const timeout = flags.get('timeout');
  if (timeout !== undefined) options.timeoutMs = Number(timeout) * 1000;
  const began = Date.now();
  const result = await up(options);
  const what = `${result.nodes}-node ${result.mode} cluster (Kafka ${KAFKA_VERSION})`;
  log(
    result.started ? `${what} is up after ${seconds(Date.now() - began)}.` : `${what} was already running.`,
  );
  log(`bootstrap: ${result.brokers.join(',')}`);
  result.logHints.forEach((hint, i) => log(`node ${i + 1} log: ${hint}`));
  log(`export KAFKA_BROKERS=${result.brokers.join(',')}`);
}

async function cmdStatus(): Promise<void> {
  const current = await status();
  if (!current.state) {
    log('No local Kafka cluster is recorded (run `npm run kafka -- up`).');
    return;
  }
  const { state } = current;
  log(
    `mode: ${state.mode}, nodes: ${state.nodes}, Kafka ${state.kafkaVersion}, created ${state.createdAt}` +
      (state.startedBy ? ` by ${state.startedBy}` : ''),
  );
  log(`bootstrap: ${current.brokers.join(',')}`);
  for (const info of current.nodes) {
    const pid = info.pid !== undefined ? ` pid ${info.pid}` : '';
    log(
      `node ${info.node}: ${info.running ? 'running' : 'STOPPED'}${pid} ${info.address}  log: ${info.logHint}`,
    );
  }
  log(
    current.answering
      ? `metadata answer lists brokers: ${current.answering.join(', ')}`
      : 'no broker answers metadata requests',
  );
  if (!current.running) process.exitCode = 3;
}

/** The launcher's command line; `kafka-lambda kafka ...` and `npm run kafka -- ...` call it. */
export async function main(argv: readonly string[]): Promise<void> {
  try {
    await run(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      process.exitCode = 2;
    } else {
      console.error(`kafka: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 1;
    }
  }
}

async function run(argv: readonly string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'up':
      return cmdUp(args);
    case 'status':
      return cmdStatus();
    case 'down': {
      const began = Date.now();
      const { stopped } = await down({ log });
      log(
        stopped
          ? `Stopped and removed the cluster in ${seconds(Date.now() - began)}.`
          : 'No cluster was recorded; nothing left running.',
      );
      return;
    }
    case 'stop-node': {
      const node = nodeArgument(args);
      await stopNode(node, { log });
      log(`node ${node} is down.`);
      return;
    }
    case 'start-node': {
      const node = nodeArgument(args);
      const began = Date.now();
      await startNode(node, { log });
      log(`node ${node} rejoined after ${seconds(Date.now() - began)}.`);
      return;
    }
    case 'install': {
      // What `up` does first in JVM mode, alone: CI and offline set-ups fetch the broker jars ahead of time.
      const dir = await ensureJars(KAFKA_VERSION, log);
      log(`Kafka ${KAFKA_VERSION} jars ready in ${dir}`);
      return;
    }
    case 'compose':
      await writeFile(repoFiles.compose, renderCompose(KAFKA_VERSION));
      log(`wrote ${repoFiles.compose}`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      log(USAGE);
      return;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}
