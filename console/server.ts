/**
 * The local web console: a small Hono app on loopback that shows what the emulator is doing (handlers, topics,
 * consumer groups, dead letters), pushes live updates by Server-Sent Events, and replays dead letters through
 * the same code and never-twice ledger as `dlq replay`.
 */
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import {
  browseRecords,
  handlerGroups,
  listDeadLetters,
  partitionForKey,
  replayDeadLetters,
  topicStatuses,
  type DeadLetterFilter,
  type Emulator,
  type FailureKind,
} from '../shared/emulator';
import { bundlePage } from './bundle';
import { registerFollowRoutes } from './follow-routes';
import { deadLetterIds, InputError, optionalDate, optionalInt, optionalOneOf, optionalText } from './inputs';
import { TOKEN_HEADER, type LetterView, type TopicView } from './protocol';
import { newToken, refusal } from './security';
import { SnapshotBuilder } from './snapshot';

export const DEFAULT_CONSOLE_PORT = 4480;
const FAILURE_KINDS: readonly FailureKind[] = ['decode', 'schema', 'handler'];

export interface ConsoleOptions {
  emulator: Emulator;
  /** 0 picks a free port. @default 4480 */
  port?: number;
  /** How often the page is updated and lag is read. @default 1000 */
  tickMs?: number;
}

export interface RunningConsole {
  url: string;
  port: number;
  token: string;
  stop(): Promise<void>;
}

class NotFound extends Error {}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function failed(c: Context, error: unknown): Response {
  const status =
    error instanceof InputError || error instanceof RangeError ? 400 : error instanceof NotFound ? 404 : 502;
  return c.json({ error: errorText(error) }, status);
}

function page(token: string, css: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kafka-lambda console</title>
<meta name="console-token" content="${token}">
<style>${css}</style></head>
<body><div id="app">loading…</div><script src="/app.js"></script></body></html>`;
}

/** Starts the console; it listens on 127.0.0.1 only. */
export async function startConsole(o: ConsoleOptions): Promise<RunningConsole> {
  const { emulator } = o;
  const token = newToken();
  const { script, css } = await bundlePage();
  const html = page(token, css);
  const builder = new SnapshotBuilder();
  const subscribers = new Set<(data: string) => void>();
  let latest = JSON.stringify(builder.tick(emulator, Date.now()));
  let kafkaError: string | undefined;
  let refreshing = false;

  const tick = (): void => {
    latest = JSON.stringify(builder.tick(emulator, Date.now(), kafkaError));
    subscribers.forEach((send) => send(latest));
    if (refreshing || subscribers.size === 0) return;
    refreshing = true;
    emulator
      .refreshLag()
      .then(() => (kafkaError = undefined))
      .catch((error: unknown) => (kafkaError = `reading lag from Kafka failed: ${errorText(error)}`))
      .finally(() => (refreshing = false));
  };

  const moduleNamed = (name: string) => {
    const m = emulator.manifest.handlers.find((h) => h.definition.name === name);
    if (!m) throw new NotFound(`no handler named "${name}"`);
    return m;
  };
  const topicNamed = (name: string) => {
    const t = emulator.manifest.topics.find((x) => x.name === name);
    if (!t) throw new NotFound(`no declared topic named "${name}"`);
    return t;
  };
  /** One replay at a time per handler: two at once could both read the ledger before either writes to it. */
  const replays = new Map<string, Promise<unknown>>();

  let port = o.port ?? DEFAULT_CONSOLE_PORT;
  const app = new Hono();
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
  app.get('/api/topics', async (c) => {
    try {
      const statuses = await topicStatuses(emulator.kafka, emulator.manifest.topics);
      const admin = emulator.kafka.admin();
      await admin.connect();
      try {
        const rows: TopicView[] = [];
        for (const s of statuses) {
          const offsets = s.state === 'missing' ? [] : await admin.fetchTopicOffsets(s.name);
          rows.push({
            ...s,
            partitions: s.partitions.map((p) => {
              const o = offsets.find((x) => x.partition === p.partition);
              return { ...p, low: Number(o?.low ?? 0), end: Number(o?.high ?? 0) };
            }),
          });
        }
        return c.json(rows);
      } finally {
        await admin.disconnect();
      }
    } catch (error) {
      return failed(c, error);
    }
  });
  app.get('/api/topics/:name/records', async (c) => {
    try {
      const topic = topicNamed(c.req.param('name'));
      const q = c.req.query();
      const partition = optionalInt('partition', q.partition);
      const offset = optionalInt('offset', q.offset);
      const before = optionalDate('before', q.before);
      const limit = optionalInt('limit', q.limit);
      const key = optionalText('key', q.key);
      const records = await browseRecords(emulator.kafka, topic, {
        ...(partition !== undefined && { partition }),
        ...(offset !== undefined && { offset }),
        ...(before && { before }),
        ...(limit !== undefined && { limit }),
        ...(key !== undefined && { key }),
      });
      return c.json(records);
    } catch (error) {
      return failed(c, error);
    }
  });
  app.get('/api/topics/:name/partition-for', (c) => {
    try {
      const topic = topicNamed(c.req.param('name'));
      const key = optionalText('key', c.req.query('key'));
      if (key === undefined) throw new InputError('key is required');
      return c.json({
        topic: topic.name,
        key,
        partitions: topic.partitions,
        partition: partitionForKey(key, topic.partitions),
      });
    } catch (error) {
      return failed(c, error);
    }
  });
  app.get('/api/groups', async (c) => {
    try {
      const running = emulator.manifest.handlers.filter((h) => emulator.stats.has(h.definition.name));
      return c.json(await handlerGroups(emulator.kafka, running));
    } catch (error) {
      return failed(c, error);
    }
  });
  const filterOf = (q: Record<string, string | undefined>, ids?: string[]): DeadLetterFilter => {
    const since = optionalDate('since', q.since);
    const until = optionalDate('until', q.until);
    const kind = optionalOneOf('kind', q.kind, FAILURE_KINDS);
    const error = optionalText('error', q.error);
    return {
      ...(since && { since }),
      ...(until && { until }),
      ...(kind && { kind }),
      ...(error !== undefined && { error }),
      ...(ids && { ids }),
    };
  };
  app.get('/api/handlers/:name/dead-letters', async (c) => {
    try {
      const module = moduleNamed(c.req.param('name'));
      const entries = await listDeadLetters(emulator.kafka, module, filterOf(c.req.query()));
      return c.json(
        entries.reverse().map((e): LetterView => ({
          id: e.id,
          info: { ...e.info, failedAt: e.info.failedAt.toISOString() },
          original: {
            topic: e.original.topic,
            partition: e.original.partition,
            offset: e.original.offset,
            timestamp: e.original.timestamp,
            key: e.original.key?.toString('utf8') ?? null,
            value: e.original.value?.toString('utf8') ?? null,
            headers: e.original.headers.map((h) => ({
              key: h.key,
              value: h.value?.toString('utf8') ?? null,
            })),
          },
        })),
      );
    } catch (error) {
      return failed(c, error);
    }
  });
  app.post('/api/handlers/:name/replay', async (c) => {
    try {
      const module = moduleNamed(c.req.param('name'));
      const body: unknown = await c.req.json().catch(() => {
        throw new InputError('the body must be JSON: {"ids": [...]} or a filter {since, until, kind, error}');
      });
      if (typeof body !== 'object' || body === null) throw new InputError('the body must be a JSON object');
      const b = body as Record<string, unknown>;
      const text = (k: string): string | undefined => optionalText(k, b[k]);
      const filter = filterOf(
        { since: text('since'), until: text('until'), kind: text('kind'), error: text('error') },
        deadLetterIds(b.ids),
      );
      const name = module.definition.name;
      const run = (replays.get(name) ?? Promise.resolve())
        .catch(() => {})
        .then(() => replayDeadLetters({ kafka: emulator.kafka, brokers: emulator.brokers, module, filter }));
      replays.set(name, run);
      return c.json(await run);
    } catch (error) {
      return failed(c, error);
    }
  });

  registerFollowRoutes(app, emulator);

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
