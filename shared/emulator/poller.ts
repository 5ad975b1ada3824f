import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import { decodeJson } from './json';
import { errorMessage } from '../errors';
import type { HandlerSpec, Logger } from '../declarations/handler';
import type { AnyTopic } from '../declarations/topic';
import { matchesFilter } from '../filter';
import { emulatedMskEvent, type MskBatchResponse, type MskEvent, type RawRecord } from '../lambda/msk-event';
import { Batcher, type InvocationResult } from './batcher';
import { retriable } from '../kafka/retriable';
import type { HandlerStats } from './stats';

/** ESM's default batching window for Kafka when none is declared. */
const DEFAULT_WINDOW_MS = 500;

export interface PollerOptions {
  kafka: Kafka;
  admin: Admin;
  spec: HandlerSpec;
  /** The event source this poller stands for: one topic and its consumer group, as one MSK mapping. */
  source: { topic: AnyTopic; group: string };
  /** Calls the handler module's exported `handler`, as Lambda does. */
  invoke: (event: MskEvent) => Promise<MskBatchResponse | undefined>;
  bootstrapServers: string;
  log: Logger;
  stats: HandlerStats;
}

function toRaw(
  topic: string,
  partition: number,
  m: EachBatchPayload['batch']['messages'][number],
): RawRecord {
  return {
    topic,
    partition,
    offset: Number(m.offset),
    timestamp: Number(m.timestamp),
    key: m.key,
    value: m.value,
    headers: m.headers ? headersOf(m.headers) : [],
  };
}

/** kafkajs gives a repeated header as an array; the event lists each occurrence. */
function headersOf(headers: IHeaders): RawRecord['headers'] {
  const out: RawRecord['headers'] = [];
  for (const [key, v] of Object.entries(headers)) {
    for (const x of Array.isArray(v) ? v : [v])
      if (x !== undefined) out.push({ key, value: Buffer.isBuffer(x) ? x : Buffer.from(String(x)) });
  }
  return out;
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

/**
 * One handler's event source mapping, locally: a consumer in the handler's group that batches records,
 * invokes the handler module with an MSK event and commits only what the invocation finished.
 * A failed invocation is retried from its first record, with backoff, as Lambda retries a failed batch.
 */
export class Poller {
  private consumer: Consumer | undefined;
  private batcher: Batcher;
  private stopping = false;
  /** Pauses in progress (one per partition at most), woken at once on shutdown. */
  private readonly wakers = new Set<() => void>();
  /** Per partition, the batch being processed. */
  private readonly processing = new Map<number, Promise<void>>();

  constructor(private readonly o: PollerOptions) {
    const windowMs =
      o.spec.batch.windowSeconds === undefined ? DEFAULT_WINDOW_MS : o.spec.batch.windowSeconds * 1000;
    this.batcher = new Batcher(o.spec.batch.size, windowMs, (records) => this.invoke(records));
  }

  private async invoke(records: RawRecord[]): Promise<InvocationResult> {
    const response = await this.o.invoke(emulatedMskEvent(records, this.o.bootstrapServers));
    const failedAt = new Map<string, number>();
    for (const f of response?.batchItemFailures ?? [])
      failedAt.set(f.itemIdentifier.partition, Number(f.itemIdentifier.offset));
    return { failedAt };
  }

  /**
   * Places a new group (no committed offsets) where its declaration says, before it consumes: the log end as of
   * now, or the first offsets at a timestamp. 'earliest' needs nothing: the consumer subscribes from the
   * beginning, which is where a group without commits starts. A group with commits keeps them.
   */
  private async positionNewGroup(): Promise<void> {
    const { admin, spec, source } = this.o;
    const start = spec.startingPosition;
    if (start === 'earliest') return;
    const { group } = source;
    const topic = source.topic.name;
    const committed = await retriable(() => admin.fetchOffsets({ groupId: group, topics: [topic] }));
    if (!committed.every((t) => t.partitions.every((p) => p.offset === '-1'))) return;
    if (typeof start === 'object') {
      const partitions = await admin.fetchTopicOffsetsByTimestamp(topic, new Date(start.timestamp).getTime());
      await retriable(() => admin.setOffsets({ groupId: group, topic, partitions }));
    } else {
      await retriable(() => admin.resetOffsets({ groupId: group, topic, earliest: false }));
    }
  }

  async start(): Promise<void> {
    const { kafka, spec, source } = this.o;
    await this.positionNewGroup();
    const consumer = kafka.consumer({
      groupId: source.group,
      allowAutoTopicCreation: false,
      sessionTimeout: 30000,
      heartbeatInterval: 3000,
    });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({
      topics: [source.topic.name],
      fromBeginning: spec.startingPosition === 'earliest',
    });
    const partitionCount = source.topic.partitions;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: Math.max(1, partitionCount),
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * Takes one fetched batch of a partition and returns before it is processed, so kafkajs fetches the next batch
   * while this one runs through the handler (it fetches again only once every eachBatch of a fetch has returned).
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
    const { partition } = batch;
    const previous = this.processing.get(partition);
    if (previous) await whileBeating(previous, heartbeat);
    if (!isRunning() || isStale() || this.stopping || batch.messages.length === 0) return;
    const records = batch.messages.map((m) => toRaw(batch.topic, partition, m));
    // The consumer's position moves past the batch now (without it the same records are fetched again); nothing
    // is committed until the handler finished them, and a failure seeks back to where it failed.
    resolveOffset(String(records[records.length - 1]!.offset));
    const processing = this.process(batch.topic, partition, records, heartbeat)
      .catch((error: unknown) =>
        // Nothing here is committed past what was handled; kafkajs' next rebalance or a restart delivers it again.
        this.o.log.error('processing a batch failed', {
          handler: this.o.spec.name,
          topic: batch.topic,
          partition,
          error: errorMessage(error),
        }),
      )
      .finally(() => {
        if (this.processing.get(partition) === processing) this.processing.delete(partition);
      });
    this.processing.set(partition, processing);
  }

  /** Invokes the handler on one batch, slice by slice, committing each slice it finished. */
  private async process(
    topic: string,
    partition: number,
    all: RawRecord[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { spec, stats } = this.o;
    for (let i = 0; i < all.length && !this.stopping; i += spec.batch.size) {
      const slice = all.slice(i, i + spec.batch.size);
      const wanted = spec.filter
        ? slice.filter((r) => matchesFilter(decodeJson(r.value), spec.filter!))
        : slice;
      stats.filtered += slice.length - wanted.length;
      const outcome = wanted.length
        ? await whileBeating(this.batcher.submit(wanted), heartbeat)
        : ({ status: 'ok' } as const);
      const last = slice[slice.length - 1]!.offset;
      if (outcome.status === 'ok') {
        if (await this.commit(topic, partition, last + 1)) continue;
        return this.resumeFrom(topic, partition, last + 1); // handled; a later commit covers it
      }
      const resumeAt = outcome.status === 'failed-at' ? outcome.offset : wanted[0]!.offset;
      if (outcome.status === 'error') {
        stats.invocationErrors++;
        this.o.log.warn('invocation failed; retrying the batch', {
          handler: spec.name,
          topic,
          partition,
          offset: resumeAt,
          error: errorMessage(outcome.error),
        });
      }
      if (resumeAt > slice[0]!.offset) await this.commit(topic, partition, resumeAt);
      return this.resumeFrom(topic, partition, resumeAt);
    }
  }

  /**
   * The batch stops short of its end: after a pause, the partition is fetched again from `offset` (the position
   * had already moved past the batch). Batches fetched meanwhile are dropped as stale. If the consumer is being
   * restarted meanwhile, the seek fails and the restart starts from the last commit instead.
   */
  private async resumeFrom(topic: string, partition: number, offset: number): Promise<void> {
    await this.pause(1000);
    if (!this.stopping) this.consumer!.seek({ topic, partition, offset: String(offset) });
  }

  /** Commits up to `offset`; false when that failed (the caller goes back to `offset`, see resumeFrom). */
  private async commit(topic: string, partition: number, offset: number): Promise<boolean> {
    try {
      await this.consumer!.commitOffsets([{ topic, partition, offset: String(offset) }]);
      return true;
    } catch (error) {
      this.o.log.warn('commit failed; going on from there after a pause (a later commit covers it)', {
        handler: this.o.spec.name,
        topic,
        partition,
        offset,
        error: errorMessage(error),
      });
      return false;
    }
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
