/**
 * The local on-failure destinations. Where the event source mapping gives up on records (retries exhausted in
 * report-batch-item-failures mode, a record older than the maximum record age, or a record too large for any
 * invocation) it writes an invocation record to the mapping's on-failure destination. Shape:
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html (the S3 form: the metadata plus `payload`,
 * the invocation's event as a JSON string).
 *
 * - An S3 bucket (infra's default for every such handler): locally the same JSON document goes to a file, one per
 *   discarded batch, so a developer can read it and replay its records.
 * - A Kafka topic on the same cluster ("Using a Kafka topic as an on-failure destination"): the mapping produces
 *   the failed records themselves with their failure metadata, one Kafka record per failed record, keyed as the
 *   original, its value the invocation record whose payload is the event of that record alone.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawRecord } from '../kafka/records';
import type { EventSource } from './event-payload';

/**
 * Why records went there: the schema registry's two are the reason codes Lambda gives them; RecordAgeExceeded is
 * the name LocalStack's event source mappings write (AWS's pages show RetryAttemptsExhausted only).
 */
export type OnFailureCondition =
  | 'RetryAttemptsExhausted'
  | 'MaximumPayloadSizeExceeded'
  | 'RecordAgeExceeded'
  | 'SCHEMA_NOT_FOUND'
  | 'DESERIALIZATION_ERROR';

export interface InvocationRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: OnFailureCondition;
    approximateInvokeCount: number;
  };
  /** Null when the function was never invoked (MaximumPayloadSizeExceeded, RecordAgeExceeded). */
  responseContext: { statusCode: number; executedVersion: string; functionError?: 'Unhandled' } | null;
  version: '1.0';
  timestamp: string;
  KafkaBatchInfo: {
    batchSize: number;
    eventSourceArn: string;
    bootstrapServers: string;
    payloadSize: number;
    recordsInfo: Record<
      string,
      {
        firstRecordOffset: string;
        lastRecordOffset: string;
        firstRecordTimestamp: string;
        lastRecordTimestamp: string;
      }
    >;
  };
  /** The event of the invocation (or the one the record would have made), as JSON text. */
  payload: string;
}

export interface DiscardedBatch {
  condition: OnFailureCondition;
  functionArn: string;
  source: EventSource;
  /** The records given up on, one partition's, in offset order. */
  records: readonly RawRecord[];
  /** The last invocation that carried them, if any. */
  invocation?: {
    requestId: string;
    attempts: number;
    functionError: boolean;
    payload: string;
    batchSize: number;
  };
  /** The event JSON text records make (when never invoked, and a Kafka destination's one-record payloads). */
  eventOf: (records: readonly RawRecord[]) => string;
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** The invocation record of a discarded batch: its records, and the invocation's event as the payload. */
export function invocationRecord(batch: DiscardedBatch, now = new Date()): InvocationRecord {
  return documentOf(batch, batch.records, batch.invocation?.payload ?? batch.eventOf(batch.records), now);
}

/** One record's invocation record, as a Kafka destination receives it: the payload is that record's event alone. */
export function recordInvocationRecord(
  batch: DiscardedBatch,
  record: RawRecord,
  now = new Date(),
): InvocationRecord {
  return documentOf(batch, [record], batch.eventOf([record]), now);
}

function documentOf(
  batch: DiscardedBatch,
  records: readonly RawRecord[],
  payload: string,
  now: Date,
): InvocationRecord {
  const first = records[0]!;
  const last = records[records.length - 1]!;
  return {
    requestContext: {
      requestId: batch.invocation?.requestId ?? randomUUID(),
      functionArn: batch.functionArn,
      condition: batch.condition,
      approximateInvokeCount: batch.invocation?.attempts ?? 0,
    },
    responseContext: batch.invocation
      ? {
          statusCode: 200,
          executedVersion: '$LATEST',
          ...(batch.invocation.functionError && { functionError: 'Unhandled' as const }),
        }
      : null,
    version: '1.0',
    timestamp: now.toISOString(),
    KafkaBatchInfo: {
      batchSize: batch.invocation?.batchSize ?? batch.records.length,
      eventSourceArn: batch.source.eventSourceArn,
      bootstrapServers: batch.source.bootstrapServers,
      payloadSize: Buffer.byteLength(payload),
      recordsInfo: {
        [`${first.topic}-${first.partition}`]: {
          firstRecordOffset: String(first.offset),
          lastRecordOffset: String(last.offset),
          firstRecordTimestamp: iso(first.timestamp),
          lastRecordTimestamp: iso(last.timestamp),
        },
      },
    },
    payload,
  };
}

/** Where the mapping sends what it gives up on. A write that fails rejects: the batch is delivered again. */
export interface OnFailureDestination {
  /** Says where the batch went, for the log. */
  write(functionName: string, batch: DiscardedBatch): Promise<string>;
}

/** The S3 destination, locally: a directory per function; a file per discarded batch, named to sort by time. */
export class OnFailureDirectory implements OnFailureDestination {
  constructor(readonly dir: string) {}

  async write(functionName: string, batch: DiscardedBatch): Promise<string> {
    const record = invocationRecord(batch);
    const [tp, info] = Object.entries(record.KafkaBatchInfo.recordsInfo)[0]!;
    const folder = join(this.dir, functionName);
    await mkdir(folder, { recursive: true });
    const stamp = record.timestamp.replace(/[:.]/g, '-');
    const file = join(folder, `${stamp}-${tp}-${info.firstRecordOffset}-${info.lastRecordOffset}.json`);
    await writeFile(file, JSON.stringify(record, null, 2) + '\n');
    return file;
  }
}

/** Produces records to a topic (acknowledged by all in-sync replicas); bound to the cluster's client by the caller. */
export type SendRecords = (
  topic: string,
  records: readonly { key: Buffer | null; value: string }[],
) => Promise<void>;

/** A Kafka topic destination: one record per failed record, keyed as the original. */
export class OnFailureTopic implements OnFailureDestination {
  constructor(
    readonly topic: string,
    private readonly send: SendRecords,
  ) {}

  async write(_functionName: string, batch: DiscardedBatch): Promise<string> {
    const now = new Date();
    await this.send(
      this.topic,
      batch.records.map((record) => ({
        key: record.key,
        value: JSON.stringify(recordInvocationRecord(batch, record, now)),
      })),
    );
    return `kafka://${this.topic}`;
  }
}
