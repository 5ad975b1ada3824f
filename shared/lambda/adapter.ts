import type { Failure } from './dead-letter';
import { decodeEventRecord, locationOf } from './decode';
import { describeLocation, errorMessage, PermanentRecordError, type RecordLocation } from '../errors';
import type {
  AnyHandlerDefinition,
  HandlerContext,
  KafkaRecord,
  LambdaHandler,
  Logger,
} from '../declarations/handler';
import { laneBy, runLanes } from './lanes';
import { createLogger } from './logger';
import { partitionKey, type MskBatchResponse, type MskEvent, type MskRecord } from './msk-event';
import { isObserved, reportInvocation, type InvocationReport } from './invocation-report';
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
}

/** A record decoded and validated, or the permanent error that sends it to its dead-letter topic. */
type Decoded = KafkaRecord<unknown> | PermanentRecordError;

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
  readonly #options: Required<AdapterOptions>;
  readonly #topicFor: (name: string) => AnyTopic | undefined;
  /** Whether anyone reads `report.handled` (the caller of invokeHandler, the emulator): else it stays empty. */
  readonly #detailed: boolean;

  constructor(
    def: AnyHandlerDefinition,
    event: MskEvent,
    options: Required<AdapterOptions>,
    topicFor: (name: string) => AnyTopic | undefined,
    detailed: boolean,
  ) {
    this.#def = def;
    this.#event = event;
    this.#options = options;
    this.#topicFor = topicFor;
    this.#detailed = detailed;
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
    if (this.#failedAt.size > 0 && this.#failedAt.has(partitionKey(raw.topic, raw.partition))) return; // resumes there next time
    const decoded = this.#decode(raw);
    if (decoded instanceof Promise) return decoded.then((d) => this.#handleOne(raw, d));
    return this.#handleOne(raw, decoded);
  }

  #handleOne(raw: MskRecord, decoded: Decoded): void | Promise<void> {
    if (decoded instanceof PermanentRecordError) return this.#failPermanent(raw, decoded);
    let pending: void | Promise<void>;
    try {
      pending = this.#def.handle!(decoded, this.#ctx);
    } catch (error) {
      return this.#retry(raw, decoded, error);
    }
    if (pending instanceof Promise)
      return pending.then(
        () => this.#handled(raw),
        (error: unknown) => this.#retry(raw, decoded, error),
      );
    this.#handled(raw);
  }

  /** Attempt 1 failed with `error`: the remaining attempts with backoff, then the record's failure. */
  async #retry(raw: MskRecord, record: KafkaRecord<unknown>, error: unknown): Promise<void> {
    const attempt = (): void | Promise<void> => this.#def.handle!(record, this.#ctx);
    const result = await withRetry(this.#retryPolicy, attempt, this.#options.wait, { error });
    this.report.retries += result.attempts - 1;
    if (result.ok) this.#handled(raw);
    else
      await this.#fail(raw, {
        kind: 'handler',
        message: describeFailure(raw, result.error),
        attempts: result.attempts,
      });
  }

  #handled(raw: MskRecord): void {
    if (this.#detailed) this.report.handled.push(locationOf(raw));
  }

  #failPermanent(raw: MskRecord, error: PermanentRecordError): Promise<void> {
    return this.#fail(raw, { kind: error.kind, message: error.message, attempts: 1 });
  }

  async #runBatch(raws: MskRecord[]): Promise<void> {
    const decoded = await Promise.all(raws.map((raw) => this.#decode(raw)));
    const valid: { raw: MskRecord; record: KafkaRecord<unknown> }[] = [];
    for (const [i, d] of decoded.entries()) {
      const raw = raws[i]!;
      if (d instanceof PermanentRecordError) await this.#failPermanent(raw, d);
      else valid.push({ raw, record: d });
    }
    if (valid.length === 0) return;
    const records = valid.map((v) => v.record);
    const attempt = await withRetry(
      this.#retryPolicy,
      () => this.#def.handleBatch!(records, this.#ctx),
      this.#options.wait,
    );
    this.report.retries += attempt.attempts - 1;
    if (attempt.ok) {
      for (const v of valid) this.#handled(v.raw);
      return;
    }
    const message = `batch of ${valid.length} records failed: ${errorMessage(attempt.error)}`;
    for (const v of valid) await this.#fail(v.raw, { kind: 'handler', message, attempts: attempt.attempts });
  }

  /**
   * A record that will not succeed here. Dead-letter mode: write it to its dead-letter topic (a failed write
   * fails the whole invocation, so nothing is committed past it). Report mode: permanent errors still go to
   * the dead-letter topic; handler errors mark the partition failed from this offset.
   */
  async #fail(raw: MskRecord, failure: Failure): Promise<void> {
    const at = locationOf(raw);
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

async function invoke(
  def: AnyHandlerDefinition,
  event: MskEvent,
  options: AdapterOptions,
  detailed: boolean,
): Promise<InvocationReport & { response: MskBatchResponse }> {
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
  );
  const response = await invocation.run();
  reportInvocation(event, invocation.report);
  return { ...invocation.report, response };
}

/** The module's Lambda entry point: `export const handler = lambdaHandler(myHandler)`. */
export function lambdaHandler(def: AnyHandlerDefinition, options: AdapterOptions = {}): LambdaHandler {
  // Lambda reads only the response: the per-record report is built when the emulator observes the event.
  return async (event) => (await invoke(def, event, options, isObserved(event))).response;
}
