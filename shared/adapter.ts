import { deadLetterRecord, type Failure } from './dead-letter';
import { decodeRecord } from './decode';
import { errorMessage, PermanentRecordError, type RecordLocation } from './errors';
import type { AnyHandlerDefinition, HandlerContext, KafkaRecord, LambdaHandler, Logger } from './handler';
import { laneBy, runLanes } from './lanes';
import { createLogger } from './logger';
import {
  fromMskRecord,
  partitionKey,
  type MskBatchResponse,
  type MskEvent,
  type RawRecord,
} from './msk-event';
import { reportInvocation, type InvocationReport } from './observe';
import { assertDeclared, encodeRecord, type RecordSink } from './publish';
import { sleep, withRetry } from './retry';
import { sourceIncludes, type AnyTopic } from './topic';

export interface AdapterOptions {
  /** Where published and dead-lettered records go. Default: a Kafka producer configured from the environment. */
  sink?: (event: MskEvent) => RecordSink | Promise<RecordSink>;
  log?: Logger;
  /** Waits between retries; the test kit passes one that does not wait. */
  wait?: (ms: number) => Promise<void>;
}

interface Item {
  raw: RawRecord;
  record?: KafkaRecord<unknown>;
  permanent?: PermanentRecordError;
}

const locationOf = (raw: RawRecord): RecordLocation => ({
  topic: raw.topic,
  partition: raw.partition,
  offset: raw.offset,
});

/** One invocation: decode, dispatch with the declared concurrency, isolate failures, report the outcome. */
class Invocation {
  readonly report: InvocationReport;
  private readonly failedAt = new Map<string, number>();
  private sinkPromise?: Promise<RecordSink>;

  constructor(
    private readonly def: AnyHandlerDefinition,
    private readonly event: MskEvent,
    private readonly options: Required<AdapterOptions>,
    private readonly topicFor: (name: string) => AnyTopic | undefined,
  ) {
    this.report = {
      handler: def.name,
      group: def.group,
      records: 0,
      handled: [],
      deadLettered: [],
      failed: [],
      durationMs: 0,
    };
    this.ctx = {
      handler: def.name,
      group: def.group,
      log: options.log,
      publish: async (topic, value, publishOptions) => {
        assertDeclared(def.name, (name) => def.publishes.some((p) => sourceIncludes(p, name)), topic);
        const record = await encodeRecord(topic, value, publishOptions);
        await (await this.sink()).send([record]);
      },
    };
  }

  private sink(): Promise<RecordSink> {
    return (this.sinkPromise ??= Promise.resolve(this.options.sink(this.event)));
  }

  private readonly ctx: HandlerContext<never>;

  async run(): Promise<MskBatchResponse> {
    const started = Date.now();
    const partitions = Object.values(this.event.records ?? {}).map((list) => list.map(fromMskRecord));
    this.report.records = partitions.reduce((n, list) => n + list.length, 0);
    const decoded = await Promise.all(
      partitions.map((list) => Promise.all(list.map((raw) => this.decode(raw)))),
    );
    if (this.def.handleBatch) await this.runBatch(decoded.flat());
    else await this.runRecords(decoded);
    this.report.durationMs = Date.now() - started;
    return {
      batchItemFailures: [...this.failedAt].map(([partition, offset]) => ({
        itemIdentifier: { partition, offset },
      })),
    };
  }

  private async decode(raw: RawRecord): Promise<Item> {
    try {
      return { raw, record: await decodeRecord(this.topicFor(raw.topic), raw) };
    } catch (error) {
      if (error instanceof PermanentRecordError) return { raw, permanent: error };
      throw error;
    }
  }

  private async runRecords(partitions: Item[][]): Promise<void> {
    const { concurrency } = this.def;
    const lanes =
      concurrency.mode === 'partition'
        ? partitions
        : partitions.flatMap((items) => laneBy(items, (item) => item.raw.key?.toString('base64') ?? ''));
    const limit = concurrency.mode === 'partition' ? lanes.length : concurrency.maxInFlight;
    await runLanes(lanes, limit, (item) => this.runOne(item));
  }

  private async runOne(item: Item): Promise<void> {
    if (this.failedAt.has(partitionKey(item.raw.topic, item.raw.partition))) return; // resumes there next time
    if (item.permanent)
      return this.fail(item.raw, { kind: item.permanent.kind, message: item.permanent.message, attempts: 1 });
    const attempt = await withRetry(
      this.def.retry,
      () => Promise.resolve(this.def.handle!(item.record!, this.ctx)),
      this.options.wait,
    );
    if (attempt.ok) this.report.handled.push(locationOf(item.raw));
    else
      await this.fail(item.raw, {
        kind: 'handler',
        message: describeFailure(item.raw, attempt.error),
        attempts: attempt.attempts,
      });
  }

  private async runBatch(items: Item[]): Promise<void> {
    const valid = items.filter((item) => item.record);
    for (const item of items) {
      if (item.permanent)
        await this.fail(item.raw, {
          kind: item.permanent.kind,
          message: item.permanent.message,
          attempts: 1,
        });
    }
    if (valid.length === 0) return;
    const attempt = await withRetry(
      this.def.retry,
      () =>
        Promise.resolve(
          this.def.handleBatch!(
            valid.map((item) => item.record!),
            this.ctx,
          ),
        ),
      this.options.wait,
    );
    if (attempt.ok) {
      for (const item of valid) this.report.handled.push(locationOf(item.raw));
      return;
    }
    const message = `batch of ${valid.length} records failed: ${errorMessage(attempt.error)}`;
    for (const item of valid)
      await this.fail(item.raw, { kind: 'handler', message, attempts: attempt.attempts });
  }

  /**
   * A record that will not succeed here. Dead-letter mode: write it to its dead-letter topic (a failed write
   * fails the whole invocation, so nothing is committed past it). Report mode: permanent errors still go to
   * the dead-letter topic; handler errors mark the partition failed from this offset.
   */
  private async fail(raw: RawRecord, failure: Failure): Promise<void> {
    const at = locationOf(raw);
    this.options.log.warn('record failed', {
      handler: this.def.name,
      ...at,
      kind: failure.kind,
      attempts: failure.attempts,
      error: failure.message,
    });
    const report = this.def.failureMode === 'report-batch-item-failures';
    if (this.def.deadLetter !== false && (!report || failure.kind !== 'handler')) {
      const record = deadLetterRecord(this.def, raw, failure);
      try {
        await (await this.sink()).send([record]);
      } catch (error) {
        if (!report) {
          throw new Error(
            `dead-letter write to ${record.topic} failed for ${describeAt(at)}: ${errorMessage(error)}`,
            { cause: error },
          );
        }
        return this.markFailed(at, failure);
      }
      this.report.deadLettered.push({ ...at, ...failure, deadLetterTopic: record.topic });
      return;
    }
    if (!report) {
      throw new Error(
        `${describeAt(at)} failed and handler "${this.def.name}" has no dead-letter topic: ${failure.message}`,
      );
    }
    this.markFailed(at, failure);
  }

  private markFailed(at: RecordLocation, failure: Failure): void {
    const key = partitionKey(at.topic, at.partition);
    const previous = this.failedAt.get(key);
    if (previous === undefined || at.offset < previous) this.failedAt.set(key, at.offset);
    this.report.failed.push({ ...at, ...failure });
  }
}

const describeAt = (at: RecordLocation): string =>
  `topic ${at.topic} partition ${at.partition} offset ${at.offset}`;
const describeFailure = (raw: RawRecord, error: unknown): string =>
  `${describeAt(locationOf(raw))}: ${errorMessage(error)}`;

/** The declared topic of that name; a family also covers members added after deployment. */
function topicFor(def: AnyHandlerDefinition, name: string): AnyTopic | undefined {
  for (const source of def.sources) {
    if (source.kind === 'topic' && source.name === name) return source;
    if (source.kind === 'family') {
      const member = source.memberOf(name);
      if (member !== undefined) return source.of(member);
    }
  }
  return undefined;
}

type ClosableSink = RecordSink & { disconnect(): Promise<void> };

// One per process (a Lambda container, an emulator), kept on globalThis so reloaded handler modules share it.
const SINK = Symbol.for('kafka-lambda.default-sink');
const sinkSlot = globalThis as { [SINK]?: Promise<ClosableSink> };

/** One Kafka producer per Lambda container, created on first use only: a handler that never publishes never connects. */
function defaultSink(event: MskEvent): Promise<RecordSink> {
  return (sinkSlot[SINK] ??= import('./kafka-sink').then(({ createKafkaSinkFromEnv }) =>
    createKafkaSinkFromEnv(event.bootstrapServers),
  ));
}

/** Disconnects the shared producer, if one was made (the emulator calls this when it stops). */
export async function closeDefaultSink(): Promise<void> {
  const pending = sinkSlot[SINK];
  sinkSlot[SINK] = undefined;
  if (pending) await (await pending).disconnect();
}

/** Runs one event through the handler and says what happened to every record. Throws only when the batch must be retried whole. */
export async function invokeHandler(
  def: AnyHandlerDefinition,
  event: MskEvent,
  options: AdapterOptions = {},
): Promise<InvocationReport & { response: MskBatchResponse }> {
  const invocation = new Invocation(
    def,
    event,
    {
      sink: options.sink ?? defaultSink,
      log: options.log ?? createLogger({ handler: def.name }),
      wait: options.wait ?? sleep,
    },
    (name) => topicFor(def, name),
  );
  const response = await invocation.run();
  reportInvocation(invocation.report);
  return { ...invocation.report, response };
}

/** The module's Lambda entry point: `export const handler = lambdaHandler(myHandler)`. */
export function lambdaHandler(def: AnyHandlerDefinition, options: AdapterOptions = {}): LambdaHandler {
  return async (event) => (await invokeHandler(def, event, options)).response;
}
