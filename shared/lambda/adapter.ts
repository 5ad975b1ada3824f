import type { Failure } from './dead-letter';
import { decodeEventRecord, locationOf } from './decode';
import { describeLocation, errorMessage, PermanentRecordError, type RecordLocation } from '../errors';
import type {
  AnyHandlerDefinition,
  HandlerContext,
  KafkaRecord,
  LambdaContext,
  LambdaHandler,
  Logger,
} from '../declarations/handler';
import { laneBy, runLanes } from './lanes';
import { createLogger } from './logger';
import { partitionKey, type MskBatchResponse, type MskEvent, type MskRecord } from './msk-event';
import {
  isObserved,
  registeredHooks,
  reportInvocation,
  type InvocationHook,
  type InvocationObserver,
  type InvocationReport,
  type InvocationStart,
  type RecordScope,
  type TopicTally,
} from './invocation-report';
import { metricsHook, stdoutWriter, type MetricsWriter } from '../observability/invocation-metrics';
import { tracingHook } from '../observability/record-tracing';
import { assertDeclared, type RecordSink } from '../kafka/publish';
import { sleep, withRetry, type Backoff } from './retry';
import { sourceIncludes, type AnyTopic } from '../declarations/topic';
import type { AnyTable, ItemOf, KeyAttributesOf } from '../declarations/table';
import type { TableClient } from '../state/table-client';

export interface AdapterOptions {
  /**
   * Where published and dead-lettered records go.
   * @default - a Kafka producer configured from the environment (KAFKA_BROKERS, KAFKA_AUTH), opened on first use
   */
  sink?: (event: MskEvent) => RecordSink | Promise<RecordSink>;
  /**
   * Where the adapter's structured log lines go.
   * @default - JSON lines on stdout at LOG_LEVEL (default info)
   */
  log?: Logger;
  /**
   * Waits between retries; the test kit passes one that does not wait.
   * @default - a timer
   */
  wait?: (ms: number) => Promise<void>;
  /**
   * Trace context: each record runs inside the trace its `traceparent` header carries (a `process` span when an
   * OpenTelemetry SDK is registered) and `ctx.publish` continues it. `false` leaves records untraced.
   * @default true
   */
  tracing?: boolean;
  /**
   * One CloudWatch embedded-metric document per invocation and source topic, in the report's `metrics`;
   * `lambdaHandler` prints each on stdout, where CloudWatch extracts the metrics. `{ write }` prints them elsewhere;
   * `false` turns metrics off.
   * @default true
   */
  metrics?: boolean | { write: MetricsWriter };
  /** Hooks for this handler's invocations, after the built-in ones and those added with addInvocationHook. */
  hooks?: readonly InvocationHook[];
}

/** The adapter options an invocation runs with, defaults applied. */
type InvocationOptions = Required<Pick<AdapterOptions, 'sink' | 'log' | 'wait'>>;

type Ctx = HandlerContext<never>;

/** A record decoded and validated, or the permanent error that sends it to its dead-letter topic. */
type Decoded = KafkaRecord<unknown> | PermanentRecordError;

/** One record on its way through the hooks that wrap its processing (what they see of it: RecordScope). */
class RecordRun implements RecordScope {
  failure?: Failure;
  outcome?: 'dead-lettered' | 'failed';

  constructor(
    readonly raw: MskRecord,
    readonly decoded: Decoded,
  ) {}

  get record(): KafkaRecord<unknown> | undefined {
    return this.decoded instanceof PermanentRecordError ? undefined : this.decoded;
  }
}

/** A hook's wrapper around a record's (or a batch's) processing, as InvocationObserver declares it. */
type Around<S> = <T>(scope: S, ctx: Ctx, call: (ctx: Ctx, scope: S) => T) => T;

/** The wrappers of several hooks as one, the first outermost; undefined when no hook wraps. */
function chain<S>(arounds: readonly Around<S>[]): Around<S> | undefined {
  return arounds.reduceRight<Around<S> | undefined>(
    (inner, outer) =>
      inner === undefined
        ? outer
        : <T>(scope: S, ctx: Ctx, call: (ctx: Ctx, scope: S) => T): T =>
            outer(scope, ctx, (c) => inner(scope, c, call)),
    undefined,
  );
}

/** Decode and schema failures become the record's outcome; anything else is a bug and fails the invocation. */
const decodedFailed = (error: unknown): Decoded => {
  if (error instanceof PermanentRecordError) return error;
  throw error;
};

/** One invocation: decode, dispatch with the declared concurrency, isolate failures, report the outcome. */
class Invocation {
  readonly report: InvocationReport;
  readonly #failedAt = new Map<string, number>();
  /**
   * Tries of a failing handler call in this invocation: `retry.attempts` in dead-letter mode; one in
   * report-batch-item-failures mode, where the event source mapping makes the retries (MaximumRetryAttempts).
   */
  readonly #retryPolicy: Backoff;
  #sinkPromise?: Promise<RecordSink>;

  readonly #def: AnyHandlerDefinition;
  readonly #event: MskEvent;
  readonly #options: InvocationOptions;
  readonly #topicFor: (name: string) => AnyTopic | undefined;
  /** Whether anyone reads `report.handled` (the caller of invokeHandler, the emulator): else it stays empty. */
  readonly #detailed: boolean;
  /** What the hooks wrap around a record's processing (tracing), or undefined when none does. */
  readonly #aroundRecord: Around<RecordScope> | undefined;
  readonly #aroundBatch: Around<readonly RecordScope[]> | undefined;
  /** A record's processing as the wrappers call it: made once per invocation, not per record. */
  readonly #processRun = (ctx: Ctx, run: RecordScope): void | Promise<void> =>
    this.#process((run as RecordRun).raw, (run as RecordRun).decoded, ctx, run);
  /** The tally of the topic counted last: an event's records are nearly always of one topic. */
  #lastTopic: string | undefined;
  #lastTally: TopicTally | undefined;

  constructor(
    def: AnyHandlerDefinition,
    event: MskEvent,
    options: InvocationOptions,
    topicFor: (name: string) => AnyTopic | undefined,
    detailed: boolean,
    observers: readonly InvocationObserver[],
  ) {
    this.#def = def;
    this.#event = event;
    this.#options = options;
    this.#topicFor = topicFor;
    this.#detailed = detailed;
    this.#aroundRecord = chain(
      observers.flatMap((o) => (o.aroundRecord ? [o.aroundRecord.bind(o) as Around<RecordScope>] : [])),
    );
    this.#aroundBatch = chain(
      observers.flatMap((o) =>
        o.aroundBatch ? [o.aroundBatch.bind(o) as Around<readonly RecordScope[]>] : [],
      ),
    );
    const { attempts } = def.retry;
    this.#retryPolicy = {
      ...def.retry,
      // 'unlimited' is a mapping setting, declarable in report-batch-item-failures mode only.
      attempts: def.failureMode === 'report-batch-item-failures' || attempts === 'unlimited' ? 1 : attempts,
    };
    this.report = {
      handler: def.name,
      group: def.group,
      records: 0,
      handled: [],
      retries: 0,
      deadLettered: [],
      failed: [],
      durationMs: 0,
      byTopic: {},
    };
    this.#ctx = {
      handler: def.name,
      group: def.group,
      log: options.log,
      publish: async (topic, value, publishOptions) => {
        assertDeclared(def.name, (name) => def.publishes.some((p) => sourceIncludes(p, name)), topic);
        const record = await writes().encodeRecord(topic, value, publishOptions);
        await (await this.#sink()).send([record]);
      },
      table: (table) => tableClientFor(def, table),
    };
  }

  #sink(): Promise<RecordSink> {
    return (this.#sinkPromise ??= Promise.resolve(this.#options.sink(this.#event)));
  }

  readonly #ctx: HandlerContext<never>;

  async run(): Promise<MskBatchResponse> {
    const started = Date.now();
    const partitions = Object.values(this.#event.records ?? {});
    this.report.records = partitions.reduce((n, list) => n + list.length, 0);
    for (const list of partitions) if (list.length) this.#tally(list[0]!.topic).received += list.length;
    if (this.#def.handleBatch) await this.#runBatch(partitions.flat());
    else await this.#runRecords(partitions);
    this.report.durationMs = Date.now() - started;
    return {
      batchItemFailures: [...this.#failedAt].map(([partition, offset]) => ({
        itemIdentifier: { partition, offset },
      })),
    };
  }

  /** The record decoded and validated, or the permanent error that sends it to its dead-letter topic. */
  #decode(raw: MskRecord): Decoded | Promise<Decoded> {
    try {
      const record = decodeEventRecord(this.#topicFor(raw.topic), raw, this.#def.recordFormat);
      return record instanceof Promise ? record.catch(decodedFailed) : record;
    } catch (error) {
      return decodedFailed(error);
    }
  }

  /** Lanes of event records; each is decoded from the event only when its lane reaches it. */
  #runRecords(partitions: MskRecord[][]): Promise<void> {
    const { concurrency } = this.#def;
    const lanes =
      concurrency.mode === 'partition'
        ? partitions
        : partitions.flatMap((list) => laneBy(list, (record) => record.key ?? ''));
    const limit = concurrency.mode === 'partition' ? lanes.length : concurrency.maxInFlight;
    return runLanes(lanes, limit, (record) => this.#runOne(record));
  }

  /**
   * Decodes the record where its lane reaches it and calls the handler directly; only a failure takes the retry
   * path. Synchronous all the way for synchronous schemas and handlers: no promise per record.
   */
  #runOne(raw: MskRecord): void | Promise<void> {
    if (this.#failedAt.size > 0 && this.#failedAt.has(partitionKey(raw.topic, raw.partition))) {
      this.#tally(raw.topic).skipped++;
      return; // resumes there next time
    }
    const decoded = this.#decode(raw);
    if (decoded instanceof Promise) return decoded.then((d) => this.#handleOne(raw, d));
    return this.#handleOne(raw, decoded);
  }

  /** The record's processing, inside what the hooks wrap around it (its trace context) when any does. */
  #handleOne(raw: MskRecord, decoded: Decoded): void | Promise<void> {
    const around = this.#aroundRecord;
    if (around === undefined) return this.#process(raw, decoded, this.#ctx, undefined);
    return around(new RecordRun(raw, decoded), this.#ctx, this.#processRun);
  }

  #process(raw: MskRecord, decoded: Decoded, ctx: Ctx, scope: RecordScope | undefined): void | Promise<void> {
    if (decoded instanceof PermanentRecordError) return this.#failPermanent(raw, decoded, scope);
    let pending: void | Promise<void>;
    try {
      pending = this.#def.handle!(decoded, ctx);
    } catch (error) {
      return this.#retry(raw, decoded, error, ctx, scope);
    }
    if (pending instanceof Promise)
      return pending.then(
        () => this.#handled(raw),
        (error: unknown) => this.#retry(raw, decoded, error, ctx, scope),
      );
    this.#handled(raw);
  }

  /** Attempt 1 failed with `error`: the remaining attempts with backoff, then the record's failure. */
  async #retry(
    raw: MskRecord,
    record: KafkaRecord<unknown>,
    error: unknown,
    ctx: Ctx,
    scope: RecordScope | undefined,
  ): Promise<void> {
    const attempt = (): void | Promise<void> => this.#def.handle!(record, ctx);
    const result = await withRetry(this.#retryPolicy, attempt, this.#options.wait, { error });
    this.report.retries += result.attempts - 1;
    this.#tally(raw.topic).retries += result.attempts - 1;
    if (result.ok) this.#handled(raw);
    else
      await this.#fail(
        raw,
        { kind: 'handler', message: describeFailure(raw, result.error), attempts: result.attempts },
        scope,
      );
  }

  #handled(raw: MskRecord): void {
    this.#tally(raw.topic).handled++;
    if (this.#detailed) this.report.handled.push(locationOf(raw));
  }

  /** The tally of a topic's records in this invocation. */
  #tally(topic: string): TopicTally {
    if (topic === this.#lastTopic) return this.#lastTally!;
    const tally = (this.report.byTopic[topic] ??= { received: 0, handled: 0, retries: 0, skipped: 0 });
    this.#lastTopic = topic;
    this.#lastTally = tally;
    return tally;
  }

  #failPermanent(raw: MskRecord, error: PermanentRecordError, scope?: RecordScope): Promise<void> {
    return this.#fail(raw, { kind: error.kind, message: error.message, attempts: 1 }, scope);
  }

  async #runBatch(raws: MskRecord[]): Promise<void> {
    const decoded = await Promise.all(raws.map((raw) => this.#decode(raw)));
    const valid: RecordRun[] = [];
    for (const [i, d] of decoded.entries()) {
      const raw = raws[i]!;
      if (d instanceof PermanentRecordError) await this.#handleOne(raw, d);
      else valid.push(new RecordRun(raw, d));
    }
    if (valid.length === 0) return;
    const around = this.#aroundBatch;
    await (around
      ? around(valid, this.#ctx, (ctx) => this.#processBatch(valid, ctx))
      : this.#processBatch(valid, this.#ctx));
  }

  async #processBatch(valid: readonly RecordRun[], ctx: Ctx): Promise<void> {
    const records = valid.map((v) => v.record!);
    const attempt = await withRetry(
      this.#retryPolicy,
      () => this.#def.handleBatch!(records, ctx),
      this.#options.wait,
    );
    this.report.retries += attempt.attempts - 1;
    for (const topic of new Set(valid.map((v) => v.raw.topic)))
      this.#tally(topic).retries += attempt.attempts - 1;
    if (attempt.ok) {
      for (const v of valid) this.#handled(v.raw);
      return;
    }
    const message = `batch of ${valid.length} records failed: ${errorMessage(attempt.error)}`;
    for (const v of valid)
      await this.#fail(v.raw, { kind: 'handler', message, attempts: attempt.attempts }, v);
  }

  /**
   * A record that will not succeed here. Dead-letter mode: write it to its dead-letter topic (a failed write
   * fails the whole invocation, so nothing is committed past it). Report mode: permanent errors still go to
   * the dead-letter topic; handler errors mark the partition failed from this offset.
   */
  async #fail(raw: MskRecord, failure: Failure, scope?: RecordScope): Promise<void> {
    const at = locationOf(raw);
    if (scope) {
      scope.failure = failure;
      scope.outcome = 'failed';
    }
    this.#options.log.warn('record failed', {
      handler: this.#def.name,
      ...at,
      kind: failure.kind,
      attempts: failure.attempts,
      error: failure.message,
    });
    const report = this.#def.failureMode === 'report-batch-item-failures';
    if (this.#def.deadLetter !== false && (!report || failure.kind !== 'handler')) {
      const { deadLetterRecord, fromMskRecord, DeadLetterWriteError } = writes();
      const record = deadLetterRecord(this.#def, fromMskRecord(raw), failure);
      try {
        await (await this.#sink()).send([record]);
      } catch (error) {
        if (!report) {
          throw new DeadLetterWriteError(at, record.topic, error);
        }
        return this.#markFailed(at, failure);
      }
      this.report.deadLettered.push({ ...at, ...failure, deadLetterTopic: record.topic });
      if (scope) scope.outcome = 'dead-lettered';
      return;
    }
    if (!report) {
      throw new Error(
        `${describeLocation(at)} failed and handler "${this.#def.name}" has no dead-letter topic: ${failure.message}`,
      );
    }
    this.#markFailed(at, failure);
  }

  #markFailed(at: RecordLocation, failure: Failure): void {
    const key = partitionKey(at.topic, at.partition);
    const previous = this.#failedAt.get(key);
    if (previous === undefined || at.offset < previous) this.#failedAt.set(key, at.offset);
    this.report.failed.push({ ...at, ...failure });
  }
}

const describeFailure = (raw: MskRecord, error: unknown): string =>
  `${describeLocation(locationOf(raw))}: ${errorMessage(error)}`;

/** The declared topic of that name; a family also covers members added after deployment. */
function findTopic(def: AnyHandlerDefinition, name: string): AnyTopic | undefined {
  for (const source of def.sources) {
    if (source.kind === 'topic' && source.name === name) return source;
    if (source.kind === 'family') {
      const member = source.memberOf(name);
      if (member !== undefined) return source.of(member);
    }
  }
  return undefined;
}

const topicLookups = new WeakMap<AnyHandlerDefinition, (name: string) => AnyTopic | undefined>();

/** findTopic, remembered per name: every record of an event asks for its topic. */
function topicsOf(def: AnyHandlerDefinition): (name: string) => AnyTopic | undefined {
  let lookup = topicLookups.get(def);
  if (!lookup) {
    const known = new Map<string, AnyTopic | undefined>();
    lookup = (name) => {
      if (known.has(name)) return known.get(name);
      const topic = findTopic(def, name);
      if (known.size < 10_000) known.set(name, topic); // bounded: a family's members are open-ended
      return topic;
    };
    topicLookups.set(def, lookup);
  }
  return lookup;
}

function tableClientFor<Tb extends AnyTable>(
  def: AnyHandlerDefinition,
  table: Tb,
): TableClient<ItemOf<Tb>, KeyAttributesOf<Tb>> {
  if (!def.tables.some((t) => t.name === table?.name)) {
    throw new Error(
      `handler "${def.name}" did not declare table "${String(table?.name)}": add it to its tables (declared: ${def.tables.map((t) => t.name).join(', ') || 'none'})`,
    );
  }
  // Loaded on first use, like the producer: a handler without tables never loads the DynamoDB client.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../lambda/adapter-tables') as typeof import('./adapter-tables')).declaredTableClient(
    def,
    table,
  );
}

/**
 * The write path, loaded on the first write: `require`, not `import()`, for the reason defaultSink gives. A handler
 * that neither publishes nor dead-letters never gets here (publish refuses an undeclared topic above).
 */
const writes = (): typeof import('./adapter-writes') =>
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../lambda/adapter-writes') as typeof import('./adapter-writes');

type ClosableSink = RecordSink & { disconnect(): Promise<void> };

/**
 * One Kafka producer per Lambda container (module state), created on first use only: a handler that never
 * publishes never connects. The emulator runs each container in its own worker, so this is per container there too.
 */
let defaultSinkPromise: Promise<ClosableSink> | undefined;

function defaultSink(event: MskEvent): Promise<RecordSink> {
  if (!defaultSinkPromise) {
    // Loaded on first use: a handler that never writes never loads kafkajs. `require`, not `import()`: the same in
    // every CommonJS loader the function runs under (Lambda's bundle, the emulator's containers, Jest).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createKafkaSinkFromEnv } = require('../kafka/sink') as typeof import('../kafka/sink');
    defaultSinkPromise = Promise.resolve(createKafkaSinkFromEnv(event.bootstrapServers));
  }
  return defaultSinkPromise;
}

/** Disconnects the container's producer once its queued sends are done (the emulator does so before retiring a container). */
export async function closeDefaultSink(): Promise<void> {
  const pending = defaultSinkPromise;
  defaultSinkPromise = undefined;
  if (pending) await (await pending).disconnect();
}

/** Runs one event through the handler and says what happened to every record. Throws only when the batch must be retried whole. */
export function invokeHandler(
  def: AnyHandlerDefinition,
  event: MskEvent,
  options: AdapterOptions = {},
): Promise<InvocationReport & { response: MskBatchResponse }> {
  return invoke(def, event, options, true);
}

/** Before Lambda's deadline, the moment the hooks get their last word (a timed-out function says nothing after). */
const DEADLINE_MARGIN_MS = 100;

/** The hooks of one handler's invocations: the built-in ones as the options say, then the added ones. */
function hooksFor(options: AdapterOptions, write: MetricsWriter | undefined): InvocationHook[] {
  const metrics = options.metrics ?? true;
  return [
    ...(options.tracing === false ? [] : [tracingHook]),
    ...(metrics === false ? [] : [metricsHook(typeof metrics === 'object' ? metrics.write : write)]),
    ...registeredHooks(),
    ...(options.hooks ?? []),
  ];
}

/** Each hook's observer of this invocation; a hook that fails to start sits it out (contract 8). */
function startObservers(hooks: readonly InvocationHook[], start: InvocationStart): InvocationObserver[] {
  const observers: InvocationObserver[] = [];
  for (const hook of hooks) {
    try {
      const observer = hook.start(start);
      if (observer) observers.push(observer);
    } catch {
      // observability never fails a record
    }
  }
  return observers;
}

/** Tells every observer the invocation ended; what fails in one of them is dropped. */
async function endObservers(
  observers: readonly InvocationObserver[],
  report: InvocationReport,
  error?: unknown,
): Promise<void> {
  await Promise.all(
    observers.map(async (o) => {
      try {
        await o.end?.(report, error);
      } catch {
        // observability never fails a record
      }
    }),
  );
}

/** A timer that gives the observers their last word shortly before the deadline; returns what clears it. */
function armDeadline(
  lambda: LambdaContext | undefined,
  observers: readonly InvocationObserver[],
  invocation: Invocation,
  startedAt: number,
): () => void {
  const remaining = lambda?.getRemainingTimeInMillis?.();
  if (
    remaining === undefined ||
    !observers.some((o) => o.nearDeadline) ||
    remaining <= 2 * DEADLINE_MARGIN_MS
  )
    return () => {};
  const timer = setTimeout(() => {
    invocation.report.durationMs = Date.now() - startedAt;
    for (const o of observers) {
      try {
        o.nearDeadline?.(invocation.report);
      } catch {
        // observability never fails a record
      }
    }
  }, remaining - DEADLINE_MARGIN_MS);
  timer.unref?.();
  return () => clearTimeout(timer);
}

async function invoke(
  def: AnyHandlerDefinition,
  event: MskEvent,
  options: AdapterOptions,
  detailed: boolean,
  write?: MetricsWriter,
  lambda?: LambdaContext,
): Promise<InvocationReport & { response: MskBatchResponse }> {
  const startedAt = Date.now();
  const observers = startObservers(hooksFor(options, write), {
    spec: def,
    event,
    startedAt,
    observed: detailed,
    ...(lambda && { lambda }),
  });
  const invocation = new Invocation(
    def,
    event,
    {
      sink: options.sink ?? defaultSink,
      log: options.log ?? createLogger({ handler: def.name }),
      wait: options.wait ?? sleep,
    },
    topicsOf(def),
    detailed,
    observers,
  );
  const disarm = armDeadline(lambda, observers, invocation, startedAt);
  let response: MskBatchResponse;
  try {
    response = await invocation.run();
  } catch (error) {
    disarm();
    invocation.report.durationMs = Date.now() - startedAt;
    await endObservers(observers, invocation.report, error);
    throw error;
  }
  disarm();
  await endObservers(observers, invocation.report);
  reportInvocation(event, invocation.report);
  return { ...invocation.report, response };
}

/** The module's Lambda entry point: `export const handler = lambdaHandler(myHandler)`. */
export function lambdaHandler(def: AnyHandlerDefinition, options: AdapterOptions = {}): LambdaHandler {
  // Lambda reads only the response: the per-record report is built when the emulator observes the event. The
  // metrics documents go to stdout, where Lambda's runtime makes each line a log event of the function.
  return async (event, context) =>
    (await invoke(def, event, options, isObserved(event), stdoutWriter, context)).response;
}
