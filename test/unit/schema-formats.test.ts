import { create } from '@bufbuild/protobuf';
import * as z from 'zod';
import { avro } from '../../shared/schemas/avro';
import { printProto, protobuf } from '../../shared/schemas/protobuf';
import { registryCodec } from '../../shared/schemas/registry-codec';
import {
  localSchemaId,
  refreshSchemaEnvironment,
  SCHEMA_HISTORY_ENV,
  SCHEMA_IDS_ENV,
} from '../../shared/schemas/schema-ids';
import { TradeSchema, Trade_Side, VenueSchema, file_trade } from '../fixtures/schemas/app/trade_pb';

/** Each format's own round trip, and what its Standard Schema side says about bad values. */
const Alert = avro({
  type: 'record',
  name: 'Alert',
  namespace: 'game',
  fields: [
    { name: 'userId', type: 'string' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['NEGATIVE', 'BURST'] } },
    { name: 'amount', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'tags', type: { type: 'array', items: 'string' } },
  ],
});

describe('avro', () => {
  const spec = Alert['~format'];
  const value = { userId: 'u1', kind: 'BURST' as const, amount: 5000, note: null, tags: ['x'] };

  it('types values from the schema written in code', () => {
    const typed: { userId: string; kind: 'NEGATIVE' | 'BURST'; note: string | null } = value;
    expect(typed.kind).toBe('BURST');
  });

  it('round-trips a value through Avro binary', () => {
    const bytes = spec.encode(value);
    expect(bytes.toString('hex')).toBe('04753102904e00020278' + '00');
    expect(spec.decode(bytes)).toEqual(value);
  });

  it('names each field that is not valid', () => {
    const result = Alert['~standard'].validate({ ...value, amount: 'many', kind: 'OTHER' });
    expect('issues' in result && result.issues?.map((i) => [i.path?.join('.'), i.message])).toEqual([
      ['kind', 'expected Avro enum game.Kind, got "OTHER"'],
      ['amount', 'expected Avro long, got "many"'],
    ]);
  });

  it('refines with a Standard Schema, which also types the value', () => {
    const refined = avro(
      { type: 'record', name: 'R', fields: [{ name: 'n', type: 'int' }] },
      { refine: z.object({ n: z.number().max(10) }) },
    );
    expect(refined['~standard'].validate({ n: 3 })).toEqual({ value: { n: 3 } });
    const result = refined['~standard'].validate({ n: 30 }) as { issues: unknown[] };
    expect(result.issues).toHaveLength(1);
  });

  it('reads a record written with an earlier version, a field added since taking its default', () => {
    const v1 = avro({ type: 'record', name: 'Alert', fields: [{ name: 'userId', type: 'string' }] });
    const v2 = avro({
      type: 'record',
      name: 'Alert',
      fields: [
        { name: 'userId', type: 'string' },
        { name: 'severity', type: 'int', default: 1 },
      ],
    });
    const written = v1['~format'].encode({ userId: 'u9' });
    expect(v2['~format'].decode(written, v1['~format'].definition)).toEqual({ userId: 'u9', severity: 1 });
    expect(v2['~format'].fromJson({ userId: 'u9' })).toEqual({ userId: 'u9', severity: 1 });
  });

  it('gives JSON data with bytes as Avro JSON text, and reads it back', () => {
    const blob = avro({ type: 'record', name: 'B', fields: [{ name: 'b', type: 'bytes' }] })['~format'];
    const json = blob.toJson({ b: Buffer.from([0, 255]) });
    expect(json).toEqual({ b: '\u0000\u00ff' });
    expect(blob.fromJson(json)).toEqual({ b: Buffer.from([0, 255]) });
  });
});

describe('protobuf', () => {
  const Trades = protobuf(TradeSchema);
  const spec = Trades['~format'];
  const trade = create(TradeSchema, {
    userId: 'u1',
    itemId: 'gem',
    quantity: 3n,
    side: Trade_Side.SELL,
    tags: ['a'],
    counts: { x: 2 },
    note: 'hi',
    venue: { zone: 'z1' },
  });

  it('round-trips a message through Protobuf binary and JSON', () => {
    expect(spec.decode(spec.encode(trade))).toEqual(trade);
    expect(spec.fromJson(spec.toJson(trade))).toEqual(trade);
    expect(spec.toJson(trade)).toMatchObject({ userId: 'u1', quantity: '3', side: 'SIDE_SELL' });
  });

  it('refuses a value that is not a message of its type', () => {
    const result = Trades['~standard'].validate({ userId: 'u1' }) as { issues: { message: string }[] };
    expect(result.issues[0]!.message).toBe('expected a game.v1.Trade message (create(TradeSchema, {...}))');
  });

  it('prints the .proto file the registry stores, with every message, field, label and enum', () => {
    expect(printProto(file_trade)).toBe(
      [
        'syntax = "proto3";',
        'package game.v1;',
        'message Trade {',
        '  string user_id = 1;',
        '  string item_id = 2;',
        '  int64 quantity = 3;',
        '  .game.v1.Trade.Side side = 4;',
        '  repeated string tags = 5;',
        '  map<string, int32> counts = 6;',
        '  optional string note = 7;',
        '  .game.v1.Venue venue = 8;',
        '  enum Side {',
        '    SIDE_UNSPECIFIED = 0;',
        '    SIDE_BUY = 1;',
        '    SIDE_SELL = 2;',
        '  }',
        '}',
        'message Venue {',
        '  string zone = 1;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it("knows the message's index in each registry's wire format", () => {
    // Glue: all messages, nested (the map entry) included, by full name: Trade, Trade.CountsEntry, Venue.
    expect(spec.protobuf).toMatchObject({ glueIndex: 0, confluentIndex: [0] });
    expect(protobuf(VenueSchema)['~format'].protobuf).toMatchObject({ glueIndex: 2, confluentIndex: [1] });
  });
});

describe('registry codec', () => {
  afterEach(() => {
    process.env.KAFKA_LAMBDA_SCHEMA_IDS = '';
    process.env.KAFKA_LAMBDA_SCHEMA_HISTORY = '';
    refreshSchemaEnvironment();
  });
  const spec = Alert['~format'];
  const value = { userId: 'u1', kind: 'BURST' as const, amount: 1, note: 'n', tags: [] };

  it('writes the id a deploy registered when the environment gives it, else the local id', () => {
    const codec = registryCodec('alerts', 'value', spec);
    const local = localSchemaId('glue', 'alerts', 'value', spec.fingerprint) as string;
    expect(codec.encode(value).toString('hex', 2, 18)).toBe(local.replace(/-/g, ''));
    process.env[SCHEMA_IDS_ENV] = JSON.stringify({
      alerts: { value: '0b7c5b1e-0000-4000-8000-000000000001' },
    });
    refreshSchemaEnvironment();
    const deployed = codec.encode(value);
    expect(deployed.toString('hex', 2, 18)).toBe('0b7c5b1e000040008000000000000001');
    expect(codec.decode(deployed)).toEqual(value);
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });

  it('local ids are stable: the same topic, role and definition always give the same id', () => {
    // Pinned: a change here would orphan every record written locally with the old ids.
    expect(localSchemaId('glue', 'alerts', 'value', 'abc')).toBe('4106335a-e891-44c4-9004-99c5d33995f9');
    expect(localSchemaId('glue', 'alerts', 'key', 'abc')).not.toBe(
      localSchemaId('glue', 'alerts', 'value', 'abc'),
    );
    expect(localSchemaId('confluent', 'alerts', 'value', 'abc')).toBe(
      localSchemaId('confluent', 'alerts', 'value', 'abc'),
    );
  });

  it('refuses an id that names no version it knows, and reads one the history names', () => {
    const v1 = avro({
      type: 'record',
      name: 'Alert',
      namespace: 'game',
      fields: [{ name: 'userId', type: 'string' }],
    });
    const old = registryCodec('alerts', 'value', v1['~format']).encode({ userId: 'u7' });
    const codec = registryCodec('alerts', 'value', spec);
    const id = localSchemaId('glue', 'alerts', 'value', v1['~format'].fingerprint);
    expect(() => codec.decode(old)).toThrow(
      `schema id ${id} of the value is not a known version of its schema`,
    );
    process.env[SCHEMA_HISTORY_ENV] = JSON.stringify({
      alerts: { value: [{ ids: [id], definition: v1['~format'].definition }] },
    });
    refreshSchemaEnvironment();
    // Known now, but kind, amount and tags have no default: Avro cannot resolve it into this version.
    expect(() => codec.decode(old)).toThrow('no matching field for default-less game.Alert.kind');
  });
});
