/**
 * The emulator held to the Lambda MSK event source mapping and the Node.js runtime, with hand-written handlers
 * (test/fixtures/fidelity) and, where the point is bytes on the wire, records written by Apache Kafka's Java client.
 * README.md, "How the emulator matches the event source mapping", states each behaviour checked here.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Consumer, Producer } from 'kafkajs';
import type { Logger } from '../../shared/declarations/handler';
import { startEmulator, type Emulator } from '../../shared/emulator/emulator';
import { allDeadLetters } from '../../shared/operations';
import { emulatorTools } from '../../cli/tools';
import type { InvocationRecord } from '../../shared/emulator/on-failure';
import { PAYLOAD_LIMIT_BYTES } from '../../shared/emulator/event-payload';
import type { MskEvent } from '../../shared';
import { testBrokers } from '../support/brokers';
import { NULL_MARKER, produceWithJavaClient } from '../support/console-producer';
import { kafkaClient, quietOutput } from '../support/emulation';
import { FUNCTION_ERROR_RESPONSE, INVOCATION_RECORD_KEYS } from '../support/invocation-record';

const APP = resolve(__dirname, '../fixtures/fidelity');
const brokers = testBrokers();

interface SeenRecord {
  topic: string;
  offset: number;
  timestamp: number;
  timestampType: string;
  keys: string[];
  hasKey: boolean;
  key: string | null;
  value: string | null;
  headers: Record<string, number[]>[];
  plain: boolean;
  clones: boolean;
}
interface ProbeEntry {
  eventKeys: string[];
  eventSourceArn: string;
  eventBytes: number;
  owner: string;
  env: Record<string, string | undefined>;
  envNames: string[];
  runtimeEnv: Record<string, string | undefined>;
  time: { offset: number; zone: string; text: string };
  records: SeenRecord[];
}
interface BulkyEntry {
  eventBytes: number;
  records: { topic: string; offset: number }[];
}
interface ControlsEntry {
  records: { topic: string; offset: number }[];
  values: (string | null)[];
}
/** A record of the Kafka on-failure destination: its key, and its value's invocation record. */
interface Failed {
  key: string | null;
  document: InvocationRecord;
  /** The record it stands for, from the event in its payload. */
  source: { topic: string; offset: number };
}
interface LogLine {
  level: string;
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps what the emulator says, and wakes waiters on every line. */
function recordingLogger(lines: LogLine[], onLine: () => void): Logger {
  const at =
    (level: string) =>
    (msg: string, fields: Record<string, unknown> = {}): void => {
      lines.push({ level, msg, fields });
      onLine();
    };
  return { debug: () => {}, info: at('info'), warn: at('warn'), error: at('error') };
}

describe('the emulator, held to the event source mapping', () => {
  const prefix = `fid-${randomUUID().slice(0, 8)}`;
  const out = mkdtempSync(join(tmpdir(), 'fidelity-'));
  const onFailureDir = join(out, 'on-failure');
  const lines: LogLine[] = [];
  const waiters = new Set<() => void>();
  const wake = (): void => waiters.forEach((w) => w());
  let topics: typeof import('../fixtures/fidelity/topics');
  let emulator: Emulator;
  let producer: Producer;

  const journal = <T>(handler: string): T[] => {
    const file = join(out, `${handler}.jsonl`);
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as T);
  };
  const probeRecords = (topic: string): SeenRecord[] =>
    journal<ProbeEntry>('probe').flatMap((e) => e.records.filter((r) => r.topic === topic));
  const deliveries = (topic: string, offset: number): number =>
    probeRecords(topic).filter((r) => r.offset === offset).length;
  /** Deliveries of a record of the big topic, to the function with room for megabyte events. */
  const bulkyDeliveries = (offset: number): number =>
    journal<BulkyEntry>('bulky')
      .flatMap((e) => e.records)
      .filter((r) => r.offset === offset).length;

  /** Polls the journals (written by other threads) until `check` holds. */
  async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
      await new Promise<void>((r) => {
        const done = (): void => {
          waiters.delete(done);
          clearTimeout(t);
          r();
        };
        const t = setTimeout(done, 100);
        waiters.add(done);
      });
    }
  }

  /** Deliveries of a record to the handler under the mapping's error-handling controls. */
  const controlsEvents = (topic: string): ControlsEntry[] =>
    journal<ControlsEntry>('controls').filter((e) => e.records.some((r) => r.topic === topic));
  const failed: Failed[] = [];
  const failedFor = (topic: string, offset: number): Failed[] =>
    failed.filter((f) => f.source.topic === topic && f.source.offset === offset);
  let failureReader: Consumer;

  async function sendKeyed(
    topic: string,
    messages: { key: string; value: string; timestamp?: string }[],
  ): Promise<number> {
    const [meta] = await producer.send({ topic, acks: -1, messages });
    return Number(meta!.baseOffset);
  }

  async function send(topic: string, value: string | Buffer, timestamp?: string): Promise<number> {
    const [meta] = await producer.send({
      topic,
      acks: -1,
      messages: [{ value, ...(timestamp && { timestamp }) }],
    });
    return Number(meta!.baseOffset);
  }

  beforeAll(async () => {
    process.env.FIDELITY_PREFIX = prefix;
    process.env.FIDELITY_OUT = out;
    // The developer's shell: a variable exported before `npm start` (function-environment.test.ts runs `dev` as
    // its own process, with a shell of its own).
    process.env.FIDELITY_SHELL = 'exported in the shell';
    // No jest.resetModules() here: kafkajs requires its response decoders lazily, and a reset registry would hand
    // the emulator's consumer decoders without the header-order hook (shared/kafka/ordered-headers.ts).
    topics = (await import('../fixtures/fidelity/topics')) as typeof topics;
    emulator = await startEmulator({
      appDir: APP,
      brokers,
      // Where the probes write and what their topics are called: passed through on purpose (local only).
      passEnvironment: ['FIDELITY_PREFIX', 'FIDELITY_OUT'],
      onFailureDir,
      log: recordingLogger(lines, wake),
      output: quietOutput,
    });
    producer = kafkaClient(brokers).producer();
    await producer.connect();
    failureReader = kafkaClient(brokers).consumer({ groupId: `${prefix}-failure-reader` });
    await failureReader.connect();
    await failureReader.subscribe({ topics: [topics.FAILURES], fromBeginning: true });
    await failureReader.run({
      eachMessage: async ({ message }) => {
        const document = JSON.parse(message.value!.toString()) as InvocationRecord;
        const [record] = Object.values((JSON.parse(document.payload) as MskEvent).records).flat();
        failed.push({
          key: message.key?.toString() ?? null,
          document,
          source: { topic: record!.topic, offset: record!.offset },
        });
        wake();
      },
    });
  });

  afterAll(async () => {
    await failureReader?.disconnect();
    await producer?.disconnect();
    await emulator?.stop();
  });

  it('hands a hand-written handler plain data, as Lambda sends it, for records a Java client wrote', async () => {
    await produceWithJavaClient(brokers, topics.probe.name, [
      {
        headers: [
          ['a', '1'],
          ['b', '2'],
          ['a', '3'],
          ['gone', NULL_MARKER],
        ],
        key: 'user-1',
        value: 'first',
      },
      { headers: [['only', 'x']], key: NULL_MARKER, value: NULL_MARKER },
    ]);
    await until('both records reached the probe', () => probeRecords(topics.probe.name).length >= 2);
    const [entry] = journal<ProbeEntry>('probe');
    expect(entry!.eventKeys).toEqual(['eventSource', 'eventSourceArn', 'bootstrapServers', 'records']);
    expect(entry!.eventSourceArn).toBe(emulator.clusterArn);
    expect(entry!.eventSourceArn).toMatch(
      /^arn:aws:kafka:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9-]+\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}-\d+$/,
    );

    const [first, second] = probeRecords(topics.probe.name);
    // Headers in the order written, repeats where they stand; a null value arrives as `{}`.
    expect(first!.headers).toEqual([
      { a: [...Buffer.from('1')] },
      { b: [...Buffer.from('2')] },
      { a: [...Buffer.from('3')] },
      {},
    ]);
    expect(first).toMatchObject({ key: 'user-1', value: 'first', hasKey: true, plain: true, clones: true });
    expect(first!.keys).toEqual([
      'topic',
      'partition',
      'offset',
      'timestamp',
      'timestampType',
      'key',
      'value',
      'headers',
    ]);
    // A null key and a null value are absent, as in the JSON Lambda's runtime parses.
    expect(second).toMatchObject({
      hasKey: false,
      key: null,
      value: null,
      headers: [{ only: [...Buffer.from('x')] }],
      plain: true,
      clones: true,
    });
    expect(second!.keys).toEqual(['topic', 'partition', 'offset', 'timestamp', 'timestampType', 'headers']);
    expect(first!.timestampType).toBe('CREATE_TIME');
  });

  it('says LOG_APPEND_TIME, with the broker’s time, on a topic the broker stamps', async () => {
    const before = Date.now();
    const offset = await send(topics.stamped.name, 'stamped', '1000');
    await until('the stamped record arrived', () => deliveries(topics.stamped.name, offset) > 0);
    const [seen] = probeRecords(topics.stamped.name);
    expect(seen!.timestampType).toBe('LOG_APPEND_TIME');
    expect(seen!.timestamp).toBeGreaterThanOrEqual(before - 1000); // not the 1000 the producer wrote
  });

  it('gives each function its own module state and the environment infra sets on it', async () => {
    await until('the neighbour was invoked', () => journal('neighbour').length > 0);
    const [probe] = journal<ProbeEntry>('probe');
    const [neighbour] = journal<ProbeEntry>('neighbour');
    expect(probe!.owner).toBe('probe');
    expect(neighbour!.owner).toBe('neighbour');
    expect(probe!.env).toEqual({ PROBE_SETTING: 'from-the-declaration', AWS_LAMBDA_FUNCTION_NAME: 'probe' });
    expect(neighbour!.env).toEqual({ AWS_LAMBDA_FUNCTION_NAME: 'neighbour' });
  });

  it('gives a function exactly the deployed function’s variables, nothing from the shell', async () => {
    await until('the probe was invoked', () => journal('probe').length > 0);
    const [probe] = journal<ProbeEntry>('probe');
    expect(probe!.envNames).toEqual(
      [
        // Declared (deploy.environment), then what infra sets on every function, with local values.
        'PROBE_SETTING',
        'KAFKA_AUTH',
        'KAFKA_BROKERS',
        'NODE_OPTIONS',
        // Lambda's runtime ("Defined runtime environment variables"), with local values.
        '_HANDLER',
        'AWS_REGION',
        'AWS_DEFAULT_REGION',
        'AWS_EXECUTION_ENV',
        'AWS_LAMBDA_FUNCTION_NAME',
        'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
        'AWS_LAMBDA_FUNCTION_VERSION',
        'AWS_LAMBDA_INITIALIZATION_TYPE',
        'AWS_LAMBDA_LOG_GROUP_NAME',
        'AWS_LAMBDA_LOG_STREAM_NAME',
        'LAMBDA_TASK_ROOT',
        'TZ',
        'LANG',
        'PATH',
        // The execution role's credentials, as local stand-ins.
        'AWS_ACCESS_KEY',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'AWS_SESSION_TOKEN',
        // Passed through by name (passEnvironment), and set by the module itself when it loaded.
        'FIDELITY_PREFIX',
        'FIDELITY_OUT',
        'FIDELITY_LOADED_BY',
      ].sort(),
    );
    expect(probe!.runtimeEnv).toEqual({
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      _HANDLER: 'index.handler',
    });
  });

  it('keeps what a module does when it loads in its own containers: not in another function, not in the emulator', async () => {
    await until('the neighbour was invoked', () => journal('neighbour').length > 0);
    const [neighbour] = journal<ProbeEntry>('neighbour');
    expect(neighbour!.env.FIDELITY_LOADED_BY).toBeUndefined();
    expect(neighbour!.env.FIDELITY_SHELL).toBeUndefined();
    // This test's process is the emulator's: it learned the declarations without running the handler modules.
    expect(process.env.FIDELITY_LOADED_BY).toBeUndefined();
    expect((globalThis as { fidelityOwner?: string }).fidelityOwner).toBeUndefined();
  });

  it.each([
    ['identifier-not-object', /itemIdentifier is "nope", not an object/],
    ['offset-missing', /offset is missing/],
    ['offset-not-numeric', /offset "first", not a record offset/],
    ['partition-not-in-batch', /partition ".*-99" is not a partition of the batch/],
    ['offset-not-in-batch', /offset \d+ is not a record of .* in the batch/],
  ])(
    'fails the whole batch on an answer the mapping would reject (%s), and delivers it again',
    async (kind, problem) => {
      const offset = await send(topics.probe.name, `bad-response:${kind}`);
      await until(`offset ${offset} was delivered again`, () => deliveries(topics.probe.name, offset) >= 2);
      const warning = lines.find(
        (l) => l.msg === 'invalid batch response' && problem.test(String(l.fields.problem)),
      );
      expect(warning).toBeDefined();
    },
  );

  it('fails an invocation that runs past the function timeout as Lambda does, and delivers the batch again', async () => {
    const offset = await send(topics.probe.name, 'sleep');
    await until('the timed-out record was delivered again', () => deliveries(topics.probe.name, offset) >= 2);
    const retry = lines.find((l) => l.msg.startsWith('invocation failed') && l.fields.offset === offset);
    expect(String(retry?.fields.error)).toMatch(
      /^Sandbox\.Timedout: RequestId: \S+ Error: Task timed out after 2\.00 seconds$/,
    );
  });

  it('after retry.attempts deliveries writes the invocation record AWS writes to the on-failure destination, and moves on', async () => {
    const failing = await send(topics.probe.name, 'fail-always');
    const folder = join(onFailureDir, 'probe');
    await until(
      'the on-failure record was written',
      () => existsSync(folder) && readdirSync(folder).length > 0,
    );
    expect(deliveries(topics.probe.name, failing)).toBe(3);
    const after = await send(topics.probe.name, 'after');
    await until('the next record was handled', () => deliveries(topics.probe.name, after) > 0);
    const files = readdirSync(folder);
    expect(files).toHaveLength(1);
    const record = JSON.parse(readFileSync(join(folder, files[0]!), 'utf8')) as InvocationRecord;
    expect(Object.keys(record)).toEqual(INVOCATION_RECORD_KEYS);
    expect(record.requestContext).toMatchObject({
      condition: 'RetryAttemptsExhausted',
      approximateInvokeCount: 3,
      functionArn: expect.stringMatching(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:probe$/),
    });
    expect(record.responseContext).toEqual({ statusCode: 200, executedVersion: '$LATEST' });
    expect(record.KafkaBatchInfo.eventSourceArn).toBe(emulator.clusterArn);
    expect(record.KafkaBatchInfo.recordsInfo).toEqual({
      [`${topics.probe.name}-0`]: expect.objectContaining({
        firstRecordOffset: String(failing),
        lastRecordOffset: String(failing),
      }),
    });
    const event = JSON.parse(record.payload) as MskEvent;
    expect(
      Object.values(event.records)
        .flat()
        .map((r) => r.offset),
    ).toContain(failing);
  });

  it('never sends an event past the 6 MB payload limit, and gives up on a record too large for any', async () => {
    const mb = 1024 * 1024;
    const offsets: number[] = [];
    for (let i = 0; i < 10; i++) offsets.push(await send(topics.big.name, Buffer.alloc(mb, 'x')));
    const oversized = await send(topics.big.name, Buffer.alloc(5 * mb, 'y'));
    const after = await send(topics.big.name, 'after');
    await until('the record after the oversized one was handled', () => bulkyDeliveries(after) > 0);

    const events = journal<BulkyEntry>('bulky');
    for (const e of events) expect(e.eventBytes).toBeLessThanOrEqual(PAYLOAD_LIMIT_BYTES);
    // 1 MiB becomes 1.33 MiB of base64: four records to an event, never one that would cross the limit.
    expect(events.length).toBeGreaterThanOrEqual(3);
    for (const offset of offsets) expect(bulkyDeliveries(offset)).toBe(1);
    expect(bulkyDeliveries(oversized)).toBe(0);

    const folder = join(onFailureDir, 'bulky');
    const discarded = readdirSync(folder)
      .map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as InvocationRecord)
      .find((r) => r.requestContext.condition === 'MaximumPayloadSizeExceeded');
    expect(discarded).toBeDefined();
    expect(discarded!.responseContext).toBeNull();
    expect(discarded!.KafkaBatchInfo.recordsInfo[`${topics.big.name}-0`]).toMatchObject({
      firstRecordOffset: String(oversized),
      lastRecordOffset: String(oversized),
    });
  });

  describe('the mapping’s error-handling controls, with a Kafka topic as the on-failure destination', () => {
    it('sends a record older than the maximum record age there without invoking the function', async () => {
      const old = await sendKeyed(topics.aged.name, [
        { key: 'k-old', value: 'two minutes old', timestamp: String(Date.now() - 120_000) },
      ]);
      const fresh = await sendKeyed(topics.aged.name, [{ key: 'k-new', value: 'fresh' }]);
      await until('the fresh record was handled', () =>
        controlsEvents(topics.aged.name).some((e) => e.records.some((r) => r.offset === fresh)),
      );
      await until(
        'the old record reached the destination',
        () => failedFor(topics.aged.name, old).length > 0,
      );
      expect(controlsEvents(topics.aged.name).flatMap((e) => e.records.map((r) => r.offset))).not.toContain(
        old,
      );
      const [record] = failedFor(topics.aged.name, old);
      expect(record!.key).toBe('k-old');
      expect(record!.document.requestContext).toMatchObject({
        condition: 'RecordAgeExceeded',
        approximateInvokeCount: 0,
        functionArn: expect.stringMatching(/:function:controls$/),
      });
      expect(record!.document.responseContext).toBeNull();
    });

    it('bisects a failing batch down to the failing record, which alone gets its attempts, then goes there keyed as it was', async () => {
      const first = await sendKeyed(topics.bisected.name, [
        { key: 'k0', value: 'a' },
        { key: 'k1', value: 'b' },
        { key: 'k2', value: 'c' },
        { key: 'k-poison', value: 'poison' },
      ]);
      const poison = first + 3;
      await until(
        'the poison reached the destination',
        () => failedFor(topics.bisected.name, poison).length > 0,
      );
      const events = controlsEvents(topics.bisected.name);
      // 4 records fail; [a, b] is handled alone; [c, poison] fails; c alone is handled; poison alone, twice.
      expect(events.filter((e) => e.values.includes('poison')).map((e) => e.records.length)).toEqual([
        4, 2, 1, 1,
      ]);
      const handled = events
        .filter((e) => !e.values.includes('poison'))
        .flatMap((e) => e.records.map((r) => r.offset));
      expect(handled.sort((a, b) => a - b)).toEqual([first, first + 1, first + 2]);

      const records = failedFor(topics.bisected.name, poison);
      expect(records).toHaveLength(1);
      expect(records[0]!.key).toBe('k-poison');
      const { document } = records[0]!;
      expect(Object.keys(document)).toEqual(INVOCATION_RECORD_KEYS);
      expect(document.requestContext).toMatchObject({
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 2,
      });
      expect(document.responseContext).toEqual(FUNCTION_ERROR_RESPONSE);
      expect(document.KafkaBatchInfo).toMatchObject({
        eventSourceArn: emulator.clusterArn,
        recordsInfo: {
          [`${topics.bisected.name}-0`]: expect.objectContaining({
            firstRecordOffset: String(poison),
            lastRecordOffset: String(poison),
          }),
        },
      });
      const event = JSON.parse(document.payload) as MskEvent;
      const carried = Object.values(event.records).flat();
      expect(carried.map((r) => [r.offset, Buffer.from(r.value!, 'base64').toString()])).toEqual([
        [poison, 'poison'],
      ]);
    });

    it('caps unlimited retries at 10 when a destination is set, as AWS does', async () => {
      const offset = await sendKeyed(topics.stubborn.name, [{ key: 'k-stubborn', value: 'never' }]);
      await until(
        'the record reached the destination',
        () => failedFor(topics.stubborn.name, offset).length > 0,
      );
      const deliveries = journal<{ offsets: number[] }>('stubborn').filter((e) => e.offsets.includes(offset));
      expect(deliveries).toHaveLength(11);
      const [record] = failedFor(topics.stubborn.name, offset);
      expect(record!.document.requestContext).toMatchObject({
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 11,
      });
    });

    it('lists what the mapping sent there among the handler’s dead letters (the console and dlq list read these)', async () => {
      // After the tests above: the poison and the stubborn record (another handler's) are both there.
      await until('both handlers’ records reached the destination', () =>
        ['k-poison', 'k-stubborn'].every((key) => failed.some((f) => f.key === key)),
      );
      const controls = emulator.handlers.find((h) => h.name === 'controls')!;
      const tools = emulatorTools(emulator);
      try {
        const letters = await allDeadLetters(tools, 'controls', { kind: 'on-failure' });
        const poison = letters.find((l) => l.original.key === 'k-poison');
        expect(poison).toBeDefined();
        expect(poison!.info).toMatchObject({
          handler: 'controls',
          group: controls.eventSources.find((s) => s.topic === topics.bisected.name)!.consumerGroupId,
          kind: 'on-failure',
          attempts: 2,
          error: 'RetryAttemptsExhausted (function error: Unhandled)',
          source: { topic: topics.bisected.name, partition: 0 },
        });
        expect(poison!.original.value).toBe('poison');
        expect(poison!.id).toMatch(new RegExp(`^${topics.FAILURES}/\\d+/\\d+$`));
        // `dlq show ID` finds it by the id listed.
        expect(await tools.call({ action: 'dead-letter', id: poison!.id })).toEqual(poison);
        // The stubborn handler's records share the destination topic; they are not this handler's.
        expect(letters.every((l) => l.info.handler === 'controls')).toBe(true);
        expect(letters.some((l) => l.original.key === 'k-stubborn')).toBe(false);
      } finally {
        await tools.close();
      }
    });
  });
});
