import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as z from 'zod';
import { defineTable, TableError } from '../../shared';
import {
  createDocumentClient,
  DYNAMODB_MAX_ATTEMPTS,
  NODE_VERSION_WARNING_VARIABLE,
} from '../../shared/state/dynamodb';
import { tableClient } from '../../shared/state/table-client';

const local = { DYNAMODB_ENDPOINT: 'http://127.0.0.1:9' };

describe('the DynamoDB client', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const name of [NODE_VERSION_WARNING_VARIABLE, 'AWS_RETRY_MODE', 'AWS_MAX_ATTEMPTS']) {
      if (saved[name] === undefined) Reflect.deleteProperty(process.env, name);
      else process.env[name] = saved[name];
    }
    jest.restoreAllMocks();
  });

  it("turns off the SDK's Node version warning before the SDK can print it", () => {
    Reflect.deleteProperty(process.env, NODE_VERSION_WARNING_VARIABLE);
    const warn = jest.spyOn(process, 'emitWarning');
    createDocumentClient(local).destroy();
    expect(process.env[NODE_VERSION_WARNING_VARIABLE]).toBe('true');
    expect(warn.mock.calls.map(([w]) => String(w))).not.toContainEqual(
      expect.stringContaining('NodeVersionSupportWarning'),
    );
  });

  it('keeps a value the user set', () => {
    process.env[NODE_VERSION_WARNING_VARIABLE] = 'false';
    createDocumentClient(local).destroy();
    expect(process.env[NODE_VERSION_WARNING_VARIABLE]).toBe('false');
  });

  it("retries the standard way, 8 tries, whatever the environment's AWS_RETRY_MODE and AWS_MAX_ATTEMPTS say", async () => {
    process.env.AWS_RETRY_MODE = 'adaptive';
    process.env.AWS_MAX_ATTEMPTS = '1';
    const client = createDocumentClient(local);
    try {
      expect(await client.config.maxAttempts()).toBe(8);
      const mode = client.config.retryMode;
      expect(typeof mode === 'string' ? mode : await mode()).toBe('standard');
    } finally {
      client.destroy();
    }
  });
});

describe('a request that still fails after its retries', () => {
  // A real HTTP endpoint that answers every request as an overloaded DynamoDB would (500: transient, retried).
  const requests: string[] = [];
  let server: Server;
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      requests.push(String(req.headers['x-amz-target']));
      req.resume();
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(
        JSON.stringify({ __type: 'com.amazonaws.dynamodb.v20120810#InternalServerError', message: 'busy' }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('is tried 8 times, then fails the handler with a TableError naming table, item and record', async () => {
    const { port } = server.address() as AddressInfo;
    const client = createDocumentClient({ DYNAMODB_ENDPOINT: `http://127.0.0.1:${port}` });
    const counters = defineTable({
      name: 'counters',
      partitionKey: 'userId',
      schema: z.object({ userId: z.string(), n: z.number() }),
    });
    const table = tableClient(counters, { client, tableName: 'counters', group: 'g' });
    try {
      const from = { topic: 'eu1', partition: 2, offset: 41, key: 'u1' };
      const write = table.update({ userId: 'u1' }, { add: { n: 1 } }, { from });
      await expect(write).rejects.toThrow(TableError);
      await expect(write).rejects.toThrow(
        /^topic eu1 partition 2 offset 41: update on table counters item \{"userId":"u1"\} failed: busy$/,
      );
      expect(requests).toEqual(Array(DYNAMODB_MAX_ATTEMPTS).fill('DynamoDB_20120810.UpdateItem'));
    } finally {
      client.destroy();
    }
  });
});
