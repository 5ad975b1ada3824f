import * as z from 'zod';
import type { Codec } from '../../shared/declarations/codec';
import { defineTopic } from '../../shared/declarations/topic';
import { decodeEventRecord, decodeRecord } from '../../shared/lambda/decode';
import { fromMskRecord, toMskRecord, type MskRecord, type RawRecord } from '../../shared/lambda/msk-event';

/**
 * The adapter decodes straight from the event's base64 text (decodeEventRecord); the emulator's browser and `tail`
 * decode raw bytes (decodeRecord). Both must give the same record, or throw the same error, for any input.
 */
const Note = z.object({ text: z.string() });
const base = { partitions: 3, value: Note };
const notes = defineTopic({ ...base, name: 'notes', key: (v) => v.text });
const upper: Codec = {
  name: 'upper',
  encode: (v) => Buffer.from(String(v)),
  decode: (bytes) => {
    if (bytes[0] === 0) throw new Error('leading zero byte');
    return { text: bytes.toString('utf8').toUpperCase() };
  },
};
const shouting = defineTopic({ ...base, name: 'shouting', codec: upper, key: null });
const keyed = defineTopic({ ...base, name: 'keyed', key: { schema: z.string().startsWith('k-') } });

const raw = (overrides: Partial<RawRecord>): RawRecord => ({
  topic: 'notes',
  partition: 1,
  offset: 9,
  timestamp: 1_700_000_000_123,
  timestampType: 'CREATE_TIME',
  key: Buffer.from('k-1'),
  value: Buffer.from(JSON.stringify({ text: 'hi' })),
  headers: [],
  ...overrides,
});

/** What decodeRecord gives or throws, as a comparable value. */
function outcome(decode: () => unknown): unknown {
  try {
    const record = decode();
    if (record instanceof Promise) throw new Error('expected a synchronous decode');
    return { record };
  } catch (error) {
    return { error: (error as Error).name + ': ' + (error as Error).message };
  }
}

const cases: [string, RawRecord][] = [
  ['a keyed JSON record', raw({})],
  ['a null key', raw({ key: null })],
  ['a multi-byte key and value', raw({ key: Buffer.from('ключ-ü😀'), value: Buffer.from('{"text":"ü😀"}') })],
  [
    'repeated and null-valued headers (the last value wins)',
    raw({
      headers: [
        { key: 'a', value: Buffer.from('1') },
        { key: 'n', value: null },
        { key: 'a', value: Buffer.from('2') },
      ],
    }),
  ],
  ['log-append time', raw({ timestampType: 'LOG_APPEND_TIME' })],
  [
    'a value longer than the scratch buffer',
    raw({ value: Buffer.from(JSON.stringify({ text: 'x'.repeat(200_000) })) }),
  ],
  ['a key longer than the scratch buffer', raw({ key: Buffer.from('é'.repeat(70_000)) })],
  ['bad JSON', raw({ value: Buffer.from('{"text":') })],
  ['a schema violation', raw({ value: Buffer.from('{"text":3}') })],
  ['a tombstone', raw({ value: null })],
  ['a custom codec', raw({ topic: 'shouting', value: Buffer.from('quiet') })],
  ['a custom codec refusing the bytes', raw({ topic: 'shouting', value: Buffer.from([0, 1]) })],
  ['a key schema', raw({ topic: 'keyed' })],
  ['a key schema violation', raw({ topic: 'keyed', key: Buffer.from('x-1') })],
  ['an undeclared topic', raw({ topic: 'elsewhere' })],
];

const topics = new Map([notes, shouting, keyed].map((t) => [t.name, t]));

describe('decoding a record of the event', () => {
  it.each(cases)('agrees with decoding its raw bytes: %s', (_, r) => {
    const msk: MskRecord = toMskRecord(r);
    const topic = topics.get(r.topic);
    const expected = outcome(() => decodeRecord(topic, fromMskRecord(msk)));
    expect(outcome(() => decodeEventRecord(topic, msk))).toEqual(expected);
    expect(expected).toEqual(outcome(() => decodeRecord(topic, r)));
  });

  it('gives a custom codec bytes of its own, which later records do not overwrite', () => {
    const kept: Buffer[] = [];
    const keeping = defineTopic({
      ...base,
      name: 'keeping',
      key: null,
      codec: { ...upper, decode: (bytes) => (kept.push(bytes), { text: 'ok' }) },
    });
    for (const text of ['first', 'second'])
      decodeEventRecord(keeping, toMskRecord(raw({ topic: 'keeping', value: Buffer.from(text) })));
    expect(kept.map(String)).toEqual(['first', 'second']);
  });
});
