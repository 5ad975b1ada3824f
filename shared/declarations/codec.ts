/**
 * Turns values into bytes and back. JSON is the default; an Avro or Protobuf codec implements the same
 * two functions (decode may not validate: the topic's schema does that afterwards).
 */
export interface Codec {
  readonly name: string;
  encode(value: unknown): Buffer;
  /** Throws on bytes that are not this format. */
  decode(bytes: Buffer): unknown;
  /**
   * A key or value as an event record carries it (base64) with the record's schema metadata, when the codec reads
   * what an event source mapping with a schema registry delivers (JSON text or the source bytes).
   */
  fromEvent?(
    base64: string,
    metadata: { schemaId: string } | undefined,
    recordFormat: 'JSON' | 'SOURCE',
  ): unknown;
}

export const jsonCodec: Codec = {
  name: 'json',
  encode: (value) => Buffer.from(JSON.stringify(value), 'utf8'),
  decode: (bytes) => JSON.parse(bytes.toString('utf8')) as unknown,
};
