import * as z from 'zod';
import { defineTopic } from '../../shared/declarations/topic';
import { avro } from '../../shared/schemas/avro';
import { protobuf } from '../../shared/schemas/protobuf';
import { TradeSchema } from '../fixtures/schemas/app/trade_pb';
import { TradeSchema as TradeV2Schema } from '../fixtures/schemas/evolution/trade_v2_pb';
import { incompatibilities, type Rule, type SchemaVersion } from '../../shared/schemas/compatibility';
import type { Compatibility } from '../../shared/schemas/compatibility-mode';
import type { ProtoShape } from '../../shared/schemas/format';
import {
  checkSchemas,
  declaredSchemas,
  EMPTY_LOCK,
  SchemaCompatibilityError,
  withDeclared,
} from '../../shared/schemas/schema-lock';

/** The rules table (shared/schemas/compatibility.ts), each rule with its example, in each direction it applies. */
const record = (...fields: object[]): SchemaVersion => ({
  dataFormat: 'AVRO',
  definition: JSON.stringify({ type: 'record', name: 'Alert', fields }),
});
const userId = { name: 'userId', type: 'string' };
const proto = (fields: Record<string, [string, string]>): SchemaVersion => {
  const shape: ProtoShape = {
    'game.v1.Trade': {
      fields: Object.fromEntries(
        Object.entries(fields).map(([n, [name, type]]) => [n, { name, type, repeated: false }]),
      ),
      reserved: [],
    },
  };
  return { dataFormat: 'PROTOBUF', definition: JSON.stringify(fields), shape };
};
const json = (schema: object): SchemaVersion => ({ dataFormat: 'JSON', definition: JSON.stringify(schema) });
const obj = (properties: object, required: string[]): object => ({ type: 'object', properties, required });

const table: [string, Compatibility, SchemaVersion, SchemaVersion, Rule | undefined, string | undefined][] = [
  // Avro
  [
    'avro: a field added with a default',
    'BACKWARD',
    record(userId),
    record(userId, { name: 'n', type: 'int', default: 0 }),
    undefined,
    undefined,
  ],
  [
    'avro: a field added without a default',
    'BACKWARD',
    record(userId),
    record(userId, { name: 'n', type: 'int' }),
    'added-no-default',
    'n',
  ],
  [
    'avro: a field removed (BACKWARD reads old data: fine)',
    'BACKWARD',
    record(userId, { name: 'n', type: 'int' }),
    record(userId),
    undefined,
    undefined,
  ],
  [
    'avro: a field without default removed (FORWARD)',
    'FORWARD',
    record(userId, { name: 'n', type: 'int' }),
    record(userId),
    'removed-no-default',
    'n',
  ],
  [
    'avro: a field with a default removed (FORWARD)',
    'FORWARD',
    record(userId, { name: 'n', type: 'int', default: 1 }),
    record(userId),
    undefined,
    undefined,
  ],
  [
    'avro: int promoted to long',
    'BACKWARD',
    record({ name: 'n', type: 'int' }),
    record({ name: 'n', type: 'long' }),
    undefined,
    undefined,
  ],
  [
    'avro: long narrowed to int',
    'BACKWARD',
    record({ name: 'n', type: 'long' }),
    record({ name: 'n', type: 'int' }),
    'changed-type',
    'n',
  ],
  [
    'avro: string changed to int',
    'FULL',
    record({ name: 'n', type: 'string' }),
    record({ name: 'n', type: 'int' }),
    'changed-type',
    'n',
  ],
  [
    'avro: made nullable',
    'BACKWARD',
    record({ name: 'n', type: 'string' }),
    record({ name: 'n', type: ['null', 'string'], default: null }),
    undefined,
    undefined,
  ],
  [
    'avro: an enum symbol removed',
    'BACKWARD',
    record({ name: 'k', type: { type: 'enum', name: 'K', symbols: ['A', 'B'] } }),
    record({ name: 'k', type: { type: 'enum', name: 'K', symbols: ['A'] } }),
    'enum-symbol',
    'k',
  ],
  [
    'avro: an enum symbol added (FORWARD)',
    'FORWARD',
    record({ name: 'k', type: { type: 'enum', name: 'K', symbols: ['A'] } }),
    record({ name: 'k', type: { type: 'enum', name: 'K', symbols: ['A', 'B'] } }),
    'enum-symbol',
    'k',
  ],
  [
    'avro: a nested field changed type',
    'BACKWARD',
    record({ name: 'at', type: { type: 'record', name: 'At', fields: [{ name: 'zone', type: 'string' }] } }),
    record({ name: 'at', type: { type: 'record', name: 'At', fields: [{ name: 'zone', type: 'int' }] } }),
    'changed-type',
    'at.zone',
  ],
  [
    'avro: anything goes under NONE',
    'NONE',
    record(userId),
    record({ name: 'x', type: 'int' }),
    undefined,
    undefined,
  ],
  [
    'avro: DISABLED takes no new version',
    'DISABLED',
    record(userId),
    record(userId, { name: 'n', type: 'int', default: 0 }),
    'disabled',
    '(schema)',
  ],
  // Protobuf
  [
    'protobuf: a field added',
    'BACKWARD',
    proto({ 1: ['user_id', 'string'] }),
    proto({ 1: ['user_id', 'string'], 2: ['note', 'string'] }),
    undefined,
    undefined,
  ],
  [
    'protobuf: a field number reused by another field',
    'BACKWARD',
    proto({ 1: ['user_id', 'string'], 2: ['note', 'string'] }),
    proto({ 1: ['user_id', 'string'], 2: ['zone', 'string'] }),
    'reused-number',
    'game.v1.Trade.zone = 2',
  ],
  [
    'protobuf: a field changed type',
    'BACKWARD',
    proto({ 1: ['user_id', 'string'], 2: ['count', 'int32'] }),
    proto({ 1: ['user_id', 'string'], 2: ['count', 'string'] }),
    'changed-type',
    'game.v1.Trade.count = 2',
  ],
  // JSON (JSON Schema from the value's Standard Schema)
  [
    'json: an optional property added',
    'BACKWARD',
    json(obj({ a: { type: 'string' } }, ['a'])),
    json(obj({ a: { type: 'string' }, b: { type: 'number' } }, ['a'])),
    undefined,
    undefined,
  ],
  [
    'json: a required property added',
    'BACKWARD',
    json(obj({ a: { type: 'string' } }, ['a'])),
    json(obj({ a: { type: 'string' }, b: { type: 'number' } }, ['a', 'b'])),
    'added-no-default',
    'b',
  ],
  [
    'json: a required property removed (FORWARD)',
    'FORWARD',
    json(obj({ a: { type: 'string' }, b: { type: 'number' } }, ['a', 'b'])),
    json(obj({ a: { type: 'string' } }, ['a'])),
    'removed-no-default',
    'b',
  ],
  [
    'json: a property changed type',
    'BACKWARD',
    json(obj({ a: { type: 'string' } }, ['a'])),
    json(obj({ a: { type: 'number' } }, ['a'])),
    'changed-type',
    'a',
  ],
  [
    'json: integer widened to number',
    'BACKWARD',
    json(obj({ a: { type: 'integer' } }, ['a'])),
    json(obj({ a: { type: 'number' } }, ['a'])),
    undefined,
    undefined,
  ],
  [
    'json: an enum value removed',
    'BACKWARD',
    json(obj({ k: { type: 'string', enum: ['a', 'b'] } }, ['k'])),
    json(obj({ k: { type: 'string', enum: ['a'] } }, ['k'])),
    'enum-symbol',
    'k',
  ],
];

describe('compatibility rules', () => {
  it.each(table)('%s (%s)', (_, mode, before, after, rule, field) => {
    const found = incompatibilities(mode, [before], after);
    if (rule === undefined) expect(found).toEqual([]);
    else expect(found).toEqual([expect.objectContaining({ rule, field })]);
  });

  it('checks *_ALL modes against every earlier version, the others against the latest only', () => {
    const v1 = record(userId, { name: 'n', type: 'int' });
    const v2 = record(userId, { name: 'n', type: 'int', default: 0 });
    const v3 = record(userId);
    expect(incompatibilities('FORWARD', [v1, v2], v3)).toEqual([]);
    expect(incompatibilities('FORWARD_ALL', [v1, v2], v3)).toEqual([
      expect.objectContaining({ rule: 'removed-no-default', field: 'n' }),
    ]);
  });

  it('refuses a Protobuf field number reused from any earlier version, whatever the mode', () => {
    const v1 = proto({ 1: ['user_id', 'string'], 2: ['note', 'string'] });
    const v2 = proto({ 1: ['user_id', 'string'] });
    const v3 = proto({ 1: ['user_id', 'string'], 2: ['zone', 'string'] });
    expect(incompatibilities('BACKWARD', [v1, v2], v3)).toEqual([
      expect.objectContaining({ rule: 'reused-number', field: 'game.v1.Trade.zone = 2' }),
    ]);
  });
});

describe('schema lock', () => {
  const v1 = avro({ type: 'record', name: 'Alert', fields: [userId] });
  const v2 = avro({ type: 'record', name: 'Alert', fields: [userId, { name: 'severity', type: 'int' }] });
  const topic = (value: typeof v1 | typeof v2) =>
    defineTopic({ name: 'alerts', partitions: 1, value, key: null });

  it('refuses a declared schema the locked versions forbid, naming the topic, the field and the rule', () => {
    const lock = withDeclared(EMPTY_LOCK, declaredSchemas([topic(v1)]));
    expect(() => checkSchemas(declaredSchemas([topic(v2)]), lock)).toThrow(SchemaCompatibilityError);
    expect(() => checkSchemas(declaredSchemas([topic(v2)]), lock)).toThrow(
      'topic alerts value (BACKWARD): field severity: was added without a default, so records written with the previous version cannot be read [added-no-default]',
    );
  });

  it('passes a version the lock holds (a rollback), and appends a new compatible one once', () => {
    const v3 = avro({
      type: 'record',
      name: 'Alert',
      fields: [userId, { name: 'severity', type: 'int', default: 0 }],
    });
    let lock = withDeclared(EMPTY_LOCK, declaredSchemas([topic(v1)]));
    checkSchemas(declaredSchemas([topic(v3)]), lock);
    lock = withDeclared(lock, declaredSchemas([topic(v3)]), () => ({
      glue: 'b7b4a7f0-9c96-4e4a-a687-fb5de9ef0c63',
    }));
    lock = withDeclared(lock, declaredSchemas([topic(v3)]));
    checkSchemas(declaredSchemas([topic(v1)]), lock);
    expect(lock.topics.alerts?.value?.versions.map((v) => v.registered)).toEqual([
      undefined,
      { glue: 'b7b4a7f0-9c96-4e4a-a687-fb5de9ef0c63' },
    ]);
  });

  it('records JSON topics by their JSON Schema, and checks them alike', () => {
    const before = defineTopic({ name: 'j', partitions: 1, value: z.object({ a: z.string() }), key: null });
    const after = defineTopic({ name: 'j', partitions: 1, value: z.object({ a: z.number() }), key: null });
    const lock = withDeclared(EMPTY_LOCK, declaredSchemas([before]));
    expect(lock.topics.j?.value?.dataFormat).toBe('JSON');
    expect(() => checkSchemas(declaredSchemas([after]), lock)).toThrow(
      'topic j value (BACKWARD): field a: the type changed from string to number [changed-type]',
    );
  });
});

describe('Protobuf compatibility from the generated descriptors', () => {
  it('refuses the fixture Trade with field 7 (note) removed and its number given to priority', () => {
    const before = protobuf(TradeSchema)['~format'];
    const after = protobuf(TradeV2Schema)['~format'];
    const version = (f: typeof before): SchemaVersion => ({
      dataFormat: 'PROTOBUF',
      definition: f.definition,
      shape: f.protobuf!.shape,
    });
    expect(incompatibilities('BACKWARD', [version(before)], version(after))).toEqual([
      {
        rule: 'reused-number',
        field: 'game.v1.Trade.priority = 7',
        message:
          'field number 7 was note (string) in an earlier version; records written with it would be read as priority: reserve the number instead',
      },
    ]);
  });
});
