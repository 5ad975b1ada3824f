import { DeclarationError } from '../errors';
import { checkEnvironment } from './environment';
import type { ValueFilter } from './filter';
import type { MskBatchResponse, MskEvent } from '../lambda/msk-event';
import type { PublishOptions } from '../kafka/publish';
import type { TableClient } from '../state/table-client';
import type { AnyTable, ItemOf, KeyAttributesOf } from './table';
import {
  assertTopicName,
  topicsOf,
  type AnyTopic,
  type AnyTopicSource,
  type Topic,
  type TopicFamily,
  type ValueOf,
} from './topic';

/** A decoded, validated record as a handler receives it. */
export interface KafkaRecord<T> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: Date;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key: string | null;
  readonly value: T;
  /** Headers decoded as UTF-8; on a repeated name the last one wins. */
  readonly headers: Readonly<Record<string, string>>;
  /** Every value of each header, decoded as UTF-8, in record order: a repeated name (`baggage`) keeps them all. */
  readonly headerValues: Readonly<Record<string, readonly string[]>>;
}

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

/** Topics a handler may publish to: a declared topic, or any member of a declared family. */
export type PublishTarget<P> = P extends TopicFamily<infer T> ? Topic<T> : P;

export interface HandlerContext<P extends AnyTopicSource = never, D extends AnyTable = never> {
  readonly handler: string;
  readonly group: string;
  readonly log: Logger;
  /** Publishes a typed record to one of the handler's declared `publishes` topics; resolves once acknowledged. */
  publish<Tp extends PublishTarget<P>>(
    topic: Tp,
    value: ValueOf<Tp>,
    options?: PublishOptions,
  ): Promise<void>;
  /** The typed client of one of the handler's declared `tables`. */
  table<Tb extends D>(table: Tb): TableClient<ItemOf<Tb>, KeyAttributesOf<Tb>>;
}

export type StartingPosition = 'earliest' | 'latest' | { timestamp: Date | number };

export type Concurrency =
  /** Records of a partition one at a time, in offset order (the default). */
  | 'partition'
  /** Records of different keys in parallel, records of one key strictly in order. */
  | { by: 'key'; maxInFlight?: number };

export interface RetryPolicy {
  /**
   * Tries in all, the first included. In `dead-letter` mode the function itself retries a failing record with
   * backoff (at most 100 tries), then dead-letters it. In `report-batch-item-failures` mode the event source
   * mapping delivers the partition again from the failed record (MaximumRetryAttempts = attempts - 1, so 1 to
   * 10,001), then sends the records to the on-failure destination; `'unlimited'` leaves MaximumRetryAttempts at
   * -1, which AWS caps at 10 retries (11 deliveries) because these mappings always have a destination.
   * @default 3
   */
  attempts?: number | 'unlimited';
  /**
   * Exponential backoff with full jitter between in-function tries: a random wait up to
   * min(maxMs, initialMs * multiplier^(n-1)).
   * @default { initialMs: 100, maxMs: 5000, multiplier: 2 }
   */
  backoff?: { initialMs?: number; maxMs?: number; multiplier?: number };
  /**
   * `report-batch-item-failures` only: records older than this (seconds since their timestamp, 60-604,800) go to
   * the on-failure destination without an invocation (MaximumRecordAgeInSeconds).
   * @default 'unlimited'
   */
  maxRecordAgeSeconds?: number | 'unlimited';
  /**
   * `report-batch-item-failures` only: when an invocation fails, split the batch in two and retry each half, so a
   * record that fails every time ends up alone (BisectBatchOnFunctionError).
   * @default false
   */
  bisectOnError?: boolean;
}

/**
 * How the event source mapping delivers keys and values of registry topics (SchemaRegistryConfig's
 * EventRecordFormat): `JSON`, decoded by the mapping as JSON text; `SOURCE`, the bytes as written less the
 * registry's header. Either way the record carries `valueSchemaMetadata` (and `keySchemaMetadata`).
 */
export type RecordFormat = 'JSON' | 'SOURCE';

/** Where the event source mapping sends records it gives up on (`report-batch-item-failures` mode). */
export type OnFailureDestination =
  /** The handler's own S3 bucket: one JSON document per discarded batch (infra/ creates it). */
  | 's3'
  /** A Kafka topic on the same cluster (`kafka://<topic>`): one record per failed record, keyed as the original. */
  | { topic: string };

export type FailureMode =
  /** In-function retries, then the failed record goes to its dead-letter topic and the batch succeeds. */
  | 'dead-letter'
  /** Failed partitions are reported (ReportBatchItemFailures) so the event source mapping retries from there. */
  | 'report-batch-item-failures';

/** How the function runs, on Lambda and in the emulator alike. */
export interface DeployOptions {
  /**
   * Function memory in MB (128-10240); the emulator caps the handler's heap at it.
   * @default 512
   */
  memoryMb?: number;
  /**
   * Invocation timeout in seconds. Kafka event source mappings accept functions of at most 14 minutes (840 s).
   * @default 60
   */
  timeoutSeconds?: number;
  /**
   * Reserved concurrency; unset leaves the function in the account's unreserved pool.
   * @default - none
   */
  reservedConcurrency?: number;
  /**
   * Environment variables the function gets, deployed and emulated; names as Lambda allows (a letter, then
   * letters, digits and `_`), not one Lambda or the framework reserves.
   * @default - none
   */
  environment?: Readonly<Record<string, string>>;
  /**
   * Deployed with the AWS Distro for OpenTelemetry Lambda layer, which registers an OpenTelemetry SDK before the
   * handler loads: its records' `process` spans and its publishes' spans are then recorded and exported (README,
   * "Observing a deployed stack"). Locally the emulator records every handler's spans either way.
   * @default false
   */
  tracing?: boolean;
}

/** The deploy settings with every default applied. */
export interface DeploySettings {
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency: number | undefined;
  readonly environment: Readonly<Record<string, string>>;
  readonly tracing: boolean;
}

/** Every default of a handler declaration, in one place: the settled declaration is filled from here alone. */
export const HANDLER_DEFAULTS = {
  batchSize: 100,
  startingPosition: 'latest',
  concurrency: 'partition',
  maxInFlight: 16,
  retry: { attempts: 3, initialMs: 100, maxMs: 5000, multiplier: 2, maxRecordAgeSeconds: 'unlimited' },
  failureMode: 'dead-letter',
  onFailure: 's3',
  deploy: { memoryMb: 512, timeoutSeconds: 60, tracing: false },
  recordFormat: 'JSON',
} as const;

/** Kafka event source mappings only take functions with a timeout of at most 14 minutes. */
const MAX_KAFKA_TIMEOUT_SECONDS = 14 * 60;

interface CommonOptions<S extends AnyTopicSource, P extends AnyTopicSource, D extends AnyTable> {
  /** Names the function and, unless `group` is given, the consumer group. Lowercase, digits and dashes. */
  name: string;
  /**
   * The consumer group of the event source mapping (`<group>.<topic>` per topic for a handler over several).
   * @default - the handler's name
   */
  group?: string;
  /** The topics (or topic families) it reads; one event source mapping per concrete topic. */
  topics: readonly S[];
  /**
   * Topics the handler may publish to through `ctx.publish` (its IAM grants follow).
   * @default - none
   */
  publishes?: readonly P[];
  /**
   * DynamoDB tables the handler uses through `ctx.table(...)` (its IAM grants and environment follow). Fenced
   * writes need every source topic keyed, and each item keyed by its records' key (README, "Tables").
   * @default - none
   */
  tables?: readonly D[];
  /**
   * Up to `size` records (1-10,000) per invocation, waiting up to `windowSeconds` (whole seconds, 0-300) to fill.
   * @default { size: 100 } and no window: the emulator waits 500 ms, as the mapping does for Kafka
   */
  batch?: { size?: number; windowSeconds?: number };
  /**
   * Where a new consumer group starts.
   * @default 'latest'
   */
  startingPosition?: StartingPosition;
  /**
   * A Lambda event filter on the record's value, pushed down to the event source mapping and applied alike by the
   * emulator: an object of fields for JSON values, or a list of rules for plain-string values. Records that do not
   * match are committed without reaching the handler.
   * @default - every record
   */
  filter?: ValueFilter;
  /**
   * How records of one invocation run.
   * @default 'partition' (in offset order; `{ by: 'key' }` defaults maxInFlight to 16)
   */
  concurrency?: Concurrency;
  /** @default { attempts: 3, backoff: { initialMs: 100, maxMs: 5000, multiplier: 2 } } */
  retry?: RetryPolicy;
  /**
   * Where records that fail for good go. `false`: no dead-letter topic.
   * @default - a Kafka topic per source topic, `<topic>.<group>.dlq`
   */
  deadLetter?: false | { topicName?: (sourceTopic: string, group: string) => string };
  /** @default 'dead-letter' */
  failureMode?: FailureMode;
  /**
   * `report-batch-item-failures` only: where the event source mapping sends records it gives up on (retries
   * exhausted, too old, too large for any invocation). Not one of the handler's source topics (AWS refuses it).
   * @default 's3'
   */
  onFailure?: OnFailureDestination;
  /** @default { memoryMb: 512, timeoutSeconds: 60 } */
  deploy?: DeployOptions;
  /**
   * How the event source mapping hands over keys and values of registry topics (Avro, Protobuf), which it reads
   * through the schema registry (SchemaRegistryConfig's EventRecordFormat): `JSON`, decoded by the mapping with
   * the version each record was written with; `SOURCE`, the bytes as written less the registry's header, decoded
   * here. Handlers get the same typed values either way.
   * @default 'JSON'
   */
  recordFormat?: RecordFormat;
}

export type RecordFn<S extends AnyTopicSource, P extends AnyTopicSource, D extends AnyTable = never> = (
  record: KafkaRecord<ValueOf<S>>,
  ctx: HandlerContext<P, D>,
) => Promise<void> | void;

export type BatchFn<S extends AnyTopicSource, P extends AnyTopicSource, D extends AnyTable = never> = (
  records: readonly KafkaRecord<ValueOf<S>>[],
  ctx: HandlerContext<P, D>,
) => Promise<void> | void;

export type HandlerOptions<
  S extends AnyTopicSource,
  P extends AnyTopicSource,
  D extends AnyTable = never,
> = CommonOptions<S, P, D> &
  ({ handle: RecordFn<S, P, D>; handleBatch?: never } | { handleBatch: BatchFn<S, P, D>; handle?: never });

/** The settled declaration: every default applied, read by the adapter, the emulator and infra alike. */
export interface HandlerSpec {
  readonly name: string;
  readonly group: string;
  readonly sources: readonly AnyTopicSource[];
  readonly topics: readonly AnyTopic[];
  readonly publishes: readonly AnyTopicSource[];
  readonly tables: readonly AnyTable[];
  readonly batch: { readonly size: number; readonly windowSeconds: number | undefined };
  readonly startingPosition: StartingPosition;
  readonly filter: ValueFilter | undefined;
  readonly concurrency:
    { readonly mode: 'partition' } | { readonly mode: 'key'; readonly maxInFlight: number };
  readonly retry: {
    readonly attempts: number | 'unlimited';
    readonly initialMs: number;
    readonly maxMs: number;
    readonly multiplier: number;
    readonly maxRecordAgeSeconds: number | 'unlimited';
    readonly bisectOnError: boolean;
  };
  readonly deadLetter: false | { readonly topicName: (sourceTopic: string, group: string) => string };
  readonly failureMode: FailureMode;
  /** Where the mapping sends what it gives up on; undefined in `dead-letter` mode (the function dead-letters). */
  readonly onFailure: OnFailureDestination | undefined;
  readonly deploy: DeploySettings;
  readonly recordFormat: RecordFormat;
}

export interface HandlerDefinition<
  S extends AnyTopicSource = AnyTopicSource,
  P extends AnyTopicSource = AnyTopicSource,
  D extends AnyTable = AnyTable,
> extends HandlerSpec {
  readonly kind: 'handler';
  readonly handle?: RecordFn<S, P, D>;
  readonly handleBatch?: BatchFn<S, P, D>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- variance: any handler, whatever its types
export type AnyHandlerDefinition = HandlerDefinition<any, any, any>;

const HANDLER_NAME = /^[a-z][a-z0-9-]{0,47}$/;

function checkInt(what: string, field: string, value: number, max = Number.MAX_SAFE_INTEGER, min = 1): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new DeclarationError(what, `${field} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

function checkDeploy(what: string, deploy: DeploySettings): void {
  checkInt(what, 'deploy.memoryMb', deploy.memoryMb, 10240, 128);
  checkInt(what, 'deploy.timeoutSeconds', deploy.timeoutSeconds, MAX_KAFKA_TIMEOUT_SECONDS);
  if (deploy.reservedConcurrency !== undefined)
    checkInt(what, 'deploy.reservedConcurrency', deploy.reservedConcurrency, 1000);
  checkEnvironment(what, deploy.environment);
  if (typeof deploy.tracing !== 'boolean')
    throw new DeclarationError(what, `deploy.tracing must be true or false, got ${String(deploy.tracing)}`);
}

/**
 * A handler's tables, refused at load when its writes could not be applied once: fences rely on one key's records
 * being ordered on one partition, which an unkeyed source topic does not give.
 */
function checkTables(what: string, topics: readonly AnyTopic[], tables: readonly AnyTable[]): void {
  const names = new Set<string>();
  for (const table of tables) {
    if (table?.kind !== 'table')
      throw new DeclarationError(what, 'tables must list table declarations (defineTable)');
    if (names.has(table.name)) throw new DeclarationError(what, `table "${table.name}" is listed twice`);
    names.add(table.name);
  }
  const unkeyed = tables.length > 0 && topics.find((t) => t.keyOf === null && t.keySchema === undefined);
  if (unkeyed) {
    throw new DeclarationError(
      what,
      `tables: source topic "${unkeyed.name}" is unkeyed, so one item's records may land on any partition and no fence can apply them once; declare its key`,
    );
  }
}

/** The event source mapping's bounds (AWS::Lambda::EventSourceMapping): MaximumRetryAttempts 0-10,000. */
const MAX_MAPPING_RETRIES = 10_000;
const RECORD_AGE_SECONDS = { min: 60, max: 604_800 } as const;

/**
 * Retries and the mapping's error-handling controls. Record age, bisection and an on-failure destination exist only
 * where the mapping reads the function's answer (report-batch-item-failures); in dead-letter mode the function
 * retries and dead-letters by itself, so they would never act and are refused rather than ignored.
 */
function checkFailureHandling(what: string, spec: HandlerSpec, options: AnyHandlerOptions): void {
  const { retry, failureMode } = spec;
  const report = failureMode === 'report-batch-item-failures';
  if (failureMode !== 'dead-letter' && !report)
    throw new DeclarationError(
      what,
      `failureMode must be 'dead-letter' or 'report-batch-item-failures', got ${String(failureMode)}`,
    );
  if (retry.attempts !== 'unlimited' || !report)
    checkInt(what, 'retry.attempts', retry.attempts as number, report ? MAX_MAPPING_RETRIES + 1 : 100);
  const modeOnly = (field: string): never => {
    throw new DeclarationError(
      what,
      `${field} is an event source mapping control, read only in failureMode 'report-batch-item-failures' (in 'dead-letter' mode the function retries and dead-letters itself)`,
    );
  };
  if (!report) {
    if (options.retry?.maxRecordAgeSeconds !== undefined) modeOnly('retry.maxRecordAgeSeconds');
    if (options.retry?.bisectOnError !== undefined) modeOnly('retry.bisectOnError');
    if (options.onFailure !== undefined) modeOnly('onFailure');
    return;
  }
  if (retry.maxRecordAgeSeconds !== 'unlimited')
    checkInt(
      what,
      'retry.maxRecordAgeSeconds',
      retry.maxRecordAgeSeconds,
      RECORD_AGE_SECONDS.max,
      RECORD_AGE_SECONDS.min,
    );
  if (typeof retry.bisectOnError !== 'boolean')
    throw new DeclarationError(
      what,
      `retry.bisectOnError must be true or false, got ${String(retry.bisectOnError)}`,
    );
  const destination = spec.onFailure;
  if (destination === 's3') return;
  if (typeof destination !== 'object' || destination === null || typeof destination.topic !== 'string')
    throw new DeclarationError(what, `onFailure must be 's3' or { topic: '<topic name>' }`);
  assertTopicName(destination.topic, `${what}: onFailure.topic "${destination.topic}"`);
  if (spec.topics.some((t) => t.name === destination.topic))
    throw new DeclarationError(
      what,
      `onFailure.topic "${destination.topic}" is one of its source topics; Lambda refuses a destination that is its own source`,
    );
}

type AnyHandlerOptions = HandlerOptions<AnyTopicSource, AnyTopicSource, AnyTable>;

/** Every rule a handler declaration must follow, checked on the settled declaration; each names the handler and the field. */
function checkHandler(what: string, spec: HandlerSpec, options: AnyHandlerOptions): void {
  if (!HANDLER_NAME.test(spec.name)) {
    throw new DeclarationError(what, 'name must be 1-48 of a-z, 0-9 and "-", starting with a letter');
  }
  if (spec.topics.length === 0) throw new DeclarationError(what, 'topics must name at least one topic');
  if (typeof options.handle !== 'function' && typeof options.handleBatch !== 'function') {
    throw new DeclarationError(what, 'give either handle(record, ctx) or handleBatch(records, ctx)');
  }
  if (!/^[a-zA-Z0-9._-]{1,200}$/.test(spec.group)) {
    throw new DeclarationError(
      what,
      `group "${spec.group}" must be 1-200 of a-z, A-Z, 0-9, ".", "_" and "-"`,
    );
  }
  const { windowSeconds } = spec.batch;
  if (
    windowSeconds !== undefined &&
    (!Number.isInteger(windowSeconds) || windowSeconds < 0 || windowSeconds > 300)
  ) {
    throw new DeclarationError(
      what,
      `batch.windowSeconds must be a whole number from 0 to 300, got ${windowSeconds}`,
    );
  }
  checkInt(what, 'batch.size', spec.batch.size, 10000);
  if (spec.concurrency.mode === 'key')
    checkInt(what, 'concurrency.maxInFlight', spec.concurrency.maxInFlight, 10000);
  checkFailureHandling(what, spec, options);
  const seen = new Set<string>();
  for (const t of spec.topics) {
    if (seen.has(t.name)) throw new DeclarationError(what, `topic "${t.name}" is listed twice`);
    seen.add(t.name);
  }
  checkTables(what, spec.topics, spec.tables);
  const start = spec.startingPosition;
  if (typeof start === 'object' && Number.isNaN(new Date(start.timestamp).getTime())) {
    throw new DeclarationError(what, 'startingPosition.timestamp is not a valid date');
  }
  checkDeploy(what, spec.deploy);
  if (options.recordFormat !== undefined && !['JSON', 'SOURCE'].includes(options.recordFormat))
    throw new DeclarationError(
      what,
      `recordFormat must be JSON or SOURCE, got ${String(options.recordFormat)}`,
    );
}

/** The default dead-letter topic name: `<source topic>.<group>.dlq`. */
export const defaultDeadLetterName = (sourceTopic: string, group: string): string =>
  `${sourceTopic}.${group}.dlq`;

/** The declaration with every default applied from HANDLER_DEFAULTS: what the adapter, the emulator and infra read. */
function settle(options: AnyHandlerOptions): HandlerSpec {
  const defaults = HANDLER_DEFAULTS;
  const concurrency = options.concurrency ?? defaults.concurrency;
  const retry = options.retry ?? {};
  const backoff = retry.backoff ?? {};
  const failureMode = options.failureMode ?? defaults.failureMode;
  const deploy = options.deploy ?? {};
  return {
    name: options.name,
    group: options.group ?? options.name,
    sources: Object.freeze([...options.topics]),
    topics: Object.freeze(options.topics.flatMap(topicsOf)),
    publishes: Object.freeze([...(options.publishes ?? [])]),
    tables: Object.freeze([...(options.tables ?? [])]),
    batch: { size: options.batch?.size ?? defaults.batchSize, windowSeconds: options.batch?.windowSeconds },
    startingPosition: options.startingPosition ?? defaults.startingPosition,
    filter: options.filter,
    concurrency:
      concurrency === 'partition'
        ? { mode: 'partition' }
        : { mode: 'key', maxInFlight: concurrency.maxInFlight ?? defaults.maxInFlight },
    retry: {
      attempts: retry.attempts ?? defaults.retry.attempts,
      initialMs: backoff.initialMs ?? defaults.retry.initialMs,
      maxMs: backoff.maxMs ?? defaults.retry.maxMs,
      multiplier: backoff.multiplier ?? defaults.retry.multiplier,
      maxRecordAgeSeconds: retry.maxRecordAgeSeconds ?? defaults.retry.maxRecordAgeSeconds,
      bisectOnError: retry.bisectOnError ?? false,
    },
    deadLetter:
      options.deadLetter === false
        ? false
        : { topicName: options.deadLetter?.topicName ?? defaultDeadLetterName },
    failureMode,
    onFailure:
      failureMode === 'report-batch-item-failures' ? (options.onFailure ?? defaults.onFailure) : undefined,
    deploy: Object.freeze({
      memoryMb: deploy.memoryMb ?? defaults.deploy.memoryMb,
      timeoutSeconds: deploy.timeoutSeconds ?? defaults.deploy.timeoutSeconds,
      reservedConcurrency: deploy.reservedConcurrency,
      environment: Object.freeze({ ...deploy.environment }),
      tracing: deploy.tracing ?? defaults.deploy.tracing,
    }),
    recordFormat: options.recordFormat ?? defaults.recordFormat,
  };
}

/**
 * Declares a handler: a typed function bound to topics and a consumer group, with batching, concurrency,
 * retry and dead-letter settings. Export its `.lambda` as the module's `handler` (see `lambdaHandler`).
 */
export function defineHandler<
  S extends AnyTopicSource,
  P extends AnyTopicSource = never,
  D extends AnyTable = never,
>(options: HandlerOptions<S, P, D>): HandlerDefinition<S, P, D> {
  const spec = settle(options as AnyHandlerOptions);
  // In a function bundle this is a constant (FUNCTION_BUNDLE's define, shared/declarations/bundling.ts) and the
  // checks drop out with their messages: synth and the emulator checked every declaration before bundling it.
  if (process.env.KAFKA_LAMBDA_DECLARATIONS !== 'checked')
    checkHandler(`handler "${options.name}"`, spec, options as AnyHandlerOptions);
  return Object.freeze({
    kind: 'handler' as const,
    ...spec,
    ...(options.handle && { handle: options.handle }),
    ...(options.handleBatch && { handleBatch: options.handleBatch }),
  });
}

const GROUP_ID = /^[a-zA-Z0-9\-/*:_+=.@]{1,200}$/;

/**
 * The consumer group of the event source for one topic. Lambda requires a consumer group id to be unique among
 * all Kafka event source mappings, and a mapping takes one topic, so a handler over several topics gets one
 * group per topic, `<group>.<topic>`; a single-topic handler keeps its declared group exactly. The local
 * emulator uses the same ids, so offsets mean the same thing in both places.
 */
export function consumerGroupFor(
  spec: Pick<HandlerSpec, 'name' | 'group' | 'topics'>,
  topic: string,
): string {
  const id = spec.topics.length === 1 ? spec.group : `${spec.group}.${topic}`;
  if (!GROUP_ID.test(id)) {
    throw new DeclarationError(
      `handler "${spec.name}"`,
      `consumer group id "${id}" for topic "${topic}" must be 1-200 characters of a-z, A-Z, 0-9 and -/*:_+=.@ (shorten the group or the topic name)`,
    );
  }
  return id;
}

/** One event source per topic, as MSK event source mappings take them (and as the emulator polls them). */
export function eventSourcesOf(spec: HandlerSpec): { topic: AnyTopic; group: string }[] {
  return spec.topics.map((topic) => ({ topic, group: consumerGroupFor(spec, topic.name) }));
}

/** The parts of the context object Lambda's Node.js runtime passes with each event that the adapter reads. */
export interface LambdaContext {
  readonly awsRequestId?: string;
  getRemainingTimeInMillis?(): number;
}

/** The Lambda entry point type every handler module exports as `handler`. */
export type LambdaHandler = (
  event: MskEvent,
  context?: LambdaContext,
) => Promise<MskBatchResponse | undefined>;
