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

export const DYNAMODB_PORT = 4567;
const SERVER_ENTRY = join(__dirname, 'server.ts');
const READY_TIMEOUT_MS = 20_000;

export const dynamodbDir = (): string => join(localHome(), 'dynamodb');
const dataDir = (): string => join(dynamodbDir(), 'data');
const pidFile = (): string => join(dynamodbDir(), 'server.pid');
export const dynamodbLog = (): string => join(dynamodbDir(), 'server.log');

export const endpointOf = (port: number): string => `http://127.0.0.1:${port}`;

export interface DynamoDbStatus {
  running: boolean;
  endpoint: string;
  pid?: number;
  dataDir: string;
}

export function status(port = DYNAMODB_PORT): DynamoDbStatus {
  const pid = readPidFile(pidFile());
  const running = pid !== undefined && isRunning(pid, SERVER_ENTRY);
  return { running, endpoint: endpointOf(port), ...(running && { pid }), dataDir: dataDir() };
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

/** Starts the server unless it runs already; resolves with its endpoint once it answers. */
export async function up(port = DYNAMODB_PORT): Promise<{ endpoint: string; started: boolean }> {
  const current = status(port);
  if (current.running && (await answers(current.endpoint)))
    return { endpoint: current.endpoint, started: false };
  if (!(await isPortFree(port))) {
    throw new Error(
      `port ${port} is taken by another program; the local DynamoDB server needs it (see \`ss -ltnp\`)`,
    );
  }
  await mkdir(dataDir(), { recursive: true });
  const log = openSync(dynamodbLog(), 'a');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', SERVER_ENTRY, '--port', String(port), '--path', dataDir()],
    { detached: true, stdio: ['ignore', log, log], cwd: join(__dirname, '..', '..') },
  );
  child.unref();
  await writeFile(pidFile(), `${child.pid}\n`);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!(await answers(current.endpoint))) {
    if (!isRunning(child.pid!, SERVER_ENTRY)) {
      throw new Error(`the local DynamoDB server exited at start; see ${dynamodbLog()}`);
    }
    if (Date.now() > deadline)
      throw new Error(
        `the local DynamoDB server did not answer in ${READY_TIMEOUT_MS / 1000} s; see ${dynamodbLog()}`,
      );
    await sleep(100);
  }
  return { endpoint: current.endpoint, started: true };
}

/** Stops the server; wipes its tables unless `keepData`. */
export async function down(options: { keepData?: boolean } = {}): Promise<void> {
  const pid = readPidFile(pidFile());
  if (pid !== undefined) await terminate(pid, SERVER_ENTRY, 5_000);
  await rm(pidFile(), { force: true });
  if (!options.keepData && existsSync(dataDir())) await rm(dataDir(), { recursive: true, force: true });
}
