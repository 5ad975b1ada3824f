/**
 * The web console: a small Hono app on loopback that shows handlers, topics, consumer groups and dead letters,
 * pushes live updates by Server-Sent Events, and replays dead letters. Everything it reads or changes goes through
 * the cluster tools (shared/operations), so it shows a local emulator and a deployed stack (through its
 * operations function) with the same pages; a request that fails answers its error in one place.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { partitionForKey } from '../shared/emulator';
import {
  allDeadLetters,
  OperationsError,
  type ClusterTools,
  type DeadLetterQuery,
  type Description,
  type ErrorCode,
} from '../shared/operations';
import { bundlePage } from './bundle';
import { registerFollowRoutes, type FollowRecord } from './follow-routes';
import { InputError, optionalInt, optionalText } from './inputs';
import { TOKEN_HEADER } from './protocol';
import { newToken, refusal } from './security';
import { SnapshotBuilder, type LiveFigures } from './snapshot';

export const DEFAULT_CONSOLE_PORT = 4480;

export interface ConsoleOptions {
  tools: ClusterTools;
  figures: LiveFigures;
  /** 0 picks a free port. @default 4480 */
  port?: number;
  /** How often the page is updated and the figures read. @default 1000 */
  tickMs?: number;
  /**
   * Follows a record's trace ("follow this record"): the local emulator's (followRecord), which holds the handlers'
   * spans. @default none: the follow view says where a deployed stack's traces are instead
   */
  follow?: FollowRecord;
}

export interface RunningConsole {
  url: string;
  port: number;
  token: string;
  stop(): Promise<void>;
}

const STATUS: Record<ErrorCode, 400 | 404 | 502> = {
  'bad-request': 400,
  'not-found': 404,
  'too-many': 400,
  unsupported: 400,
  failed: 502,
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function failed(c: Context, error: unknown): Response {
  const status =
    error instanceof OperationsError ? STATUS[error.code] : error instanceof InputError ? 400 : 502;
  return c.json({ error: errorText(error) }, status);
}

function page(token: string, css: string): string {
  // The empty icon keeps the browser from asking for /favicon.ico, which would answer 404 on every load.
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kafka-lambda console</title>
<link rel="icon" href="data:,">
<meta name="console-token" content="${token}">
<style>${css}</style></head>
<body><div id="app">loading…</div><script src="/app.js"></script></body></html>`;
}

/** Starts the console; it listens on 127.0.0.1 only. */
export async function startConsole(o: ConsoleOptions): Promise<RunningConsole> {
  const { tools, figures } = o;
  const token = newToken();
  const { script, css } = await bundlePage();
  const html = page(token, css);
  const builder = new SnapshotBuilder();
  const subscribers = new Set<(data: string) => void>();
  const snapshot = (error?: string): string =>
    JSON.stringify(builder.tick(figures, Date.now(), error, tools.target));
  let latest = snapshot();
  let readError: string | undefined;
  let refreshing = false;

  const tick = (): void => {
    latest = snapshot(readError);
    subscribers.forEach((send) => send(latest));
    if (refreshing || subscribers.size === 0) return;
    refreshing = true;
    figures
      .refresh()
      .then(() => (readError = undefined))
      .catch((error: unknown) => (readError = `reading the figures failed: ${errorText(error)}`))
      .finally(() => (refreshing = false));
  };

  /** The declared topics and their partitions: they do not change while the console runs. */
  let declared: Promise<Description['topics']> | undefined;
  /** One replay at a time per handler: two at once could both read the ledger before either writes to it. */
  const replays = new Map<string, Promise<unknown>>();

  let port = o.port ?? DEFAULT_CONSOLE_PORT;
  const app = new Hono();
  app.onError((error, c) => failed(c, error));
  app.use(async (c, next) => {
    const why = refusal(
      {
        method: c.req.method,
        host: c.req.header('host'),
        origin: c.req.header('origin'),
        token: c.req.header(TOKEN_HEADER),
      },
      { port, token },
    );
    if (why) return c.json({ error: why }, 403);
    await next();
    c.header('X-Frame-Options', 'DENY');
    c.header('Cache-Control', 'no-store');
  });
  app.get('/', (c) => c.html(html));
  app.get('/app.js', (c) => c.body(script, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  app.get('/events', (c) =>
    streamSSE(c, async (stream) => {
      const send = (data: string): void => void stream.writeSSE({ data }).catch(() => {});
      subscribers.add(send);
      send(latest);
      await new Promise<void>((resolve) => stream.onAbort(resolve));
      subscribers.delete(send);
    }),
  );
  app.get('/api/describe', async (c) => c.json(await tools.call({ action: 'describe' })));
  app.get('/api/topics', async (c) => c.json(await tools.call({ action: 'topics' })));
  app.get('/api/topics/:name/records', async (c) => {
    const q = c.req.query();
    const query = {
      ...(q.partition && { partition: optionalInt('partition', q.partition) }),
      ...(q.offset && { offset: optionalInt('offset', q.offset) }),
      ...(q.limit && { limit: optionalInt('limit', q.limit) }),
      ...(q.before && { before: q.before }),
      ...(q.key && { key: q.key }),
    };
    const pageToken = optionalText('pageToken', q.pageToken);
    return c.json(
      await tools.call({
        action: 'browse',
        topic: c.req.param('name'),
        query,
        ...(pageToken && { pageToken }),
      }),
    );
  });
  app.get('/api/topics/:name/partition-for', async (c) => {
    const name = c.req.param('name');
    const key = optionalText('key', c.req.query('key'));
    if (key === undefined) throw new InputError('key is required');
    declared ??= tools.call({ action: 'describe' }).then(
      (d) => d.topics,
      (error: unknown) => {
        declared = undefined; // asked again next time
        throw error;
      },
    );
    const topic = (await declared).find((t) => t.name === name);
    if (!topic) throw new OperationsError('not-found', `no declared topic named "${name}"`);
    return c.json({
      topic: name,
      key,
      partitions: topic.partitions,
      partition: partitionForKey(key, topic.partitions),
    });
  });
  app.get('/api/groups', async (c) => c.json(await tools.call({ action: 'groups' })));
  app.get('/api/handlers/:name/dead-letters', async (c) => {
    const { since, until, kind, error } = c.req.query();
    // As the page sends them: the tools check each field (a date, a kind) and name the one that is wrong.
    const filter = {
      ...(since && { since }),
      ...(until && { until }),
      ...(kind && { kind }),
      ...(error && { error }),
    } as DeadLetterQuery;
    return c.json((await allDeadLetters(tools, c.req.param('name'), filter)).reverse()); // newest first
  });
  app.post('/api/handlers/:name/replay', async (c) => {
    const body: unknown = await c.req.json().catch(() => {
      throw new InputError('the body must be JSON: {"ids": [...]} or a filter {since, until, kind, error}');
    });
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new InputError('the body must be a JSON object');
    const handler = c.req.param('name');
    const filter = Object.fromEntries(Object.entries(body).filter(([, v]) => v !== '' && v !== null));
    const run = (replays.get(handler) ?? Promise.resolve())
      .catch(() => {})
      .then(() => tools.call({ action: 'replay', handler, filter }));
    replays.set(handler, run);
    return c.json(await run);
  });

  registerFollowRoutes(app, o.follow);

  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
      port = info.port;
      resolve(s);
    });
    s.once('error', reject);
  });
  // Only once listening: a port in use rejects above and leaves nothing running.
  const ticker = setInterval(tick, o.tickMs ?? 1000);
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    token,
    async stop() {
      clearInterval(ticker);
      subscribers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
  };
}
