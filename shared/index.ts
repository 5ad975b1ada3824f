/** The public API: declare topics and handlers, run them on Lambda, publish typed records, test handlers. */
export { defineTopic, defineTopicFamily, topicsOf } from './declarations/topic';
export type {
  Topic,
  TopicFamily,
  TopicConfig,
  TopicSource,
  KeyOf,
  ValueOf,
  TopicOptions,
  TopicFamilyOptions,
} from './declarations/topic';
export { defineTable } from './declarations/table';
export type { Table, TableOptions, ItemKey } from './declarations/table';
export type { TableClient, WriteResult, FoldResult, QueryOptions } from './state/table-client';
export type { ItemUpdate } from './state/update';
export { FenceKeyError } from './state/fence';
export { ItemSizeError, MAX_ITEM_BYTES } from './state/item-size';
export { defineHandler, defaultDeadLetterName } from './declarations/handler';
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
  LambdaContext,
  DeployOptions,
} from './declarations/handler';
export { lambdaHandler, invokeHandler } from './lambda/adapter';
export type { AdapterOptions } from './lambda/adapter';
export { addInvocationHook } from './lambda/invocation-report';
export type {
  InvocationHook,
  InvocationObserver,
  InvocationReport,
  InvocationStart,
  RecordScope,
  TopicTally,
} from './lambda/invocation-report';
export { METRICS_NAMESPACE, METRIC } from './observability/emf';
export type { EmfDocument } from './observability/emf';
export { jsonCodec } from './declarations/codec';
export type { Codec } from './declarations/codec';
export type { ValueFilter, Matcher } from './declarations/filter';
export type { MskEvent, MskRecord, MskBatchResponse } from './lambda/msk-event';
export type { PublishOptions } from './kafka/publish';
export {
  KafkaLambdaError,
  DeclarationError,
  PermanentRecordError,
  DecodeError,
  SchemaError,
  InvalidRecordError,
  PublishError,
  DeadLetterWriteError,
  TableError,
} from './errors';
export { partitionForKey, murmur2 } from './kafka/partitioner';
export { DLQ_HEADER, readDeadLetter } from './lambda/dead-letter';
export type { DeadLetterInfo } from './lambda/dead-letter';
export type { Schema, Infer } from './declarations/schema';
export type { SchemaFormat } from './schemas/format';
export type { Compatibility } from './schemas/compatibility-mode';
export type { RecordFormat } from './declarations/handler';
