/**
 * The emulator's MSK events, written as the JSON text Lambda's invoke carries, record by record, so a batch knows
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

/** One record, encoded once when fetched. */
export interface EncodedRecord {
  readonly raw: RawRecord;
  readonly json: string;
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

export function encodeRecord(raw: RawRecord): EncodedRecord {
  let json = `{"topic":"${raw.topic}","partition":${raw.partition},"offset":${raw.offset},"timestamp":${raw.timestamp},"timestampType":"${raw.timestampType}"`;
  if (raw.key !== null) json += `,"key":"${raw.key.toString('base64')}"`;
  if (raw.value !== null) json += `,"value":"${raw.value.toString('base64')}"`;
  json += `,"headers":[${raw.headers.length ? headersJson(raw.headers) : ''}]}`;
  // Topic names, numbers and base64 are ASCII; only a header name can take more bytes than characters.
  return { raw, json, bytes: raw.headers.length ? Buffer.byteLength(json) : json.length };
}

/** The event's fixed part: everything but the records. */
export type EventSource = Required<Pick<MskEvent, 'eventSource' | 'eventSourceArn' | 'bootstrapServers'>>;

/** An event being filled, one partition's records at a time (a partition appears once per event). */
export class EventPayload {
  private readonly head: string;
  private readonly partitions: { key: string; records: EncodedRecord[] }[] = [];
  private current: { key: string; records: EncodedRecord[] } | undefined;
  /** Bytes of the event's JSON text as it stands. */
  bytes: number;
  count = 0;

  constructor(source: EventSource) {
    this.head = `{"eventSource":${JSON.stringify(source.eventSource)},"eventSourceArn":${JSON.stringify(source.eventSourceArn)},"bootstrapServers":${JSON.stringify(source.bootstrapServers)},"records":{`;
    this.bytes = Buffer.byteLength(this.head) + 2; // the closing `}}`
  }

  /** Bytes the event would have with this record added. */
  bytesWith(record: EncodedRecord): number {
    const key = partitionKey(record.raw.topic, record.raw.partition);
    if (this.current?.key === key) return this.bytes + 1 + record.bytes; // `,` + record
    // `"key":[` + record + `]`, and a `,` before it unless it is the first partition
    return this.bytes + (this.partitions.length ? 1 : 0) + key.length + 5 + record.bytes;
  }

  add(record: EncodedRecord): void {
    this.bytes = this.bytesWith(record);
    this.count++;
    const key = partitionKey(record.raw.topic, record.raw.partition);
    if (this.current?.key !== key) {
      if (this.partitions.some((p) => p.key === key))
        throw new Error(`partition ${key} would appear twice in one event`);
      this.current = { key, records: [] };
      this.partitions.push(this.current);
    }
    this.current.records.push(record);
  }

  /** The records of each partition, in event order. */
  get slices(): readonly { key: string; records: readonly EncodedRecord[] }[] {
    return this.partitions;
  }

  toJSON(): string {
    let json = this.head;
    this.partitions.forEach(({ key, records }, i) => {
      json += `${i ? ',' : ''}"${key}":[`;
      for (let r = 0; r < records.length; r++) json += (r ? ',' : '') + records[r]!.json;
      json += ']';
    });
    return json + '}}';
  }
}
