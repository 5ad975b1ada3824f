/**
 * The local on-failure destination. Where the event source mapping gives up on records (retries exhausted in
 * report-batch-item-failures mode, or a record too large for any invocation) it writes an invocation record to the
 * mapping's on-failure destination; infra/ gives every handler an S3 bucket. Locally the same JSON document goes
 * to a file, one per discarded batch, so a developer can read it and replay its records. Shape:
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure.html (the S3 form: the metadata plus `payload`,
 * the invocation's event as a JSON string).
 */
import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RawRecord } from '../kafka/records';
import type { EventSource } from './event-payload';

/** Why records went there; the schema registry's two are the reason codes Lambda gives them. */
export type OnFailureCondition =
  'RetryAttemptsExhausted' | 'MaximumPayloadSizeExceeded' | 'SCHEMA_NOT_FOUND' | 'DESERIALIZATION_ERROR';

export interface InvocationRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: OnFailureCondition;
    approximateInvokeCount: number;
  };
  /** Null when the function was never invoked (MaximumPayloadSizeExceeded). */
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
  /** The event they would have made, when never invoked. */
  payload?: string;
}

const iso = (epochMs: number): string => new Date(epochMs).toISOString();

export function invocationRecord(batch: DiscardedBatch, now = new Date()): InvocationRecord {
  const first = batch.records[0]!;
  const last = batch.records[batch.records.length - 1]!;
  const payload = batch.invocation?.payload ?? batch.payload ?? '';
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

/** A directory per function; a file per discarded batch, named so a listing sorts by time. */
export class OnFailureDirectory {
  constructor(readonly dir: string) {}

  async write(functionName: string, record: InvocationRecord): Promise<string> {
    const [tp, info] = Object.entries(record.KafkaBatchInfo.recordsInfo)[0]!;
    const folder = join(this.dir, functionName);
    await mkdir(folder, { recursive: true });
    const stamp = record.timestamp.replace(/[:.]/g, '-');
    const file = join(folder, `${stamp}-${tp}-${info.firstRecordOffset}-${info.lastRecordOffset}.json`);
    await writeFile(file, JSON.stringify(record, null, 2) + '\n');
    return file;
  }
}
