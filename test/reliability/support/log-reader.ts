/**
 * Reads topics from the beginning for as long as a scenario runs (its own throw-away consumer group, nothing
 * committed). `until` waits for a condition on what was read; `drain` waits until everything written so far was
 * read (every partition up to the high watermark fetched at the call), which makes final counts exact.
 */
import type { Consumer, Kafka } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { retriable } from '../../../shared/kafka/retriable';

export interface Meta {
  topic: string;
  partition: number;
  offset: number;
  headers: Record<string, string>;
}

export class LogReader<T> {
  readonly items: T[] = [];
  private readonly next = new Map<string, number>(); // topic-partition -> next offset to read
  private readonly waiters = new Set<() => void>();
  private crash: Error | undefined;

  private constructor(
    private readonly kafka: Kafka,
    private readonly topics: string[],
    private readonly consumer: Consumer,
  ) {}

  static async start<T>(
    kafka: Kafka,
    topics: string[],
    map: (value: Buffer | null, meta: Meta) => T,
  ): Promise<LogReader<T>> {
    const consumer = kafka.consumer({ groupId: `reliability-reader-${randomUUID()}`, maxWaitTimeInMs: 500 });
    const reader = new LogReader<T>(kafka, topics, consumer);
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (!payload.restart) {
        reader.crash = payload.error;
        reader.notify();
      }
    });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const tp = `${topic}-${partition}`;
        const offset = Number(message.offset);
        // A rejoin may fetch again from the start: take each offset once.
        if (offset < (reader.next.get(tp) ?? 0)) return;
        reader.next.set(tp, offset + 1);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        reader.items.push(map(message.value, { topic, partition, offset, headers }));
        reader.notify();
      },
    });
    return reader;
  }

  private checkPending: NodeJS.Timeout | undefined;

  /** Re-evaluates the waiting conditions at most every 50 ms (they may scan everything read so far). */
  private notify(): void {
    this.checkPending ??= setTimeout(() => {
      this.checkPending = undefined;
      this.waiters.forEach((w) => w());
    }, 50);
  }

  /** Resolves once `predicate(items)` holds; rejects with `describe()` when the deadline passes or the reader crashed. */
  until(
    predicate: (items: T[]) => boolean,
    timeoutMs: number,
    what: string,
    describe = (): string => '',
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (this.crash) {
          done();
          reject(new Error(`reader crashed while waiting for ${what}: ${this.crash.message}`));
        } else if (predicate(this.items)) {
          done();
          resolve();
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${what}; read ${this.items.length}. ${describe()}`,
          ),
        );
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  /** Waits until every record written to the topics before this call has been read. */
  async drain(timeoutMs = 60_000): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    const ends = new Map<string, number>();
    try {
      for (const topic of this.topics) {
        for (const p of await retriable(() => admin.fetchTopicOffsets(topic))) {
          if (Number(p.high) > Number(p.low)) ends.set(`${topic}-${p.partition}`, Number(p.high));
        }
      }
    } finally {
      await admin.disconnect();
    }
    const behind = (): string[] =>
      [...ends]
        .filter(([tp, high]) => (this.next.get(tp) ?? 0) < high)
        .map(([tp, high]) => `${tp} at ${this.next.get(tp) ?? 0}/${high}`);
    await this.until(
      () => behind().length === 0,
      timeoutMs,
      'the end of the topics',
      () => `behind: ${behind().join(', ')}`,
    );
  }

  stop(): Promise<void> {
    clearTimeout(this.checkPending);
    return this.consumer.disconnect();
  }
}
