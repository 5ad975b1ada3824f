/** The public API: declare topics and handlers, run them on Lambda, publish typed records, test handlers. */
export { defineTopic, defineTopicFamily, topicsOf } from './topic';
export type {
  Topic,
  TopicFamily,
  TopicConfig,
  TopicSource,
  KeyOf,
  ValueOf,
  TopicOptions,
  TopicFamilyOptions,
} from './topic';
export { defineHandler, defaultDeadLetterName } from './handler';
export type {
  HandlerDefinition,
  HandlerOptions,
  HandlerContext,
  KafkaRecord,
  Logger,
  StartingPosition,
  Concurrency,
  RetryPolicy,
  FailureMode,
  LambdaHandler,
} from './handler';
export { lambdaHandler, invokeHandler } from './adapter';
export type { AdapterOptions } from './adapter';
export { jsonCodec } from './codec';
export type { Codec } from './codec';
export type { ValueFilter, Matcher } from './filter';
export type { MskEvent, MskRecord, MskBatchResponse } from './msk-event';
export type { PublishOptions } from './publish';
export { InvalidRecordError } from './publish';
export { DeclarationError, PermanentRecordError } from './errors';
export { partitionForKey, murmur2 } from './partitioner';
export { DLQ_HEADER, readDeadLetter } from './dead-letter';
export type { DeadLetterInfo } from './dead-letter';
export type { Schema, Infer } from './schema';
