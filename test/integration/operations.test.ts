/**
 * The cluster tools through both paths on a real broker: directly (DirectTools, as `dlq list` without --stack) and
 * through the local stack (`--stack local`: CloudFormation's DescribeStacks and Lambda's Invoke through the real AWS
 * SDK clients, the loopback endpoint, the operations function's container, the broker). Dead letters list alike,
 * replay reaches the handler once and the ledger refuses it twice, publishing is validated, paging returns every
 * record exactly once, and bad requests are refused whole with a message naming what is wrong.
 */
import { randomUUID } from 'node:crypto';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import type { Kafka } from 'kafkajs';
import { describeFailure, stackTools } from '../../cli/stack';
import { emulatorTools } from '../../cli/tools';
import { loadModule } from '../../shared/declarations/load-module';
import { startEmulator, type Emulator } from '../../shared/emulator';
import {
  LOCAL_CREDENTIALS,
  LOCAL_OPERATIONS_FUNCTION,
  startLocalStack,
  type LocalStack,
} from '../../shared/emulator/local-stack';
import { createLogger } from '../../shared/lambda/logger';
import {
  allDeadLetters,
  type ClusterTools,
  type DeadLetterView,
  type RecordView,
} from '../../shared/operations';
import { createProducer } from '../../shared/producer';
import type { Handled } from '../fixtures/app/topics';
import { testBrokers } from '../support/brokers';
import {
  collect,
  createFixtureTopics,
  FIXTURE_APP,
  FIXTURE_ENV,
  kafkaClient,
  quietOutput,
} from '../support/emulation';

type FixtureTopics = typeof import('../fixtures/app/topics');

const brokers = testBrokers();
/** Small, so the refusal of a larger replay or publish is cheap to provoke. */
const MAX_RECORDS = 5;
const FAILING = 7;
/** Records with keys this long make the topic larger than one page (5 MB of JSON). */
const BIG = 6000;

let kafka: Kafka;
let fx: FixtureTopics;
let emulator: Emulator;
let stack: LocalStack;
let direct: ClusterTools;
let remote: ClusterTools;
let handled: Awaited<ReturnType<typeof collect<Handled>>>;
const functionLog: string[] = [];

async function endOffsets(topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const allLetters = async (tools: ClusterTools, handler: string): Promise<DeadLetterView[]> =>
  (await allDeadLetters(tools, handler)).sort((a, b) => a.id.localeCompare(b.id));

async function readAll(
  tools: ClusterTools,
  topic: string,
): Promise<{ records: RecordView[]; pages: number }> {
  const records: RecordView[] = [];
  let pages = 0;
  let pageToken: string | undefined;
  for (;;) {
    const page = await tools.call({
      action: 'read',
      topic,
      ...(pageToken ? { pageToken } : { from: 'beginning' }),
    });
    pages++;
    records.push(...page.records);
    pageToken = page.nextPageToken;
    if (page.atEnd) return { records, pages };
  }
}

beforeAll(async () => {
  process.env.FIXTURE_PREFIX = `ops-${randomUUID().slice(0, 8)}`;
  jest.resetModules();
  fx = loadModule<FixtureTopics>(require.resolve('../fixtures/app/topics'));
  kafka = kafkaClient(brokers);
  await createFixtureTopics(kafka);
  const producer = createProducer({ brokers });
  await producer.publish(fx.input.of('s1'), { key: 'good', seq: 1 });
  for (let i = 0; i < FAILING; i++)
    await producer.publish(fx.input.of('s2'), { key: `bad-${i}`, seq: i, fail: true });
  const pad = 'k'.repeat(1000);
  for (let i = 0; i < BIG; i += 500)
    await producer.publishBatch(
      fx.input.of('s3'),
      Array.from({ length: 500 }, (_, j) => ({ key: `${pad}-${i + j}`, seq: i + j })),
    );
  await producer.disconnect();
  const raw = kafka.producer();
  await raw.connect();
  await raw.send({
    topic: fx.input.of('s1').name,
    messages: [{ key: 'malformed', value: '{"key": "x", "seq":' }],
  });
  await raw.disconnect();

  handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
  emulator = await startEmulator({
    appDir: FIXTURE_APP,
    // What the fixture's functions read from this test, passed through by name (a function's environment is its own).
    passEnvironment: FIXTURE_ENV,
    brokers,
    log: createLogger({}, 'silent'),
    output: quietOutput,
    only: ['echo', 'audit'],
  });
  stack = await startLocalStack({
    emulator,
    maxRecordsPerRequest: MAX_RECORDS,
    output: (chunk) => functionLog.push(chunk),
  });
  direct = emulatorTools(emulator);
  remote = await stackTools('local');
  // Every record handled or dead-lettered: both groups committed to the end.
  const until = Date.now() + 120_000;
  for (;;) {
    const groups = await direct.call({ action: 'groups', handlers: ['echo', 'audit'] });
    const lag = groups.reduce((n, g) => n + g.partitions.reduce((m, p) => m + p.lag, 0), 0);
    if (lag === 0) break;
    if (Date.now() > until) throw new Error(`the handlers did not catch up: ${lag} records behind`);
    await new Promise((r) => setTimeout(r, 500));
  }
}, 300_000);

afterAll(async () => {
  delete process.env.FIXTURE_FIXED;
  await remote?.close();
  await direct?.close();
  await stack?.stop();
  await emulator?.stop();
  await handled?.stop();
});

test('--stack local is found through CloudFormation and names its account; another stack is not found', async () => {
  expect(remote.target).toBe(`stack local (account 000000000000, ${stack.region})`);
  const cfn = new CloudFormationClient({
    region: stack.region,
    endpoint: stack.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const error = await cfn.send(new DescribeStacksCommand({ StackName: 'nope' })).catch((e: unknown) => e);
  cfn.destroy();
  expect(describeFailure('nope', stack.region, error).message).toBe(
    `stack nope not found in ${stack.region} (AWS_REGION and AWS_PROFILE choose the region and account)`,
  );
});

test('dead letters made locally list the same through both paths, one by one as well', async () => {
  const local = await allLetters(direct, 'echo');
  expect(local).toHaveLength(FAILING + 1);
  expect(await allLetters(remote, 'echo')).toEqual(local);
  expect(local.filter((l) => l.info.kind === 'handler')).toHaveLength(FAILING);
  const malformed = local.find((l) => l.info.kind === 'decode')!;
  expect(malformed.original.value).toBe('{"key": "x", "seq":');
  expect(await remote.call({ action: 'dead-letter', id: malformed.id })).toEqual(malformed);
  const described = await remote.call({ action: 'describe' });
  expect(described.handlers.find((h) => h.name === 'echo')!.deadLetters).toBe(FAILING + 1);
  expect(described.maxRecordsPerRequest).toBe(MAX_RECORDS);
});

test('topics and groups answer alike through both paths', async () => {
  const [local, far] = await Promise.all([
    direct.call({ action: 'topics' }),
    remote.call({ action: 'topics' }),
  ]);
  expect(far.map((t) => [t.name, t.state])).toEqual(local.map((t) => [t.name, t.state]));
  const groups = await remote.call({ action: 'groups', handlers: ['echo'] });
  expect(groups.map((g) => g.topic).sort()).toEqual(fx.input.topics.map((t) => t.name).sort());
  expect(
    groups.every((g) => g.group === `${process.env.FIXTURE_PREFIX}-echo.${g.topic}` && g.state === 'Stable'),
  ).toBe(true);
});

test('replay through the remote path is refused whole past the limit, reaches the handler once, and never twice', async () => {
  const ledgerExists = async (): Promise<boolean> => {
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    return topics.includes(`${process.env.FIXTURE_PREFIX}-echo.dlq-replayed`);
  };
  await expect(remote.call({ action: 'replay', handler: 'echo' })).rejects.toMatchObject({
    code: 'too-many',
    message: `${FAILING + 1} dead letters of echo match and were not replayed before; one request replays at most ${MAX_RECORDS}: narrow the filter (since, until, error, kind or ids)`,
  });
  expect(await ledgerExists()).toBe(false);

  process.env.FIXTURE_FIXED = '1'; // the fix, deployed: new containers see it
  emulator.functions.get('echo')!.reload();
  const ids = (await allLetters(direct, 'echo')).filter((l) => l.info.kind === 'handler').slice(0, 4);
  const filter = { ids: ids.map((l) => l.id) };
  const plan = await remote.call({ action: 'replay', handler: 'echo', filter, dryRun: true });
  expect({ ...plan, ids: plan.ids?.sort() }).toEqual({
    replayed: 0,
    skipped: 0,
    wouldReplay: 4,
    ids: [...filter.ids].sort(),
  });
  expect(await remote.call({ action: 'replay', handler: 'echo', filter })).toEqual({
    replayed: 4,
    skipped: 0,
  });
  const keys = ids.map((l) => l.original.key!);
  await handled.until(
    (items) => keys.every((k) => items.some((h) => h.key === k)),
    30_000,
    'the replayed records',
  );
  // Replayed to echo alone, with their original coordinates; audit (another group) never saw them again.
  const seen = handled.items.filter((h) => keys.includes(h.key));
  expect(seen.map((h) => h.handler)).toEqual(['echo', 'echo', 'echo', 'echo']);
  expect(seen.map((h) => `${h.topic}/${h.partition}/${h.offset}`).sort()).toEqual(
    ids.map((l) => `${l.info.source.topic}/${l.info.source.partition}/${l.info.source.offset}`).sort(),
  );
  expect(await remote.call({ action: 'replay', handler: 'echo', filter })).toEqual({
    replayed: 0,
    skipped: 4,
  });
  expect(handled.items.filter((h) => keys.includes(h.key))).toHaveLength(4);

  // Each request is one JSON line in the function's log: the action, its arguments and the caller as Lambda sees it.
  const lines = functionLog
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const logged = lines.find(
    (l) =>
      l.msg === 'operations request' &&
      l.action === 'replay' &&
      JSON.stringify(l.arguments) === JSON.stringify({ handler: 'echo', filter }),
  );
  expect(logged).toMatchObject({
    level: 'info',
    caller: {
      requestId: expect.any(String),
      invokedFunctionArn: `arn:aws:lambda:${stack.region}:000000000000:function:${LOCAL_OPERATIONS_FUNCTION}`,
      cognitoIdentity: null,
      claimedClientContext: {
        custom: { tool: 'kafka-lambda', user: expect.any(String), host: expect.any(String) },
      },
    },
  });
});

test('publish through the remote path is validated: one bad record writes nothing, good ones are read back', async () => {
  const topic = fx.input.of('s1');
  const before = await endOffsets(topic.name);
  await expect(
    remote.call({
      action: 'publish',
      topic: topic.name,
      records: [{ value: { key: 'p1', seq: 1 } }, { value: { key: 'p2', seq: 'two' } }],
    }),
  ).rejects.toMatchObject({
    code: 'bad-request',
    message: expect.stringMatching(
      /^records\[1\]: cannot publish to topic .*field seq.*nothing was published$/,
    ),
  });
  await expect(
    remote.call({
      action: 'publish',
      topic: topic.name,
      records: Array.from({ length: MAX_RECORDS + 1 }, (_, i) => ({ value: { key: `many-${i}`, seq: i } })),
    }),
  ).rejects.toMatchObject({ code: 'too-many' });
  expect(await endOffsets(topic.name)).toBe(before);

  expect(
    await remote.call({
      action: 'publish',
      topic: topic.name,
      records: [{ value: { key: 'published-remotely', seq: 42 } }],
    }),
  ).toEqual({
    published: 1,
  });
  expect(await endOffsets(topic.name)).toBe(before + 1);
  const newest = await remote.call({
    action: 'browse',
    topic: topic.name,
    query: { key: 'published-remotely', limit: 1 },
  });
  expect(newest.records.map((r) => r.value)).toEqual([{ key: 'published-remotely', seq: 42 }]);
});

test('paging returns every record exactly once over a topic larger than one page, through both paths', async () => {
  const topic = fx.input.of('s3').name;
  for (const tools of [direct, remote]) {
    const { records, pages } = await readAll(tools, topic);
    expect(pages).toBeGreaterThan(1);
    const places = records.map((r) => `${r.partition}/${r.offset}`);
    expect(new Set(places).size).toBe(places.length);
    expect(records).toHaveLength(BIG);
    expect(records.every((r) => r.problem === undefined)).toBe(true);
  }
});

test('bad requests get an error naming what is wrong, and change nothing', async () => {
  await expect(remote.call({ action: 'dead-letters', handler: 'nope' })).rejects.toMatchObject({
    code: 'not-found',
    message: 'no handler named "nope"; declared: audit, echo, flaky, latecomer',
  });
  await expect(
    remote.call({ action: 'replay', handler: 'echo', filter: { since: 'yesterday' } }),
  ).rejects.toMatchObject({
    code: 'bad-request',
    message: expect.stringContaining('filter.since must be a date'),
  });
  await expect(
    remote.call({ action: 'read', topic: fx.input.of('s1').name, pageToken: 'garbage' }),
  ).rejects.toMatchObject({
    code: 'bad-request',
    message: expect.stringContaining('pageToken is not a page token'),
  });
  await expect(remote.call({ action: 'dead-letter', id: 'not-an-id' })).rejects.toMatchObject({
    code: 'bad-request',
  });

  // What another client (or a CLI of another version) might send, straight through the SDK.
  const lambda = new LambdaClient({
    region: stack.region,
    endpoint: stack.endpoint,
    credentials: LOCAL_CREDENTIALS,
  });
  const invoke = async (payload: unknown): Promise<unknown> => {
    const r = await lambda.send(
      new InvokeCommand({
        FunctionName: LOCAL_OPERATIONS_FUNCTION,
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    return JSON.parse(Buffer.from(r.Payload!).toString());
  };
  expect(await invoke({ v: 99, action: 'topics' })).toMatchObject({
    ok: false,
    error: { code: 'unsupported' },
  });
  expect(await invoke({ v: 1, action: 'drop-everything' })).toMatchObject({
    ok: false,
    error: { code: 'bad-request', message: expect.stringContaining('unknown action "drop-everything"') },
  });
  expect(await invoke({ v: 1, action: 'topics', extra: 1 })).toMatchObject({
    ok: false,
    error: { message: 'action topics: unknown field extra' },
  });
  const missing = await lambda
    .send(new InvokeCommand({ FunctionName: 'no-such-function', Payload: Buffer.from('{}') }))
    .catch((e: unknown) => e);
  expect(missing).toMatchObject({ name: 'ResourceNotFoundException' });
  lambda.destroy();
});
