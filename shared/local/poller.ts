import type { Admin, Consumer, EachBatchPayload, IHeaders, Kafka } from 'kafkajs';
import { decodeJson } from './json';
import { errorMessage } from '../errors';
import type { HandlerSpec, Logger } from '../handler';
import type { AnyTopic } from '../topic';
import { matchesFilter } from '../filter';
import { emulatedMskEvent, type MskBatchResponse, type MskEvent, type RawRecord } from '../msk-event';
import { Batcher, type InvocationResult } from './batcher';
import { retriable } from './kafka-retry';
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

/**
 * One handler's event source mapping, locally: a consumer in the handler's group that batches records,
 * invokes the handler module with an MSK event and commits only what the invocation finished.
 * A failed invocation is retried from its first record, with backoff, as Lambda retries a failed batch.
 */
export class Poller {
  private consumer: Consumer | undefined;
  private batcher: Batcher;
  private stopping = false;
  private wake: (() => void) | undefined;

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

  private async eachBatch({
    batch,
    heartbeat,
    isRunning,
    isStale,
    resolveOffset,
  }: EachBatchPayload): Promise<void> {
    const { spec, stats } = this.o;
    const all = batch.messages.map((m) => toRaw(batch.topic, batch.partition, m));
    for (let i = 0; i < all.length && isRunning() && !isStale() && !this.stopping; i += spec.batch.size) {
      const slice = all.slice(i, i + spec.batch.size);
      const wanted = spec.filter
        ? slice.filter((r) => matchesFilter(decodeJson(r.value), spec.filter!))
        : slice;
      stats.filtered += slice.length - wanted.length;
      const beat = setInterval(() => void heartbeat().catch(() => {}), 2000);
      const outcome = wanted.length
        ? await this.batcher.submit(wanted).finally(() => clearInterval(beat))
        : ({ status: 'ok' } as const);
      clearInterval(beat);
      const last = slice[slice.length - 1]!.offset;
      if (outcome.status === 'ok') {
        resolveOffset(String(last)); // the consumer's position: without it the same records are fetched again
        await this.commit(batch.topic, batch.partition, last + 1);
        continue;
      }
      const resumeAt = outcome.status === 'failed-at' ? outcome.offset : wanted[0]!.offset;
      if (outcome.status === 'error') {
        stats.invocationErrors++;
        this.o.log.warn('invocation failed; retrying the batch', {
          handler: spec.name,
          topic: batch.topic,
          partition: batch.partition,
          offset: resumeAt,
          error: errorMessage(outcome.error),
        });
      }
      if (resumeAt > slice[0]!.offset) await this.commit(batch.topic, batch.partition, resumeAt);
      this.consumer!.seek({ topic: batch.topic, partition: batch.partition, offset: String(resumeAt) });
      await this.pause(1000);
      return;
    }
  }

  private async commit(topic: string, partition: number, offset: number): Promise<void> {
    await this.consumer!.commitOffsets([{ topic, partition, offset: String(offset) }]);
  }

  /** Waits before a retry, but wakes at once on shutdown. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Finishes the invocation in flight (its offsets are committed only if it succeeded), leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.batcher.flush();
    this.wake?.();
    await this.consumer?.disconnect();
  }
}
