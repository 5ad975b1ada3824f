/**
 * Records a handler's event source mappings sent to a Kafka on-failure destination (`onFailure: { topic }`), read
 * back as entries of its dead-letter listing (`dlq list`, the console, replay): the destination record's value is
 * the invocation record the mapping writes, its payload the event of the one record it stands for.
 */
import type { RawRecord } from '../kafka/records';
import { fromMskRecord, type MskEvent } from '../lambda/msk-event';
import type { HandlerRef } from './app';
import type { LetterInfo } from './protocol';

/** What the listing reads of an invocation record (shared/emulator/on-failure.ts writes the whole document). */
interface InvocationRecordRead {
  requestContext: { functionArn: string; condition: string; approximateInvokeCount: number };
  responseContext: { functionError?: string } | null;
  timestamp: string;
  payload: string;
}

/**
 * The listing entry of one destination record, or undefined when it is not this handler's (a destination topic
 * may serve several handlers) or not an invocation record.
 */
export function onFailureLetter(
  letter: RawRecord,
  handler: Pick<HandlerRef, 'name' | 'group' | 'eventSources'>,
): { info: LetterInfo; original: RawRecord } | undefined {
  let document: InvocationRecordRead;
  let event: MskEvent;
  try {
    document = JSON.parse(letter.value?.toString('utf8') ?? '') as InvocationRecordRead;
    if (!document.requestContext.functionArn.endsWith(`:function:${handler.name}`)) return undefined;
    event = JSON.parse(document.payload) as MskEvent;
  } catch {
    return undefined; // not written by an event source mapping
  }
  const record = Object.values(event.records ?? {}).flat()[0];
  if (!record) return undefined;
  const { condition, approximateInvokeCount } = document.requestContext;
  const functionError = document.responseContext?.functionError;
  return {
    info: {
      source: { topic: record.topic, partition: record.partition, offset: record.offset },
      handler: handler.name,
      group: handler.eventSources.find((s) => s.topic === record.topic)?.group ?? handler.group,
      attempts: approximateInvokeCount,
      kind: 'on-failure',
      error: functionError ? `${condition} (function error: ${functionError})` : condition,
      failedAt: new Date(document.timestamp),
    },
    original: fromMskRecord(record),
  };
}
