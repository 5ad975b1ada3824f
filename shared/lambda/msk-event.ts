/**
 * The event an MSK (or self-managed Kafka) event source mapping sends to Lambda, and the conversions between it
 * and raw Kafka records. The emulator builds its events from the same rules (shared/emulator/event-payload.ts),
 * and the test kit builds them here, so the adapter sees the same JSON locally as on AWS.
 * Facts behind each rule: https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html and README.md, "How the
 * emulator matches the event source mapping".
 */
import type { RawRecord, SchemaMetadata } from '../kafka/records';

export type { RawRecord } from '../kafka/records';

/**
 * One header as Lambda sends it: `{ [name]: byte values }`. A header whose value is null arrives as `{}`: the
 * mapping drops the name with the value.
 */
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
  /**
   * With a schema registry on the mapping (SchemaRegistryConfig), the schema of a validated key or value: its
   * format (`AVRO`, `PROTOBUF`, `JSON`) and the registry's id for the version it was written with.
   */
  keySchemaMetadata?: SchemaMetadata;
  valueSchemaMetadata?: SchemaMetadata;
}

export type { SchemaMetadata } from '../kafka/records';

export interface MskEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  /** The cluster's ARN; absent for self-managed Kafka. */
  eventSourceArn?: string;
  /** Comma-separated bootstrap servers. */
  bootstrapServers?: string;
  /** Records grouped by `"<topic>-<partition>"`, each list in offset order. */
  records: Record<string, MskRecord[]>;
}

/** The ReportBatchItemFailures response: where each failed partition resumes. */
export interface MskBatchResponse {
  batchItemFailures: { itemIdentifier: { partition: string; offset: number } }[];
}

export function partitionKey(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Longer values are decoded through a Buffer: `String.fromCharCode` spreads its bytes as arguments. */
const SHORT_HEADER = 4096;

/**
 * A header value of the event (byte values) as text, decoded as UTF-8. An ASCII value (a trace id, most header
 * values) is made straight from its bytes: `Buffer.from` of a plain array costs over a microsecond, more than
 * decoding the rest of the record, and every record the framework writes carries a `traceparent`.
 */
export function headerText(bytes: readonly number[]): string {
  const n = bytes.length;
  if (n <= SHORT_HEADER) {
    let ascii = true;
    for (let i = 0; i < n; i++)
      if ((bytes[i]! & 0x80) !== 0) {
        ascii = false;
        break;
      }
    if (ascii) return String.fromCharCode.apply(null, bytes as number[]);
  }
  return Buffer.from(bytes).toString('utf8');
}

/** Headers as the event source sends them: one object per header, in record order, `{}` for a null value. */
export function mskHeadersOf(headers: RawRecord['headers']): MskHeader[] {
  return headers.map(({ key, value }) => (value === null ? {} : { [key]: [...value] }));
}

/** A record with its key and value already in base64 (`undefined` when null), in the event's shape. */
export function mskRecordOf(
  raw: Omit<RawRecord, 'key' | 'value' | 'headers'>,
  key: string | undefined,
  value: string | undefined,
  headers: MskHeader[],
): MskRecord {
  // Keys in the order of AWS's example event; key and value absent, not null, when null. Assigned one by one
  // rather than spread: this runs for every record of every event.
  const record = {
    topic: raw.topic,
    partition: raw.partition,
    offset: raw.offset,
    timestamp: raw.timestamp,
    timestampType: raw.timestampType,
  } as MskRecord;
  if (key !== undefined) record.key = key;
  if (value !== undefined) record.value = value;
  record.headers = headers;
  const metadata = raw.schemaMetadata;
  if (metadata?.key) record.keySchemaMetadata = schemaMetadataOf(metadata.key);
  if (metadata?.value) record.valueSchemaMetadata = schemaMetadataOf(metadata.value);
  return record;
}

/** Keys in the order of AWS's example events: schemaId, then dataFormat. */
const schemaMetadataOf = (m: SchemaMetadata): SchemaMetadata => ({
  schemaId: m.schemaId,
  dataFormat: m.dataFormat,
});

export function toMskRecord(raw: RawRecord): MskRecord {
  return mskRecordOf(
    raw,
    raw.key === null ? undefined : raw.key.toString('base64'),
    raw.value === null ? undefined : raw.value.toString('base64'),
    mskHeadersOf(raw.headers),
  );
}

/** The raw record behind an event record (base64 decoded); tolerates `null` where the event omits a field. */
export function fromMskRecord(record: MskRecord): RawRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    timestampType: record.timestampType === 'LOG_APPEND_TIME' ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    key: record.key === undefined || record.key === null ? null : Buffer.from(record.key, 'base64'),
    value: record.value === undefined || record.value === null ? null : Buffer.from(record.value, 'base64'),
    headers: record.headers?.length ? headersOf(record.headers) : [],
    ...((record.keySchemaMetadata || record.valueSchemaMetadata) && {
      schemaMetadata: {
        ...(record.keySchemaMetadata && { key: record.keySchemaMetadata }),
        ...(record.valueSchemaMetadata && { value: record.valueSchemaMetadata }),
      },
    }),
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
  source: Pick<MskEvent, 'eventSourceArn' | 'bootstrapServers'> = {},
): MskEvent {
  const grouped: Record<string, MskRecord[]> = {};
  for (const raw of records) (grouped[partitionKey(raw.topic, raw.partition)] ??= []).push(toMskRecord(raw));
  for (const list of Object.values(grouped)) list.sort((a, b) => a.offset - b.offset);
  return mskEventOf(grouped, source);
}

/** The event around records already grouped by partition. */
export function mskEventOf(
  grouped: Record<string, MskRecord[]>,
  source: Pick<MskEvent, 'eventSourceArn' | 'bootstrapServers'>,
): MskEvent {
  return {
    eventSource: 'aws:kafka',
    ...(source.eventSourceArn !== undefined && { eventSourceArn: source.eventSourceArn }),
    ...(source.bootstrapServers !== undefined && { bootstrapServers: source.bootstrapServers }),
    records: grouped,
  };
}
