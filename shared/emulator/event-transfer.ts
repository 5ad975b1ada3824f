/**
 * How an event from the event source reaches its container without crossing as 4-6 MB of text. The emulator
 * writes the records' raw bytes into a buffer the container shares (one per container, allocated once: writing
 * it costs a copy, not fresh memory), and the container rebuilds the event with the functions that define the
 * event's shape (msk-event.ts; event-payload.ts writes exactly JSON.stringify of it). So the handler gets the
 * same plain data JSON.parse of Lambda's payload gives, and base64 is written in the container, off the thread
 * that fetches. A test checks the rebuilt event against the JSON text, record by record.
 *
 * Layout of a record: offset and timestamp (float64), timestamp type (uint8), then key, value and each header's
 * name and value as a length (int32, -1 for null) and its bytes; the header count (int32) comes before the headers.
 * Last, which schema metadata follow (uint8: 1 key, 2 value), each as its schema id and data format.
 */
import type { RawRecord, SchemaMetadata } from '../kafka/records';
import {
  mskEventOf,
  mskHeadersOf,
  mskRecordOf,
  partitionKey,
  type MskEvent,
  type MskRecord,
} from '../lambda/msk-event';
import type { EventPayload, EventSource } from './event-payload';

/** What crosses with the buffer: the event's fixed part and its partitions, in event order. */
export interface PackedEvent {
  source: EventSource;
  slices: { topic: string; partition: number; count: number }[];
}

const TIMESTAMP_TYPES: readonly RawRecord['timestampType'][] = ['CREATE_TIME', 'LOG_APPEND_TIME'];
const NULL_LENGTH = -1;

class Writer {
  at = 0;
  constructor(private readonly into: Buffer) {}

  number(n: number): void {
    this.at = this.into.writeDoubleLE(n, this.at);
  }

  bytes(bytes: Buffer | null): void {
    this.at = this.into.writeInt32LE(bytes === null ? NULL_LENGTH : bytes.length, this.at);
    if (bytes === null) return;
    this.into.set(bytes, this.at); // a builtin copy: no call into C++ for a record's few hundred bytes
    this.at += bytes.length;
  }

  record(raw: RawRecord): void {
    this.number(raw.offset);
    this.number(raw.timestamp);
    this.at = this.into.writeUInt8(TIMESTAMP_TYPES.indexOf(raw.timestampType), this.at);
    this.bytes(raw.key);
    this.bytes(raw.value);
    this.at = this.into.writeInt32LE(raw.headers.length, this.at);
    for (const header of raw.headers) {
      this.bytes(Buffer.from(header.key));
      this.bytes(header.value);
    }
    const metadata = raw.schemaMetadata;
    this.at = this.into.writeUInt8((metadata?.key ? 1 : 0) | (metadata?.value ? 2 : 0), this.at);
    for (const m of [metadata?.key, metadata?.value])
      if (m) {
        this.bytes(Buffer.from(m.schemaId));
        this.bytes(Buffer.from(m.dataFormat));
      }
  }
}

class Reader {
  at = 0;
  constructor(private readonly from: Buffer) {}

  number(): number {
    const n = this.from.readDoubleLE(this.at);
    this.at += 8;
    return n;
  }

  private length(): number {
    const length = this.from.readInt32LE(this.at);
    this.at += 4;
    return length;
  }

  /** The next bytes in base64, read straight from the buffer (no Buffer view per record: views cost the GC). */
  base64(): string | undefined {
    const length = this.length();
    if (length === NULL_LENGTH) return undefined;
    this.at += length;
    return this.from.toString('base64', this.at - length, this.at);
  }

  /** A view of the next bytes (headers only, read into the record at once, before the buffer is reused). */
  bytes(): Buffer | null {
    const length = this.length();
    if (length === NULL_LENGTH) return null;
    this.at += length;
    return this.from.subarray(this.at - length, this.at);
  }

  record(topic: string, partition: number): MskRecord {
    const offset = this.number();
    const timestamp = this.number();
    const timestampType = TIMESTAMP_TYPES[this.from.readUInt8(this.at++)]!;
    const key = this.base64();
    const value = this.base64();
    const count = this.length();
    const headers: RawRecord['headers'] = [];
    for (let h = 0; h < count; h++) headers.push({ key: this.bytes()!.toString(), value: this.bytes() });
    const present = this.from.readUInt8(this.at++);
    const metadata = (): SchemaMetadata => ({
      schemaId: this.bytes()!.toString(),
      dataFormat: this.bytes()!.toString(),
    });
    const schemaMetadata =
      present === 0
        ? undefined
        : { ...(present & 1 && { key: metadata() }), ...(present & 2 && { value: metadata() }) };
    return mskRecordOf(
      { topic, partition, offset, timestamp, timestampType, ...(schemaMetadata && { schemaMetadata }) },
      key,
      value,
      mskHeadersOf(headers),
    );
  }
}

/**
 * Writes the payload's records into `into`. The buffer must hold the payload limit: the packed form of a record is
 * never longer than its JSON text (no field names; raw bytes, not base64 or decimal lists).
 */
export function packEvent(payload: EventPayload, into: Buffer): PackedEvent {
  if (into.length < payload.bytes)
    throw new RangeError(
      `an event of ${payload.bytes} bytes does not fit the ${into.length}-byte transfer buffer`,
    );
  const writer = new Writer(into);
  const slices = payload.slices.map(({ topic, partition, records }) => {
    for (const { raw } of records) writer.record(raw);
    return { topic, partition, count: records.length };
  });
  return { source: payload.source, slices };
}

/** The event the container's handler receives: what JSON.parse makes of the event's JSON text. */
export function unpackEvent(packed: PackedEvent, from: Buffer): MskEvent {
  const reader = new Reader(from);
  const grouped: Record<string, MskRecord[]> = {};
  for (const { topic, partition, count } of packed.slices) {
    const records: MskRecord[] = (grouped[partitionKey(topic, partition)] = []);
    for (let r = 0; r < count; r++) records.push(reader.record(topic, partition));
  }
  return mskEventOf(grouped, packed.source);
}
