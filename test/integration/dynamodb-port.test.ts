/**
 * The launcher's local DynamoDB server when its port is taken (issue 21): by the server of another kafka-lambda
 * home (another checkout's `npm start`), it takes the next free port and says so; by another program, the same; by
 * a server holding this home's data (started from another checkout sharing the home), it uses that one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, up } from '../../launcher/dynamodb/local-server';

const homes = ['a', 'b', 'c'].map((n) => mkdtempSync(join(tmpdir(), `kafka-lambda-dynamodb-${n}-`)));
const saved = process.env.KAFKA_LOCAL_HOME;
const inHome = async <T>(home: string, body: () => Promise<T>): Promise<T> => {
  process.env.KAFKA_LOCAL_HOME = home;
  try {
    return await body();
  } finally {
    if (saved === undefined) delete process.env.KAFKA_LOCAL_HOME;
    else process.env.KAFKA_LOCAL_HOME = saved;
  }
};

/** A port nothing listens on now, with the next one free too. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

let foreign: Server | undefined;

afterAll(async () => {
  foreign?.close();
  for (const home of homes) await inHome(home, () => down());
  homes.forEach((home) => rmSync(home, { recursive: true, force: true }));
});

test('another home’s server or another program on the port: the next port, and a note saying why', async () => {
  const port = await freePort();
  const first = await inHome(homes[0]!, () => up(port));
  expect(first).toEqual({ endpoint: `http://127.0.0.1:${port}`, started: true });

  const second = await inHome(homes[1]!, () => up(port));
  expect(second.started).toBe(true);
  expect(second.endpoint).toBe(`http://127.0.0.1:${port + 1}`);
  expect(second.note).toMatch(
    new RegExp(
      `^port ${port} is held by the local DynamoDB server of another kafka-lambda home \\(data in ${join(homes[0]!, 'dynamodb', 'data')}, pid \\d+\\): this home's server runs on ${port + 1}$`,
    ),
  );
  // Each home finds its own again.
  expect(await inHome(homes[1]!, () => up(port))).toEqual({
    endpoint: `http://127.0.0.1:${port + 1}`,
    started: false,
  });

  const other = await freePort();
  foreign = createServer((_req, res) => res.end('not DynamoDB'));
  await new Promise<void>((resolve) => foreign!.listen(other, '127.0.0.1', resolve));
  const third = await inHome(homes[2]!, () => up(other));
  expect(third.note).toMatch(
    new RegExp(`^port ${other} is taken by another program: this home's server runs on ${other + 1}$`),
  );
});

test('a server holding this home’s data, started from elsewhere (its pid unknown here), is used as it is', async () => {
  const endpoint = await inHome(homes[0]!, async () => (await up()).endpoint);
  const port = Number(new URL(endpoint).port);
  // What another checkout sharing this home sees: the server's pid file is not its own (put back afterwards, so
  // the teardown stops it).
  const pidFile = join(homes[0]!, 'dynamodb', 'server.pid');
  const pid = readFileSync(pidFile, 'utf8');
  rmSync(pidFile);
  try {
    expect(await inHome(homes[0]!, () => up(port))).toEqual({ endpoint, started: false });
  } finally {
    writeFileSync(pidFile, pid);
  }
});
