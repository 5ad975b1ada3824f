/**
 * The emulator's MSK events, counted as the JSON text Lambda's invoke carries, record by record, so a batch knows
 * its exact size before a record joins it: the event source mapping closes a batch before the record that would
 * take the invocation payload past Lambda's 6 MB synchronous limit
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html#invocation-eventsourcemapping-batching).
 * The text is what JSON.stringify makes of the documented event (see shared/lambda/msk-event.ts for its rules):
 * key order as in AWS's example, key and value omitted when null, `{}` for a header with a null value.
 */
import type { RawRecord } from '../kafka/records';
import { partitionKey, type MskEvent } from '../lambda/msk-event';

/** Lambda's synchronous invocation payload limit, 6 MB, applied to the event's JSON text. */
export const PAYLOAD_LIMIT_BYTES = 6 * 1024 * 1024;

/** One record as it will join an event: its size in the event's JSON text, counted when fetched. */
export interface EncodedRecord {
  readonly raw: RawRecord;
  /** Bytes of the record's JSON text (recordJson), counted without writing it. */
  readonly bytes: number;
}

function headersJson(headers: RawRecord['headers']): string {
  let json = '';
  for (const { key, value } of headers) {
    if (json) json += ',';
    json += value === null ? '{}' : `{${JSON.stringify(key)}:[${value.join(',')}]}`;
  }
  return json;
}

/** `,"keySchemaMetadata":{...},"valueSchemaMetadata":{...}` of a record read through a schema registry. */
function schemaMetadataJson(metadata: RawRecord['schemaMetadata']): string {
  if (metadata === undefined) return '';
  let json = '';
  for (const [name, m] of [
    ['keySchemaMetadata', metadata.key],
    ['valueSchemaMetadata', metadata.value],
  ] as const)
    if (m)
      json += `,"${name}":{"schemaId":${JSON.stringify(m.schemaId)},"dataFormat":${JSON.stringify(m.dataFormat)}}`;
  return json;
}

/** The record's JSON text in the event, as JSON.stringify writes toMskRecord's object. */
export function recordJson(raw: RawRecord): string {
  let json = `{"topic":"${raw.topic}","partition":${raw.partition},"offset":${raw.offset},"timestamp":${raw.timestamp},"timestampType":"${raw.timestampType}"`;
  if (raw.key !== null) json += `,"key":"${raw.key.toString('base64')}"`;
  if (raw.value !== null) json += `,"value":"${raw.value.toString('base64')}"`;
  json += `,"headers":[${raw.headers.length ? headersJson(raw.headers) : ''}]`;
  return json + schemaMetadataJson(raw.schemaMetadata) + '}';
}

/** A record's JSON text less its values. */
const RECORD_FRAME_BYTES = '{"topic":"","partition":,"offset":,"timestamp":,"timestampType":"","headers":[]}'
  .length;
const KEY_FRAME_BYTES = ',"key":""'.length;
const VALUE_FRAME_BYTES = ',"value":""'.length;
const base64Length = (bytes: number): number => 4 * Math.ceil(bytes / 3);

/** Characters of an integer's decimal text (offsets, partitions and timestamps are integers; -1 has two). */
function digits(n: number): number {
  let count = n < 0 ? 2 : 1;
  for (let rest = Math.abs(n); rest >= 10; rest = Math.floor(rest / 10)) count++;
  return count;
}

/**
 * Counts what recordJson would write, so fetching a record costs no base64 and no text: the text is written only
 * for the rare event someone reads as text (an on-failure record). Topic names, numbers and base64 are ASCII;
 * only a header name can take more bytes than characters.
 */
export function encodeRecord(raw: RawRecord): EncodedRecord {
  let bytes =
    RECORD_FRAME_BYTES +
    raw.topic.length +
    digits(raw.partition) +
    digits(raw.offset) +
    digits(raw.timestamp) +
    raw.timestampType.length;
  if (raw.key !== null) bytes += KEY_FRAME_BYTES + base64Length(raw.key.length);
  if (raw.value !== null) bytes += VALUE_FRAME_BYTES + base64Length(raw.value.length);
  if (raw.headers.length) bytes += Buffer.byteLength(headersJson(raw.headers));
  if (raw.schemaMetadata) bytes += Buffer.byteLength(schemaMetadataJson(raw.schemaMetadata));
  return { raw, bytes };
}

/** The event's fixed part: everything but the records. */
export type EventSource = Required<Pick<MskEvent, 'eventSource' | 'eventSourceArn' | 'bootstrapServers'>>;

interface Slice {
  key: string;
  topic: string;
  partition: number;
  records: EncodedRecord[];
}

/** An event being filled, one partition's records at a time (a partition appears once per event). */
export class EventPayload {
  private readonly head: string;
  readonly source: EventSource;
  private readonly partitions: Slice[] = [];
  private current: Slice | undefined;
  /** Bytes of the event's JSON text as it stands. */
  bytes: number;
  count = 0;

  constructor(source: EventSource) {
    this.source = source;
    this.head = `{"eventSource":${JSON.stringify(source.eventSource)},"eventSourceArn":${JSON.stringify(source.eventSourceArn)},"bootstrapServers":${JSON.stringify(source.bootstrapServers)},"records":{`;
    this.bytes = Buffer.byteLength(this.head) + 2; // the closing `}}`
  }

  /** Bytes the event would have with this record added. */
  bytesWith(record: EncodedRecord): number {
    if (this.continues(record)) return this.bytes + 1 + record.bytes; // `,` + record
    // `"key":[` + record + `]`, and a `,` before it unless it is the first partition
    const keyLength = partitionKey(record.raw.topic, record.raw.partition).length;
    return this.bytes + (this.partitions.length ? 1 : 0) + keyLength + 5 + record.bytes;
  }

  add(record: EncodedRecord): void {
    this.bytes = this.bytesWith(record);
    this.count++;
    if (!this.continues(record)) {
      const key = partitionKey(record.raw.topic, record.raw.partition);
      if (this.partitions.some((p) => p.key === key))
        throw new Error(`partition ${key} would appear twice in one event`);
      this.current = { key, topic: record.raw.topic, partition: record.raw.partition, records: [] };
      this.partitions.push(this.current);
    }
    this.current!.records.push(record);
  }

  /** The record belongs to the partition being filled (checked without building its key: this runs per record). */
  private continues({ raw }: EncodedRecord): boolean {
    return (
      this.current !== undefined &&
      this.current.partition === raw.partition &&
      this.current.topic === raw.topic
    );
  }

  /** The records of each partition, in event order. */
  get slices(): readonly Readonly<Slice>[] {
    return this.partitions;
  }

  toJSON(): string {
    let json = this.head;
    this.partitions.forEach(({ key, records }, i) => {
      json += `${i ? ',' : ''}"${key}":[`;
      for (let r = 0; r < records.length; r++) json += (r ? ',' : '') + recordJson(records[r]!.raw);
      json += ']';
    });
    return json + '}}';
  }
}
