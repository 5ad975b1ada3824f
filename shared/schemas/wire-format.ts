/**
 * The bytes a schema registry's serializers write to Kafka, so records written here and by any client of the same
 * registry read alike.
 *
 * AWS Glue Schema Registry (its SerDe library, AWSSchemaRegistryConstants and SerializationDataEncoder): byte 0 is
 * the header version 3, byte 1 the compression (0 none, 5 zlib), bytes 2-17 the schema version id (a UUID, most
 * significant half first), then the body. A Protobuf body starts with the message's index (an unsigned varint;
 * ProtobufWireFormatEncoder) before the message bytes.
 *
 * Confluent Schema Registry (its "Wire format" documentation): byte 0 is the magic byte 0, bytes 1-4 the schema id
 * (a big-endian 32-bit integer), then the body. A Protobuf body starts with the message indexes: a zig-zag varint
 * count, then each index as a zig-zag varint; the common `[0]` is written as the single byte 0.
 *
 * "Body" is what the event source mapping hands a function in `EventRecordFormat: SOURCE`: the registry's header
 * removed, a Protobuf index prefix kept (as Powertools' Kafka utility reads it).
 */
import { inflateSync } from 'node:zlib';
import type { FormatSpec } from './format';

export type RegistryKind = 'glue' | 'confluent';

/** A Glue schema version id (UUID text) or a Confluent schema id (an integer). */
export type SchemaId = string | number;

/** Bytes that are not the registry's wire format; `reason` says which byte is wrong. */
export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

const GLUE_HEADER_VERSION = 3;
const GLUE_COMPRESSION_NONE = 0;
const GLUE_COMPRESSION_ZLIB = 5;
const GLUE_HEADER_BYTES = 18;
const CONFLUENT_MAGIC = 0;
const CONFLUENT_HEADER_BYTES = 5;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The registry's header around a body. */
export function frame(registry: RegistryKind, id: SchemaId, body: Buffer): Buffer {
  if (registry === 'glue') {
    if (typeof id !== 'string' || !UUID.test(id))
      throw new WireFormatError(`Glue schema version id ${String(id)} is not a lowercase UUID`);
    const out = Buffer.allocUnsafe(GLUE_HEADER_BYTES + body.length);
    out[0] = GLUE_HEADER_VERSION;
    out[1] = GLUE_COMPRESSION_NONE;
    out.write(id.replace(/-/g, ''), 2, 'hex');
    body.copy(out, GLUE_HEADER_BYTES);
    return out;
  }
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0x7fffffff)
    throw new WireFormatError(`Confluent schema id ${String(id)} is not a non-negative 32-bit integer`);
  const out = Buffer.allocUnsafe(CONFLUENT_HEADER_BYTES + body.length);
  out[0] = CONFLUENT_MAGIC;
  out.writeInt32BE(id, 1);
  body.copy(out, CONFLUENT_HEADER_BYTES);
  return out;
}

/** The schema id and the body of registry-framed bytes (a zlib-compressed Glue body inflated). */
export function unframe(registry: RegistryKind, bytes: Buffer): { id: SchemaId; body: Buffer } {
  if (registry === 'glue') {
    if (bytes.length < GLUE_HEADER_BYTES)
      throw new WireFormatError(`${bytes.length} bytes are shorter than Glue's 18-byte header`);
    if (bytes[0] !== GLUE_HEADER_VERSION)
      throw new WireFormatError(`byte 0 is ${bytes[0]}, not Glue's header version 3`);
    const compression = bytes[1];
    if (compression !== GLUE_COMPRESSION_NONE && compression !== GLUE_COMPRESSION_ZLIB)
      throw new WireFormatError(`byte 1 is ${compression}, not a Glue compression (0 none, 5 zlib)`);
    const hex = bytes.toString('hex', 2, GLUE_HEADER_BYTES);
    const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
    const body = bytes.subarray(GLUE_HEADER_BYTES);
    return { id, body: compression === GLUE_COMPRESSION_ZLIB ? inflateSync(body) : body };
  }
  if (bytes.length < CONFLUENT_HEADER_BYTES)
    throw new WireFormatError(`${bytes.length} bytes are shorter than Confluent's 5-byte header`);
  if (bytes[0] !== CONFLUENT_MAGIC)
    throw new WireFormatError(`byte 0 is ${bytes[0]}, not Confluent's magic byte 0`);
  return { id: bytes.readInt32BE(1), body: bytes.subarray(CONFLUENT_HEADER_BYTES) };
}

/** A value's body: the format's payload, after the message index for Protobuf. */
export function encodeBody(registry: RegistryKind, format: FormatSpec, value: unknown): Buffer {
  const payload = format.encode(value);
  if (!format.protobuf) return payload;
  const prefix =
    registry === 'glue'
      ? varint(format.protobuf.glueIndex)
      : confluentIndexes(format.protobuf.confluentIndex);
  return Buffer.concat([prefix, payload]);
}

/** A body back to a value; `writer` is the definition it was written with, when not the format's own. */
export function decodeBody(
  registry: RegistryKind,
  format: FormatSpec,
  body: Buffer,
  writer?: string,
): unknown {
  if (!format.protobuf) return format.decode(body, writer);
  const reader = { bytes: body, at: 0 };
  if (registry === 'glue') readVarint(reader);
  else {
    const count = zigzagDecode(readVarint(reader));
    for (let i = 0; i < count; i++) readVarint(reader);
  }
  return format.decode(body.subarray(reader.at), writer);
}

/** Confluent's message indexes; `[0]` as the single byte 0 (its documented shortcut). */
function confluentIndexes(indexes: readonly number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  return Buffer.concat([
    varint(zigzagEncode(indexes.length)),
    ...indexes.map((i) => varint(zigzagEncode(i))),
  ]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let rest = n >>> 0;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest >>>= 7;
  }
  bytes.push(rest);
  return Buffer.from(bytes);
}

function readVarint(reader: { bytes: Buffer; at: number }): number {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    const byte = reader.bytes[reader.at++];
    if (byte === undefined) throw new WireFormatError('the Protobuf message index ends before its last byte');
    result |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return result >>> 0;
  }
  throw new WireFormatError('the Protobuf message index is longer than 5 bytes');
}

const zigzagEncode = (n: number): number => ((n << 1) ^ (n >> 31)) >>> 0;
const zigzagDecode = (n: number): number => (n >>> 1) ^ -(n & 1);
