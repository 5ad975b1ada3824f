/**
 * The emulator held to the Lambda MSK event source mapping and the Node.js runtime, with hand-written handlers
 * (test/fixtures/fidelity) and, where the point is bytes on the wire, records written by Apache Kafka's Java client.
 * README.md, "How the emulator matches the event source mapping", states each behaviour checked here.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Producer } from 'kafkajs';
import type { Logger } from '../../shared/declarations/handler';
import { startEmulator, type Emulator } from '../../shared/emulator/emulator';
import type { InvocationRecord } from '../../shared/emulator/on-failure';
import { PAYLOAD_LIMIT_BYTES } from '../../shared/emulator/event-payload';
import type { MskEvent } from '../../shared';
import { testBrokers } from '../support/brokers';
import { NULL_MARKER, produceWithJavaClient } from '../support/console-producer';
import { kafkaClient, quietOutput } from '../support/emulation';

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
  records: SeenRecord[];
}
interface BulkyEntry {
  eventBytes: number;
  records: { topic: string; offset: number }[];
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
    // No jest.resetModules() here: kafkajs requires its response decoders lazily, and a reset registry would hand
    // the emulator's consumer decoders without the header-order hook (shared/kafka/ordered-headers.ts).
    topics = (await import('../fixtures/fidelity/topics')) as typeof topics;
    emulator = await startEmulator({
      appDir: APP,
      brokers,
      onFailureDir,
      log: recordingLogger(lines, wake),
      output: quietOutput,
    });
    producer = kafkaClient(brokers).producer();
    await producer.connect();
  });

  afterAll(async () => {
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
    expect(Object.keys(record)).toEqual([
      'requestContext',
      'responseContext',
      'version',
      'timestamp',
      'KafkaBatchInfo',
      'payload',
    ]);
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
});
