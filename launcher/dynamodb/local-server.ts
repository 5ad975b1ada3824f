/**
 * The local DynamoDB-compatible server (dynalite), started like the local Kafka cluster: a detached process on
 * 127.0.0.1:4567, its data under `<local home>/dynamodb/data`, its pid and log beside it. `up` reuses a running
 * one; `down` stops it and, unless told to keep them, wipes its tables.
 */
import { spawn } from 'node:child_process';
import { existsSync, openSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { localHome } from '../../shared/local-home';
import { createDocumentClient } from '../../shared/state/dynamodb';
import { isPortFree, isRunning, readPidFile, sleep, terminate } from '../kafka/processes';
import { identify } from './identity';

export const DYNAMODB_PORT = 4567;
const SERVER_ENTRY = join(__dirname, 'server.ts');
const READY_TIMEOUT_MS = 20_000;

export const dynamodbDir = (): string => join(localHome(), 'dynamodb');
const dataDir = (): string => join(dynamodbDir(), 'data');
const pidFile = (): string => join(dynamodbDir(), 'server.pid');
/** The port the server of this home listens on (another than DYNAMODB_PORT when that one was taken). */
const portFile = (): string => join(dynamodbDir(), 'server.port');
/** Ports tried from the asked one on, when it is taken. */
const PORTS_TRIED = 10;
export const dynamodbLog = (): string => join(dynamodbDir(), 'server.log');

export const endpointOf = (port: number): string => `http://127.0.0.1:${port}`;

export interface DynamoDbStatus {
  running: boolean;
  endpoint: string;
  pid?: number;
  dataDir: string;
}

/**
 * The server of this home: running or not, and its endpoint: on `port` when given, else on the port it was started
 * on (another than DYNAMODB_PORT when that one was taken).
 */
export function status(port?: number): DynamoDbStatus {
  const pid = readPidFile(pidFile());
  const running = pid !== undefined && isRunning(pid, SERVER_ENTRY);
  const recorded = running ? readPidFile(portFile()) : undefined; // a positive integer, as a pid is
  const at = port ?? recorded ?? DYNAMODB_PORT;
  return { running, endpoint: endpointOf(at), ...(running && { pid }), dataDir: dataDir() };
}

/** Whether a DynamoDB API answers at the endpoint. */
export async function answers(endpoint: string): Promise<boolean> {
  const client = createDocumentClient({ DYNAMODB_ENDPOINT: endpoint });
  try {
    await client.send(new ListTablesCommand({ Limit: 1 }));
    return true;
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

export interface UpResult {
  endpoint: string;
  started: boolean;
  /** Why it is not on the port asked for (another program, or another home's server, holds it). */
  note?: string;
}

/**
 * Starts the server (on `asked`, else DYNAMODB_PORT) unless this home's runs already; resolves with its endpoint
 * once it answers. When the port is taken it tells this product's server from any other program: one holding this
 * home's data is used as it is (started from another checkout that shares the home); otherwise the next free port
 * is taken, and `note` says why.
 */
export async function up(asked?: number): Promise<UpResult> {
  // One server per home: this home's, wherever it was started, is the one to use.
  const current = status();
  const port = asked ?? DYNAMODB_PORT;
  if (current.running && (await answers(current.endpoint)))
    return { endpoint: current.endpoint, started: false };
  const taken: string[] = [];
  for (let p = port; p < port + PORTS_TRIED; p++) {
    if (await isPortFree(p)) {
      const note = taken.length ? `${taken.join('; ')}: this home's server runs on ${p}` : undefined;
      return { ...(await start(p)), ...(note && { note }) };
    }
    const owner = await identify(p);
    if (owner?.dataDir === dataDir()) return { endpoint: endpointOf(p), started: false };
    taken.push(
      owner
        ? `port ${p} is held by the local DynamoDB server of another kafka-lambda home (data in ${owner.dataDir ?? 'memory'}, pid ${owner.pid})`
        : `port ${p} is taken by another program`,
    );
  }
  throw new Error(`${taken.join('; ')}: no free port for the local DynamoDB server (see \`ss -ltnp\`)`);
}

async function start(port: number): Promise<{ endpoint: string; started: true }> {
  const endpoint = endpointOf(port);
  await mkdir(dataDir(), { recursive: true });
  const log = openSync(dynamodbLog(), 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVER_ENTRY, '--port', String(port), '--path', dataDir()],
    { detached: true, stdio: ['ignore', log, log], cwd: join(__dirname, '..', '..') },
  );
  child.unref();
  await writeFile(pidFile(), `${child.pid}\n`);
  await writeFile(portFile(), `${port}\n`);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(endpoint))) {
    if (!isRunning(child.pid!, SERVER_ENTRY)) {
      throw new Error(`the local DynamoDB server exited at start; see ${dynamodbLog()}`);
    }
    if (Date.now() > deadline)
      throw new Error(
        `the local DynamoDB server did not answer in ${READY_TIMEOUT_MS / 1000} s; see ${dynamodbLog()}`,
      );
    await sleep(100);
  }
  return { endpoint, started: true };
}

/** Stops the server; wipes its tables unless `keepData`. */
export async function down(options: { keepData?: boolean } = {}): Promise<void> {
  const pid = readPidFile(pidFile());
  if (pid !== undefined) await terminate(pid, SERVER_ENTRY, 5_000);
  await rm(pidFile(), { force: true });
  await rm(portFile(), { force: true });
  if (!options.keepData && existsSync(dataDir())) await rm(dataDir(), { recursive: true, force: true });
}
