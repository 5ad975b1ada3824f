/**
 * Records a handler's event source mappings sent to a Kafka on-failure destination, read back as entries of its
 * dead-letter listing (the console's dead-letters page, `dlq list`, and so `dlq replay`): the destination record's
 * value is the invocation record AWS writes, its payload the event of the one record it stands for.
 */
import type { HandlerPlan } from '../declarations/app-plan';
import type { RawRecord } from '../kafka/records';
import type { DeadLetterInfo } from '../lambda/dead-letter';
import { fromMskRecord, type MskEvent } from '../lambda/msk-event';
import type { InvocationRecord } from './on-failure';

/** A listed failure: the function's dead letter, or a record the mapping gave up on (`on-failure`). */
export type LetterInfo = Omit<DeadLetterInfo, 'kind'> & { kind: DeadLetterInfo['kind'] | 'on-failure' };

/** The topic the handler's mappings send what they give up on, when it is a Kafka topic. */
export function onFailureTopicOf(handler: Pick<HandlerPlan, 'onFailure'>): string | undefined {
  const destination = handler.onFailure;
  return typeof destination === 'object' ? destination.topic : undefined;
}

/**
 * The listing entry of one destination record, or undefined when it is not this handler's (a destination topic
 * may serve several handlers) or not an invocation record.
 */
export function onFailureLetter(
  letter: RawRecord,
  handler: Pick<HandlerPlan, 'name' | 'group' | 'eventSources'>,
): { info: LetterInfo; original: RawRecord } | undefined {
  let document: InvocationRecord;
  let event: MskEvent;
  try {
    document = JSON.parse(letter.value?.toString('utf8') ?? '') as InvocationRecord;
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
      group: handler.eventSources.find((s) => s.topic === record.topic)?.consumerGroupId ?? handler.group,
      attempts: approximateInvokeCount,
      kind: 'on-failure',
      error: functionError ? `${condition} (function error: ${functionError})` : condition,
      failedAt: new Date(document.timestamp),
    },
    original: fromMskRecord(record),
  };
}
