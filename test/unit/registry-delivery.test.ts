import { create } from '@bufbuild/protobuf';
import { EventPayload, encodeRecord, recordJson } from '../../shared/emulator/event-payload';
import { packEvent, unpackEvent } from '../../shared/emulator/event-transfer';
import { loadApp } from '../../shared/declarations/app';
import { topicSettings } from '../../shared/declarations/app-plan';
import { toMskEvent, toMskRecord, type RawRecord } from '../../shared/lambda/msk-event';
import { localRegistryOf } from '../../shared/schemas/local-registry';
import { throughRegistry } from '../../shared/schemas/registry-delivery';
import type { RegistryCodec } from '../../shared/schemas/registry-codec';
import { localSchemaId } from '../../shared/schemas/schema-ids';
import { EMPTY_LOCK } from '../../shared/schemas/schema-lock';
import { frame } from '../../shared/schemas/wire-format';
import { runHandler } from '../../shared/testkit';
import { defineHandler } from '../../shared';
import type { RecordFormat } from '../../shared';
import { REPO } from '../support/emulation';
import { scores, trades } from '../fixtures/schemas/app/topics';
import { TradeSchema, Trade_Side } from '../fixtures/schemas/app/trade_pb';
import { scoreReader, tradeReader } from '../fixtures/schemas/app/reader';

/**
 * The mapping's registry step (what the emulator does before its filter) and the adapter reading what it
 * delivers: the same typed value reaches the handler in both record formats, and what the registry cannot read
 * takes the mapping's path with topic, partition, offset and id in the reason.
 */
const registry = localRegistryOf(
  loadApp(`${REPO}/test/fixtures/schemas/app`).topics.map(topicSettings),
  EMPTY_LOCK,
);
const raw = (over: Partial<RawRecord>): RawRecord => ({
  topic: scores.name,
  partition: 1,
  offset: 7,
  timestamp: 1_700_000_000_000,
  timestampType: 'CREATE_TIME',
  key: Buffer.from('p1'),
  value: scores.codec.encode({ player: 'p1', points: 30, seq: 1, mode: 'duo' }),
  headers: [],
  ...over,
});
const VALUE = ['VALUE'] as const;

describe('reading a record through the schema registry', () => {
  it('JSON: delivers the decoded value as JSON text with its schema metadata; the filter reads the same', () => {
    const delivery = throughRegistry(raw({}), VALUE, 'JSON', registry);
    if (!delivery.ok) throw new Error(delivery.reason);
    const json = '{"player":"p1","points":30,"seq":1,"mode":"duo"}';
    expect(delivery.record.value!.toString()).toBe(json);
    expect(delivery.filterValue!.toString()).toBe(json);
    const id = localSchemaId(
      'glue',
      scores.name,
      'value',
      (scores.codec as RegistryCodec).format.fingerprint,
    );
    expect(delivery.record.schemaMetadata).toEqual({ value: { schemaId: id, dataFormat: 'AVRO' } });
  });

  it('SOURCE: delivers the bytes without the registry header', () => {
    const record = raw({});
    const delivery = throughRegistry(record, VALUE, 'SOURCE', registry);
    if (!delivery.ok) throw new Error(delivery.reason);
    expect(delivery.record.value).toEqual(record.value!.subarray(18));
  });

  it('an id the registry does not know: SCHEMA_NOT_FOUND, naming topic, partition, offset and the id', () => {
    const id = '00000000-0000-4000-8000-000000000009';
    const delivery = throughRegistry(
      raw({ value: frame('glue', id, Buffer.from('02', 'hex')) }),
      VALUE,
      'JSON',
      registry,
    );
    expect(delivery).toEqual({
      ok: false,
      condition: 'SCHEMA_NOT_FOUND',
      reason: `topic schemas_scores partition 1 offset 7: value has schema id ${id}, which the registry does not know`,
    });
  });

  it('bytes that do not decode, or are not the wire format: DESERIALIZATION_ERROR', () => {
    const good = raw({}).value!;
    const truncated = throughRegistry(raw({ value: good.subarray(0, 20) }), VALUE, 'JSON', registry);
    expect(truncated).toMatchObject({ ok: false, condition: 'DESERIALIZATION_ERROR' });
    expect(!truncated.ok && truncated.reason).toMatch(
      /^topic schemas_scores partition 1 offset 7: value with schema id [0-9a-f-]{36} does not decode as AVRO: /,
    );
    const text = throughRegistry(
      raw({ value: Buffer.from('{"player":"p1","points":1}') }),
      VALUE,
      'JSON',
      registry,
    );
    expect(!text.ok && text.reason).toBe(
      "topic schemas_scores partition 1 offset 7: value is not in the glue wire format: byte 0 is 123, not Glue's header version 3",
    );
  });

  it('writes the metadata into the event as JSON.stringify would, and carries it into the container', () => {
    const delivery = throughRegistry(raw({}), VALUE, 'SOURCE', registry);
    if (!delivery.ok) throw new Error(delivery.reason);
    const record = delivery.record;
    expect(recordJson(record)).toBe(JSON.stringify(toMskRecord(record)));
    expect(recordJson(record)).toMatch(
      /"headers":\[\],"valueSchemaMetadata":\{"schemaId":"[0-9a-f-]{36}","dataFormat":"AVRO"\}\}$/,
    );
    const payload = new EventPayload({
      eventSource: 'aws:kafka',
      eventSourceArn: 'arn',
      bootstrapServers: 'b',
    });
    payload.add(encodeRecord(record));
    expect(Buffer.byteLength(payload.toJSON())).toBe(payload.bytes);
    const transfer = Buffer.alloc(64 * 1024);
    expect(JSON.stringify(unpackEvent(packEvent(payload, transfer), transfer))).toBe(payload.toJSON());
  });
});

describe('the adapter reads what the mapping delivers, in both record formats', () => {
  const trade = create(TradeSchema, { userId: 'u1', itemId: 'gem', quantity: 2n, side: Trade_Side.BUY });
  const tradeRecord: RawRecord = {
    ...raw({}),
    topic: trades.name,
    key: trades.keyCodec!.encode('u1'),
    value: trades.codec.encode(trade),
  };

  it.each(['JSON', 'SOURCE'] as RecordFormat[])(
    '%s: Avro values and Protobuf values with Avro keys',
    async (format) => {
      const score = throughRegistry(raw({}), VALUE, format, registry);
      const traded = throughRegistry(tradeRecord, ['KEY', 'VALUE'], format, registry);
      if (!score.ok || !traded.ok) throw new Error('not readable');
      const scored = await runHandler(
        scoreReader(`score-${format.toLowerCase()}`, format),
        toMskEvent([score.record]),
      );
      expect(scored.published.map((p) => p.value)).toEqual([
        expect.objectContaining({ key: 'p1', value: { player: 'p1', points: 30, seq: 1, mode: 'duo' } }),
      ]);
      const tradedResult = await runHandler(
        tradeReader(`trade-${format.toLowerCase()}`, format),
        toMskEvent([traded.record]),
      );
      expect(tradedResult.published.map((p) => p.value)).toEqual([
        expect.objectContaining({
          key: 'u1',
          value: { userId: 'u1', itemId: 'gem', quantity: '2', side: 'SIDE_BUY' },
        }),
      ]);
    },
  );

  it('the bytes as written (a mapping without a registry, the test kit) decode too', async () => {
    const result = await runHandler(scoreReader('score-raw', 'JSON'), toMskEvent([raw({})]));
    expect(result.handled).toHaveLength(1);
  });
});

describe('dead letters of a handler in JSON record format', () => {
  it('carry the value as the function got it (JSON text), which a replay reads back', async () => {
    const delivery = throughRegistry(raw({}), VALUE, 'JSON', registry);
    if (!delivery.ok) throw new Error(delivery.reason);
    const failing = defineHandler({
      name: 'score-fails',
      topics: [scores],
      recordFormat: 'JSON',
      retry: { attempts: 1 },
      handle() {
        throw new Error('boom');
      },
    });
    const first = await runHandler(failing, toMskEvent([delivery.record]));
    const letter = first.deadLetters[0]!;
    expect(letter.info.kind).toBe('handler');
    expect(String(letter.value)).toBe('{"player":"p1","points":30,"seq":1,"mode":"duo"}');
    // The replay: the dead letter's bytes in an event without schema metadata.
    const replayed: RawRecord = { ...raw({}), value: letter.value as Buffer };
    const again = await runHandler(scoreReader('score-replay', 'JSON'), toMskEvent([replayed]));
    expect(again.published.map((p) => (p.value as { value: unknown }).value)).toEqual([
      { player: 'p1', points: 30, seq: 1, mode: 'duo' },
    ]);
  });
});
