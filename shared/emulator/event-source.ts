/**
 * One event source mapping, locally: a consumer in the mapping's group that forms invocations as the mapping
 * does (batcher.ts), invokes the handler's function (local-function.ts) with the event as JSON text, reads its
 * answer as the mapping does (batch-response.ts), and commits, resumes or gives up per partition
 * (partition-flow.ts). kafkajs is bound here and nowhere else in that chain.
 */
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { compileFilterPattern } from '../declarations/filter';
import type { HandlerSpec, Logger } from '../declarations/handler';
import { deliveriesBeforeDiscard, type MappingSettings } from '../declarations/mapping-settings';
import type { AnyTopic } from '../declarations/topic';
import { errorMessage } from '../errors';
import { fromKafkaMessage, type RawRecord } from '../kafka/records';
import { retriable } from '../kafka/retriable';
import { readBatchResponse } from './batch-response';
import { throughRegistry, type Delivery, type RegistryLookup } from '../schemas/registry-delivery';
import { Batcher, type InvocationVerdict } from './batcher';
import { encodeRecord, EventPayload, PAYLOAD_LIMIT_BYTES, type EventSource } from './event-payload';
import type { LocalFunction } from './local-function';
import { invocationRecord, type OnFailureDirectory } from './on-failure';
import { PartitionFlow, type FlowEvent, type PartitionPort } from './partition-flow';
import type { HandlerStats } from './stats';

/** The mapping's batching window for Kafka when none is declared. */
const DEFAULT_WINDOW_MS = 500;
/** Pause before a failed partition is delivered again. */
const RETRY_PAUSE_MS = 1000;
/**
 * Bytes per fetch response (kafkajs' default is 10 MB). Lambda does not publish its pollers' fetch sizes. Measured with
 * 300,000 records through the bench's no-op handler: 113-153k records/s with 2 MB, 83-125k with 10 MB; the main
 * thread's profile put the difference in copying each response into a fresh buffer (faulting in new pages).
 */
const FETCH_MAX_BYTES = 2 * 1024 * 1024;

/** What the local event source does with a mapping's settings (test/unit/mapping-settings.test.ts pins it). */
export interface LocalMapping {
  batch: { records: number; windowMs: number };
  /** Whether the function's answer is read as a partial batch response (else any answer is success). */
  readsBatchResponse: boolean;
  /** Records whose value the filter rejects are committed without an invocation. */
  filter?: (value: Buffer | null) => boolean;
  /** Deliveries of a failing record before it goes to the on-failure destination; undefined: until it succeeds. */
  attempts?: number;
  /** Where a group without commits starts. */
  start: { from: 'earliest' | 'latest' } | { from: 'timestamp'; epochMs: number };
  /** With SchemaRegistryConfig: how each record is read through the registry, before the filter. */
  registry?: (raw: RawRecord) => Delivery;
}

export function localMapping(
  settings: MappingSettings,
  handlerName: string,
  schemaRegistry?: RegistryLookup,
): LocalMapping {
  const registry = settings.schemaRegistry;
  if (registry && !schemaRegistry)
    throw new Error(
      `handler "${handlerName}" topic ${settings.topic}: a registry topic needs the local schema registry`,
    );
  const window = settings.maximumBatchingWindowInSeconds;
  const pattern = settings.filterCriteria?.filters[0].pattern;
  const attempts = deliveriesBeforeDiscard(settings);
  return {
    batch: {
      records: settings.batchSize,
      windowMs: window === undefined ? DEFAULT_WINDOW_MS : window * 1000,
    },
    readsBatchResponse: settings.functionResponseTypes?.includes('ReportBatchItemFailures') ?? false,
    ...(pattern !== undefined && { filter: compileFilterPattern(pattern, handlerName) }),
    ...(attempts !== undefined && { attempts }),
    ...(registry && {
      registry: (raw: RawRecord) =>
        throughRegistry(
          raw,
          registry.schemaValidationConfigs.map((c) => c.attribute),
          registry.eventRecordFormat,
          schemaRegistry!,
        ),
    }),
    start:
      settings.startingPosition === 'AT_TIMESTAMP'
        ? { from: 'timestamp', epochMs: settings.startingPositionTimestamp! * 1000 }
        : { from: settings.startingPosition === 'TRIM_HORIZON' ? 'earliest' : 'latest' },
  };
}

export interface EventSourceOptions {
  kafka: Kafka;
  admin: Admin;
  spec: HandlerSpec;
  /** The mapping: one topic and its consumer group. */
  source: { topic: AnyTopic; group: string };
  /** The mapping's settings (mapping-settings.ts), as infra deploys them. */
  settings: MappingSettings;
  /** The local schema registry, for a mapping with SchemaRegistryConfig. */
  schemaRegistry?: RegistryLookup;
  fn: LocalFunction;
  functionArn: string;
  /** The event's fixed part: eventSource, the cluster's ARN, bootstrap servers. */
  event: EventSource;
  onFailure: OnFailureDirectory;
  log: Logger;
  stats: HandlerStats;
}

/** Awaits `work`, heartbeating the group meanwhile so a long invocation does not cost the partitions. */
async function whileBeating<T>(work: Promise<T>, heartbeat: () => Promise<void>): Promise<T> {
  const beat = setInterval(() => void heartbeat().catch(() => {}), 2000);
  try {
    return await work;
  } finally {
    clearInterval(beat);
  }
}

export class EventSourcePoller {
  private consumer: Consumer | undefined;
  private readonly batcher: Batcher;
  private readonly mapping: LocalMapping;
  private readonly flows = new Map<number, PartitionFlow>();
  private stopping = false;
  /** Pauses in progress (one per partition at most), woken at once on shutdown. */
  private readonly wakers = new Set<() => void>();
  /** Per partition, the batch being processed. */
  private readonly processing = new Map<number, Promise<void>>();
  /** The heartbeat of the kafkajs batch being processed, per partition. */
  private readonly heartbeats = new Map<number, () => Promise<void>>();

  constructor(private readonly o: EventSourceOptions) {
    this.mapping = localMapping(o.settings, o.spec.name, o.schemaRegistry);
    this.batcher = new Batcher({ ...this.mapping.batch, bytes: PAYLOAD_LIMIT_BYTES }, o.event, (payload) =>
      this.invoke(payload),
    );
  }

  /** One invocation, read as the mapping reads it. */
  private async invoke(payload: EventPayload): Promise<InvocationVerdict> {
    const { fn, spec, stats, log } = this.o;
    const outcome = await fn.invoke(payload);
    const invocation = {
      requestId: outcome.requestId,
      payload: () => payload.toJSON(),
      batchSize: payload.count,
      functionError: !outcome.ok,
    };
    if (!outcome.ok) {
      const reason = `${outcome.error.errorType}: ${outcome.error.errorMessage}`;
      stats.recordInvocation(outcome.summary, { reason, timedOut: outcome.timedOut });
      return { status: 'error', reason, timedOut: outcome.timedOut, invocation };
    }
    // Without ReportBatchItemFailures the mapping does not read the answer: any return is success.
    if (!this.mapping.readsBatchResponse) {
      stats.recordInvocation(outcome.summary);
      return { status: 'ok', failedAt: new Map(), invocation };
    }
    const offsets = new Map(
      payload.slices.map(({ key, records }) => [key, new Set(records.map((r) => r.raw.offset))]),
    );
    const reading = readBatchResponse(outcome.payload, offsets);
    if (!reading.valid) {
      const reason = `the batch response is invalid, so the whole batch failed: ${reading.problem}`;
      log.warn('invalid batch response', {
        handler: spec.name,
        requestId: outcome.requestId,
        problem: reading.problem,
      });
      stats.recordInvocation(outcome.summary, { reason, timedOut: false });
      return { status: 'error', reason, timedOut: false, invocation };
    }
    stats.recordInvocation(outcome.summary);
    return { status: 'ok', failedAt: reading.failedAt, invocation };
  }

  private flowFor(topic: string, partition: number): PartitionFlow {
    let flow = this.flows.get(partition);
    if (!flow) {
      const { filter, attempts, registry } = this.mapping;
      flow = new PartitionFlow(this.portFor(topic, partition), {
        ...(registry && { registry }),
        ...(filter && { filter }),
        ...(attempts !== undefined && { attempts }),
        retryPauseMs: RETRY_PAUSE_MS,
      });
      this.flows.set(partition, flow);
    }
    return flow;
  }

  private portFor(topic: string, partition: number): PartitionPort {
    const { spec, log, stats } = this.o;
    const where = { handler: spec.name, topic, partition };
    return {
      submit: (records) => {
        const submission = this.batcher.submit(records);
        const heartbeat = this.heartbeats.get(partition);
        if ('outcome' in submission && heartbeat)
          return { ...submission, outcome: whileBeating(submission.outcome, heartbeat) };
        return submission;
      },
      commit: async (offset) => {
        try {
          await this.consumer!.commitOffsets([{ topic, partition, offset: String(offset) }]);
          return true;
        } catch (error) {
          log.warn('commit failed; going on from there after a pause (a later commit covers it)', {
            ...where,
            offset,
            error: errorMessage(error),
          });
          return false;
        }
      },
      seek: (offset) => {
        try {
          this.consumer!.seek({ topic, partition, offset: String(offset) });
        } catch (error) {
          // kafkajs refuses a seek while its consumer restarts after a crash (a broker lost mid-request); the
          // restarted consumer fetches from the last commit, which is at or before `offset`: nothing is skipped.
          log.warn('seek failed; the partition resumes from its last commit', {
            ...where,
            offset,
            error: errorMessage(error),
          });
        }
      },
      pause: (ms) => this.pause(ms),
      stopping: () => this.stopping,
      discard: async ({ condition, records, invocation }) => {
        const record = invocationRecord({
          condition,
          functionArn: this.o.functionArn,
          source: this.o.event,
          records,
          ...(invocation
            ? { invocation: { ...invocation, payload: invocation.payload() } }
            : { payload: this.eventOf(records) }),
        });
        const file = await this.o.onFailure.write(spec.name, record);
        stats.discarded += records.length;
        const first = records[0]!.offset;
        const last = records[records.length - 1]!.offset;
        const reason = `${condition}: offsets ${first}-${last} written to ${file}`;
        stats.remember({ kind: 'discarded', topic, partition, offset: first, reason });
        log.error('records sent to the on-failure destination', { ...where, condition, first, last, file });
      },
      note: (event: FlowEvent) => this.note(event, where),
    };
  }

  /** The event these records would have made (for records never invoked). */
  private eventOf(records: readonly RawRecord[]): string {
    const payload = new EventPayload(this.o.event);
    for (const r of records) payload.add(encodeRecord(r));
    return payload.toJSON();
  }

  private note(event: FlowEvent, where: { handler: string; topic: string; partition: number }): void {
    const { log, stats } = this.o;
    if (event.kind === 'filtered') stats.filtered += event.count;
    else if (event.kind === 'retrying')
      log.warn('invocation failed; delivering the partition again from the failed record', {
        ...where,
        offset: event.offset,
        attempt: event.attempt,
        error: event.reason,
      });
    else if (event.kind === 'unreadable')
      // The reason names topic, partition, offset and the schema id; the record goes to the on-failure destination.
      log.warn('record unreadable through the schema registry', {
        ...where,
        offset: event.offset,
        condition: event.condition,
        error: event.reason,
      });
    else
      log.error('processing a batch failed; delivering it again', {
        ...where,
        offset: event.offset,
        error: errorMessage(event.error),
      });
  }

  /**
   * Places a new group (no committed offsets) where its declaration says, before it consumes: the log end as of
   * now, or the first offsets at a timestamp. 'earliest' needs nothing: the consumer subscribes from the
   * beginning, which is where a group without commits starts. A group with commits keeps them.
   */
  private async positionNewGroup(): Promise<void> {
    const { admin, source } = this.o;
    const { start } = this.mapping;
    if (start.from === 'earliest') return;
    const { group } = source;
    const topic = source.topic.name;
    const committed = await retriable(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
    if (!committed.every((t) => t.partitions.every((p) => p.offset === '-1'))) return;
    if (start.from === 'timestamp') {
      const partitions = await admin.fetchTopicOffsetsByTimestamp(topic, start.epochMs);
      await retriable(() => admin.setOffsets({ groupId: group, topic, partitions }));
    } else {
      await retriable(() => admin.resetOffsets({ groupId: group, topic, earliest: false }));
    }
  }

  async start(): Promise<void> {
    const { kafka, source } = this.o;
    await this.positionNewGroup();
    const consumer = kafka.consumer({
      groupId: source.group,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
      maxBytes: FETCH_MAX_BYTES,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({
      topics: [source.topic.name],
      fromBeginning: this.mapping.start.from === 'earliest',
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, source.topic.partitions),
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * Takes one fetched batch of a partition and returns before it is processed, so kafkajs fetches the next batch
   * while this one runs through the function (it fetches again only once every eachBatch of a fetch has returned).
   * A partition has at most one batch in processing: the next one waits for it here, and is dropped when that one
   * failed and sought back (isStale), since it lies past the failure.
   */
  private async eachBatch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
  }: EachBatchPayload): Promise<void> {
    const { partition, topic } = batch;
    const previous = this.processing.get(partition);
    if (previous) await whileBeating(previous, heartbeat);
    if (!isRunning() || isStale() || this.stopping || batch.messages.length === 0) return;
    const records = batch.messages.map((m) => fromKafkaMessage(topic, partition, m));
    // The consumer's position moves past the batch now (without it the same records are fetched again); nothing
    // is committed until the function finished them, and a failure seeks back to where it failed.
    resolveOffset(String(records[records.length - 1]!.offset));
    this.heartbeats.set(partition, heartbeat);
    const processing = this.flowFor(topic, partition)
      .process(records)
      .finally(() => {
        if (this.processing.get(partition) === processing) this.processing.delete(partition);
      });
    this.processing.set(partition, processing);
  }

  /** Waits before a retry, but wakes at once on shutdown. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /** Finishes the batches in processing (committing what succeeded), then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.batcher.flush();
    for (const wake of [...this.wakers]) wake();
    await Promise.all(this.processing.values()); // commits are dropped once the consumer stops running
    await this.consumer?.disconnect();
  }
}
