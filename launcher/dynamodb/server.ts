/**
 * The local DynamoDB-compatible server's process: dynalite on 127.0.0.1, its data in LevelDB under `--path`
 * (in memory when `--path` is not given). Started detached by local-server.ts; runs until SIGTERM.
 */
import { parseArgs } from 'node:util';
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
server.listen(port, '127.0.0.1');
const stop = (): void => void server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
