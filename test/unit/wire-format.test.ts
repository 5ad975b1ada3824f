import { deflateSync } from 'node:zlib';
import { create } from '@bufbuild/protobuf';
import { avro } from '../../shared/schemas/avro';
import { protobuf } from '../../shared/schemas/protobuf';
import { decodeBody, encodeBody, frame, unframe, WireFormatError } from '../../shared/schemas/wire-format';
import { TradeSchema, VenueSchema } from '../fixtures/schemas/app/trade_pb';

/**
 * Byte for byte against each registry's documented layout. Glue (aws-glue-schema-registry's SerDe): 0x03, a
 * compression byte (0x00 none, 0x05 zlib), the 16-byte schema version UUID, then the body; a Protobuf body starts
 * with the message index as an unsigned varint. Confluent ("Wire format"): 0x00, the schema id as a big-endian
 * int32, then the body; a Protobuf body starts with the zig-zag varint message indexes, [0] as the single byte 0.
 */
const User = avro({ type: 'record', name: 'User', fields: [{ name: 'name', type: 'string' }] })['~format'];
const VERSION = 'b7b4a7f0-9c96-4e4a-a687-fb5de9ef0c63';
const hex = (b: Buffer): string => b.toString('hex');

describe('Glue wire format', () => {
  it('frames Avro as 03 00 <uuid> <avro binary>', () => {
    const bytes = frame('glue', VERSION, encodeBody('glue', User, { name: 'fooo' }));
    expect(hex(bytes)).toBe('03' + '00' + 'b7b4a7f09c964e4aa687fb5de9ef0c63' + '08666f6f6f');
    expect(unframe('glue', bytes)).toEqual({ id: VERSION, body: Buffer.from('08666f6f6f', 'hex') });
  });

  it('reads a zlib-compressed body (compression byte 5)', () => {
    const payload = Buffer.from('08666f6f6f', 'hex');
    const bytes = Buffer.concat([
      Buffer.from('0305', 'hex'),
      Buffer.from(VERSION.replace(/-/g, ''), 'hex'),
      deflateSync(payload),
    ]);
    expect(unframe('glue', bytes).body).toEqual(payload);
  });

  it('prefixes a Protobuf body with the message index, an unsigned varint', () => {
    const venue = protobuf(VenueSchema)['~format'];
    const body = encodeBody('glue', venue, create(VenueSchema, { zone: 'z' }));
    expect(hex(body)).toBe('02' + '0a017a'); // index 2 (Trade, Trade.CountsEntry, Venue), then field 1 "z"
    expect(decodeBody('glue', venue, body)).toEqual(create(VenueSchema, { zone: 'z' }));
  });

  it.each([
    ['too short', '0300', "2 bytes are shorter than Glue's 18-byte header"],
    ['wrong version', '02' + '00'.repeat(17), "byte 0 is 2, not Glue's header version 3"],
    ['unknown compression', '0301' + '00'.repeat(16), 'byte 1 is 1, not a Glue compression (0 none, 5 zlib)'],
  ])('refuses bytes that are not its format: %s', (_, bytes, message) => {
    expect(() => unframe('glue', Buffer.from(bytes, 'hex'))).toThrow(new WireFormatError(message));
  });
});

describe('Confluent wire format', () => {
  it('frames Avro as 00 <id, int32 big-endian> <avro binary>', () => {
    const bytes = frame('confluent', 1337, encodeBody('confluent', User, { name: 'fooo' }));
    expect(hex(bytes)).toBe('00' + '00000539' + '08666f6f6f');
    expect(unframe('confluent', bytes)).toEqual({ id: 1337, body: Buffer.from('08666f6f6f', 'hex') });
  });

  it('writes the first message index [0] as the single byte 0, others as a zig-zag count and indexes', () => {
    const trade = protobuf(TradeSchema)['~format'];
    expect(hex(encodeBody('confluent', trade, create(TradeSchema, { userId: 'u' })))).toBe('00' + '0a0175');
    const venue = protobuf(VenueSchema)['~format'];
    const body = encodeBody('confluent', venue, create(VenueSchema, { zone: 'z' }));
    expect(hex(body)).toBe('02' + '02' + '0a017a'); // count 1 -> 2, index 1 -> 2 (zig-zag)
    expect(decodeBody('confluent', venue, body)).toEqual(create(VenueSchema, { zone: 'z' }));
    // A reader accepts the long form of [0] too (count 1, index 0).
    expect(decodeBody('confluent', trade, Buffer.from('0200' + '0a0175', 'hex'))).toMatchObject({
      userId: 'u',
    });
  });

  it('refuses a wrong magic byte, a short header and an id out of range', () => {
    expect(() => unframe('confluent', Buffer.from('0100000001', 'hex'))).toThrow(
      "byte 0 is 1, not Confluent's magic byte 0",
    );
    expect(() => unframe('confluent', Buffer.from('0000', 'hex'))).toThrow(
      "2 bytes are shorter than Confluent's 5-byte header",
    );
    expect(() => frame('confluent', -1, Buffer.alloc(0))).toThrow(
      'Confluent schema id -1 is not a non-negative 32-bit integer',
    );
    expect(() => frame('glue', 'not-a-uuid', Buffer.alloc(0))).toThrow(
      'Glue schema version id not-a-uuid is not a lowercase UUID',
    );
  });
});
