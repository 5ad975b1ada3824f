/**
 * The local DynamoDB-compatible server's process: dynalite on 127.0.0.1, its data in LevelDB under `--path`
 * (in memory when `--path` is not given). Started detached by local-server.ts; runs until SIGTERM.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';
import { IDENTITY, IDENTITY_PATH } from './identity';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- dynalite ships no types
const dynalite = require('dynalite') as (options: {
  path?: string;
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
}) => import('node:http').Server;

const { values } = parseArgs({ options: { port: { type: 'string' }, path: { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error(`--port must be a port number, got ${values.port}`);

// Tables become ACTIVE at once: DynamoDB's own creation delay only slows local runs down.
const server = dynalite({
  ...(values.path !== undefined && { path: values.path }),
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
});
// Answers who it is at IDENTITY_PATH, so another checkout's launcher finding this port taken can tell this server
// (and whose data it holds) from any other program; every other request is DynamoDB's.
const dynamodb = server.listeners('request')[0] as (req: IncomingMessage, res: ServerResponse) => void;
server.removeAllListeners('request');
server.on('request', (req: IncomingMessage, res: ServerResponse) => {
  if (req.method !== 'GET' || req.url !== IDENTITY_PATH) return dynamodb(req, res);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ server: IDENTITY, dataDir: values.path ?? null, pid: process.pid }));
});
server.listen(port, '127.0.0.1');
const stop = (): void => void server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
