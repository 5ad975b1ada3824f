import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import type { Kafka } from 'kafkajs';
import type { Logger } from '../../shared';
import { loadModule } from '../../shared/declarations/load-module';
import { startEmulator, type Emulator } from '../../shared/emulator/emulator';
import type { InvocationRecord } from '../../shared/emulator/on-failure';
import type { MskEvent } from '../../shared/lambda/msk-event';
import { createProducer } from '../../shared/producer';
import { frame } from '../../shared/schemas/wire-format';
import { testBrokers } from '../support/brokers';
import { collect, kafkaClient, quietOutput, REPO } from '../support/emulation';
import { TradeSchema, Trade_Side } from '../fixtures/schemas/app/trade_pb';

type SchemaTopics = typeof import('../fixtures/schemas/app/topics');
interface Seen {
  handler: string;
  topic: string;
  offset: number;
  key: string | null;
  value: Record<string, unknown>;
}

/**
 * Avro and Protobuf topics through the emulator on a real broker, as their mappings read them with a schema
 * registry: each handler in its record format (JSON, SOURCE), the filter on the decoded value, and records the
 * registry cannot read (an unknown schema id, corrupt bytes) sent to the on-failure destination with the reason.
 */
const APP = join(REPO, 'test', 'fixtures', 'schemas', 'app');
const brokers = testBrokers();
const HANDLERS = ['score-json', 'score-source', 'trade-json', 'trade-source'];
const UNKNOWN_ID = '0badc0de-0000-4000-8000-00000000cafe';

/** Files appear without an event to wait on: checked every 100 ms until they do. */
async function polled(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('registry topics through the emulator', () => {
  let kafka: Kafka;
  let fx: SchemaTopics;
  let emulator: Emulator;
  let seen: Awaited<ReturnType<typeof collect<Seen>>>;
  const warnings: { msg: string; fields: Record<string, unknown> }[] = [];
  const onFailureDir = mkdtempSync(join(tmpdir(), 'schemas-on-failure-'));
  const log: Logger = {
    debug() {},
    info() {},
    warn: (msg, fields = {}) => void warnings.push({ msg, fields }),
    error() {},
  };
  let unknownOffset = -1;
  let corruptOffset = -1;

  beforeAll(async () => {
    process.env.FIXTURE_PREFIX = `schemas-${randomUUID().slice(0, 8)}`;
    jest.resetModules();
    fx = loadModule<SchemaTopics>(require.resolve('../fixtures/schemas/app/topics'));
    kafka = kafkaClient(brokers);
    emulator = await startEmulator({
      appDir: APP,
      brokers,
      log,
      onFailureDir,
      watch: false,
      // The fixture's topic and group prefix, passed through by name (a function's environment is its own).
      passEnvironment: ['FIXTURE_PREFIX'],
      output: quietOutput,
    });
    seen = await collect(kafka, [fx.seen.name], (v) => v as Seen);
    const producer = createProducer({ brokers, clientId: 'schemas-test' });
    for (let seq = 0; seq < 4; seq++)
      await producer.publish(fx.scores, {
        player: `p${seq % 2}`,
        points: seq === 3 ? -5 : seq * 10,
        seq,
        mode: 'solo',
      });
    await producer.publish(
      fx.trades,
      create(TradeSchema, { userId: 'u1', itemId: 'gem', quantity: 3n, side: Trade_Side.SELL }),
      { key: 'u1' },
    );
    await producer.disconnect();
    // Written by a client that knows no better: an id no registry holds, and a header over bytes that are not Avro.
    const raw = kafka.producer();
    await raw.connect();
    const [unknown] = await raw.send({
      topic: fx.scores.name,
      messages: [
        { key: 'p9', value: frame('glue', UNKNOWN_ID, Buffer.from('0470390a0', 'hex')), partition: 0 },
      ],
    });
    unknownOffset = Number(unknown!.baseOffset);
    const good = fx.scores.codec.encode({ player: 'p9', points: 1, seq: 9, mode: 'solo' });
    const [corrupt] = await raw.send({
      topic: fx.scores.name,
      messages: [
        {
          key: 'p9',
          value: Buffer.concat([good.subarray(0, 18), Buffer.from([0xff, 0xff, 0xff])]),
          partition: 0,
        },
      ],
    });
    corruptOffset = Number(corrupt!.baseOffset);
    await raw.disconnect();
  });

  afterAll(async () => {
    await emulator?.stop();
    await seen?.stop();
    rmSync(onFailureDir, { recursive: true, force: true });
  });

  it('hands every handler the typed value in its record format, filtered on the decoded value', async () => {
    await seen.until(
      (items) =>
        HANDLERS.every((h) => items.filter((s) => s.handler === h).length >= (h.startsWith('score') ? 3 : 1)),
      90_000,
      'every handler',
    );
    for (const handler of ['score-json', 'score-source']) {
      const mine = seen.items.filter((s) => s.handler === handler);
      expect(mine.map((s) => s.value.seq).sort()).toEqual([0, 1, 2]); // seq 3 had points -5: filtered out
      expect(mine.find((s) => s.value.seq === 2)).toMatchObject({
        key: 'p0',
        value: { player: 'p0', points: 20, mode: 'solo' },
      });
    }
    for (const handler of ['trade-json', 'trade-source'])
      expect(seen.items.filter((s) => s.handler === handler)).toEqual([
        expect.objectContaining({
          key: 'u1',
          value: { userId: 'u1', itemId: 'gem', quantity: '3', side: 'SIDE_SELL' },
        }),
      ]);
  });

  it('sends what the registry cannot read to the on-failure destination, naming topic, partition, offset and id', async () => {
    const records = (handler: string): InvocationRecord[] => {
      const folder = join(onFailureDir, handler);
      if (!existsSync(folder)) return [];
      return readdirSync(folder).map(
        (f) => JSON.parse(readFileSync(join(folder, f), 'utf8')) as InvocationRecord,
      );
    };
    await polled('two on-failure records per score handler', () =>
      ['score-json', 'score-source'].every((h) => records(h).length >= 2),
    );
    for (const handler of ['score-json', 'score-source']) {
      const byCondition = Object.fromEntries(records(handler).map((r) => [r.requestContext.condition, r]));
      expect(Object.keys(byCondition).sort()).toEqual(['DESERIALIZATION_ERROR', 'SCHEMA_NOT_FOUND']);
      const notFound = byCondition.SCHEMA_NOT_FOUND!;
      expect(notFound.KafkaBatchInfo.recordsInfo[`${fx.scores.name}-0`]).toMatchObject({
        firstRecordOffset: String(unknownOffset),
      });
      const event = JSON.parse(notFound.payload) as MskEvent;
      expect(event.records[`${fx.scores.name}-0`]![0]!.offset).toBe(unknownOffset);
    }
    const reasons = warnings.filter((w) => w.msg === 'record unreadable through the schema registry');
    expect(reasons.map((w) => w.fields.error)).toEqual(
      expect.arrayContaining([
        `topic ${fx.scores.name} partition 0 offset ${unknownOffset}: value has schema id ${UNKNOWN_ID}, which the registry does not know`,
        expect.stringMatching(
          new RegExp(
            `^topic ${fx.scores.name} partition 0 offset ${corruptOffset}: value with schema id [0-9a-f-]{36} does not decode as AVRO`,
          ),
        ),
      ]),
    );
    // The partition went on: nothing it could read was held back.
    expect(seen.items.filter((s) => s.handler === 'score-json' && s.topic === fx.scores.name)).toHaveLength(
      3,
    );
  });
});
