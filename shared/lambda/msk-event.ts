/**
 * The event an MSK (or self-managed Kafka) event source mapping sends to Lambda, and the conversions
 * between it and raw Kafka records. The local emulator and the test kit build events here, so the
 * adapter sees the same bytes locally as on AWS.
 */

/** One header as Lambda sends it: `{ [name]: byte values }`. */
export type MskHeader = Record<string, number[]>;

export interface MskRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  /** Base64; absent for a null key. */
  key?: string;
  /** Base64; absent for a null value (tombstone). */
  value?: string;
  headers: MskHeader[];
}

export interface MskEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers?: string;
  /** Records grouped by `"<topic>-<partition>"`, each list in offset order. */
  records: Record<string, MskRecord[]>;
}

/** The ReportBatchItemFailures response: where each failed partition resumes. */
export interface MskBatchResponse {
  batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[];
}

/** A Kafka record as bytes, the form the emulator reads from the broker and dead-letters write back. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType?: MskRecord['timestampType'];
  key: Buffer | null;
  value: Buffer | null;
  headers: { key: string; value: Buffer }[];
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Headers as the event source sends them: one `{ name: bytes }` object per header. */
function mskHeadersOf(raw: RawRecord): MskHeader[] {
  return raw.headers.map(({ key, value }) => ({ [key]: [...value] }));
}

export function toMskRecord(raw: RawRecord): MskRecord {
  const record: MskRecord = {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: raw.timestamp,
    timestampType: raw.timestampType ?? 'CREATE_TIME',
    headers: mskHeadersOf(raw),
  };
  // Absent, not null, for a null key or value: as the event source sends them.
  if (raw.key !== null) record.key = raw.key.toString('base64');
  if (raw.value !== null) record.value = raw.value.toString('base64');
  return record;
}

export function fromMskRecord(record: MskRecord): RawRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    timestampType: record.timestampType,
    key: record.key === undefined || record.key === null ? null : Buffer.from(record.key, 'base64'),
    value: record.value === undefined || record.value === null ? null : Buffer.from(record.value, 'base64'),
    headers: record.headers?.length ? headersOf(record.headers) : [],
  };
}

function headersOf(headers: readonly MskHeader[]): RawRecord['headers'] {
  const out: RawRecord['headers'] = [];
  for (const header of headers)
    for (const [key, bytes] of Object.entries(header)) out.push({ key, value: Buffer.from(bytes) });
  return out;
}

/** Groups raw records into an event, keeping each partition's records in offset order. */
export function toMskEvent(
  records: readonly RawRecord[],
  bootstrapServers?: string,
  toRecord: (raw: RawRecord) => MskRecord = toMskRecord,
): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const raw of records) (grouped[partitionKey(raw.topic, raw.partition)] ??= []).push(toRecord(raw));
  for (const list of Object.values(grouped)) list.sort((a, b) => a.offset - b.offset);
  return { eventSource: 'aws:kafka', ...(bootstrapServers && { bootstrapServers }), records: grouped };
}

// Kept under a global symbol so a handler module loaded apart from the emulator (hot reload) still finds it.
const RAW = Symbol.for('kafka-lambda.raw-record');

/**
 * An event record as the event source sends it, over the raw record it came from: key, value and headers are
 * encoded (base64, byte arrays) only when read, and `JSON.stringify` gives exactly the plain record. The emulator
 * builds these, and the adapter takes the raw record back without a base64 round trip. (Spreading one, or
 * `Object.keys`, shows only the eager fields: read the fields by name, as the documented event is read.)
 */
class EncodedOnRead implements MskRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: MskRecord['timestampType'];
  readonly [RAW]: RawRecord;

  constructor(raw: RawRecord) {
    this.topic = raw.topic;
    this.partition = raw.partition;
    this.offset = raw.offset;
    this.timestamp = raw.timestamp;
    this.timestampType = raw.timestampType ?? 'CREATE_TIME';
    this[RAW] = raw;
  }
  get key(): string | undefined {
    return this[RAW].key?.toString('base64');
  }
  get value(): string | undefined {
    return this[RAW].value?.toString('base64');
  }
  get headers(): MskHeader[] {
    return mskHeadersOf(this[RAW]);
  }
  toJSON(): MskRecord {
    return toMskRecord(this[RAW]);
  }
}

/** The event the local emulator hands a handler: the same shape, encoded on read (see EncodedOnRead). */
export function emulatedMskEvent(records: readonly RawRecord[], bootstrapServers?: string): MskEvent {
  return toMskEvent(records, bootstrapServers, (raw) => new EncodedOnRead(raw));
}

/** The raw record behind an event record: taken back from an emulated one, decoded from base64 otherwise. */
export function rawOf(record: MskRecord): RawRecord {
  return (record as Partial<EncodedOnRead>)[RAW] ?? fromMskRecord(record);
}
