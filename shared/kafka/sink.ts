import {
  Kafka,
  logLevel,
  type IHeaders,
  type KafkaConfig,
  type Message,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import type { Header } from './ordered-headers';
import { kafkaConfigFromEnv } from './connection';
import { PublishError } from '../errors';
import { partitionForKey } from './partitioner';
import type { OutgoingRecord, RecordSink } from './publish';

/** Where the partitioner placed a message, kept on the message so a retry sends it to the same partition. */
const PLACED = Symbol('kafka-lambda.partition');
type PlacedMessage = Message & { [PLACED]?: number };

/**
 * Keyed records go where the Java client puts them; unkeyed ones rotate over the partitions. A message keeps its
 * first placement across retries (kafkajs partitions again on every attempt), so the sink can tell from the
 * response which messages were written.
 */
export const javaCompatiblePartitioner: NonNullable<ProducerConfig['createPartitioner']> = () => {
  let counter = Math.floor(Math.random() * 1000);
  return ({ partitionMetadata, message }) => {
    const placed = message as PlacedMessage;
    if (placed[PLACED] !== undefined) return placed[PLACED];
    const count = partitionMetadata.length;
    const key = message.key;
    placed[PLACED] = key === null || key === undefined ? counter++ % count : partitionForKey(key, count);
    return placed[PLACED];
  };
};

/**
 * The durable producer settings every write uses (DESIGN.md, contract 6): acks=all, idempotent, ordered retries. The retry
 * window (about 35 s) outlasts a crashed leader's fencing (the controller waits broker.session.timeout.ms, 9 s by
 * default, before it moves leadership); kafkajs' default (about 9 s) does not.
 */
export const DURABLE_PRODUCER: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: javaCompatiblePartitioner,
  retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 5_000 },
};

/** Sends queued while one is in flight are merged into one batch up to this many value/key bytes. */
const COALESCE_BYTES = 512 * 1024;

export interface KafkaSink extends RecordSink {
  disconnect(): Promise<void>;
}

interface PendingSend {
  records: readonly OutgoingRecord[];
  bytes: number;
  resolve(): void;
  reject(error: unknown): void;
}

const sizeOf = (records: readonly OutgoingRecord[]): number =>
  records.reduce((n, r) => n + (r.key?.length ?? 0) + (r.value?.length ?? 0), 0);

/**
 * A RecordSink over a kafkajs idempotent producer that never loses an acknowledged record.
 *
 * kafkajs 2.2 hands a failed request's sequence numbers back to the partition even when the old leader had
 * already replicated that batch. A second send in flight at that moment reuses them, the new leader takes it for a
 * duplicate of the first and acknowledges it without writing it: a resolved publish whose record is not in the log
 * (test/reliability/producer-failover.test.ts). So this sink keeps exactly one sendBatch in flight, merges the
 * sends that queue behind it into the next batch (order per partition is queue order), checks each batch against
 * its response (see sendAll), and after a failed batch it rejects that batch's callers and continues on a fresh
 * producer (a new producer id, so no sequence number whose batch's fate is unknown is used again).
 */
export function createKafkaSink(config: KafkaConfig): KafkaSink {
  // Quiet: failures surface as errors of the send that hit them.
  const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...config });
  let producer: Producer | undefined;
  let connected: Promise<void> | undefined;
  const queue: PendingSend[] = [];
  let sending = false;
  let idle: Promise<void> = Promise.resolve();
  let markIdle = (): void => {};

  const current = (): { producer: Producer; connected: Promise<void> } => {
    producer ??= kafka.producer(DURABLE_PRODUCER);
    connected ??= producer.connect();
    return { producer, connected };
  };

  /** Drops the producer after a failure; the next batch starts a new one (new producer id, fresh sequences). */
  const retire = (): void => {
    const old = producer;
    producer = undefined;
    connected = undefined;
    old?.disconnect().catch(() => undefined); // it already failed; nothing to report about closing it
  };

  /** The first queued send, and those behind it while the batch stays under COALESCE_BYTES. */
  const takeBatch = (): PendingSend[] => {
    let count = 1;
    let bytes = queue[0]?.bytes ?? 0;
    for (; count < queue.length && bytes + (queue[count]?.bytes ?? 0) <= COALESCE_BYTES; count++)
      bytes += queue[count]?.bytes ?? 0;
    return queue.splice(0, count);
  };

  const pump = async (): Promise<void> => {
    while (queue.length > 0) {
      const batch = takeBatch();
      try {
        const { producer: p, connected: ready } = current();
        await ready;
        await sendAll(
          p,
          batch.flatMap((s) => s.records),
        );
        for (const s of batch) s.resolve();
      } catch (error) {
        retire();
        for (const s of batch) s.reject(unacknowledged(s.records, error));
      }
    }
    sending = false;
    markIdle();
  };

  return {
    send(records) {
      if (records.length === 0) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        queue.push({ records, bytes: sizeOf(records), resolve, reject });
        if (sending) return;
        sending = true;
        idle = new Promise((done) => (markIdle = done));
        void pump();
      });
    },
    async disconnect() {
      await idle; // let queued sends finish or fail before closing
      const open = connected && producer;
      producer = undefined;
      connected = undefined;
      if (open) await open.disconnect();
    },
  };
}

/** A failed send, named by what it carried; whether the broker wrote any of it is unknown. */
function unacknowledged(records: readonly OutgoingRecord[], error: unknown): PublishError {
  return new PublishError([...new Set(records.map((r) => r.topic))], records.length, error);
}

/** How many times records left out of a resolved sendBatch are sent again before the send fails. */
const MAX_PASSES = 5;

/**
 * One sendBatch, checked against its response. kafkajs 2.2 retries a sendBatch that spans several brokers only
 * towards the brokers that have not answered yet (src/producer/sendMessages.js, `brokersWithoutResponse`): a
 * partition whose leader moved to a broker that had already answered is left out, and the call resolves anyway.
 * The response names every partition written, so records of a partition missing from it are sent again, the same
 * records: their sequence numbers were given back when the first attempt failed, so a copy the old leader did write
 * is answered as a duplicate rather than written twice.
 */
async function sendAll(producer: Producer, records: readonly OutgoingRecord[]): Promise<void> {
  let topicMessages = byTopic(records);
  for (let pass = 1; topicMessages.length > 0; pass++) {
    const written = await producer.sendBatch({ acks: -1, topicMessages });
    const done = new Set(written.map((w) => `${w.topicName}\0${w.partition}`));
    topicMessages = topicMessages
      .map(({ topic, messages }) => ({
        topic,
        messages: messages.filter((m) => !done.has(`${topic}\0${m[PLACED]}`)),
      }))
      .filter(({ messages }) => messages.length > 0);
    if (topicMessages.length > 0 && pass === MAX_PASSES) {
      const where = topicMessages.flatMap(({ topic, messages }) => [
        ...new Set(messages.map((m) => `${topic}-${m[PLACED]}`)),
      ]);
      throw new Error(`records for ${where.join(', ')} not acknowledged after ${pass} sends`);
    }
  }
}

function byTopic(records: readonly OutgoingRecord[]): { topic: string; messages: PlacedMessage[] }[] {
  const grouped = new Map<string, PlacedMessage[]>();
  for (const r of records) {
    let list = grouped.get(r.topic);
    if (!list) grouped.set(r.topic, (list = []));
    // The placement slot exists from the start, so the partitioner's write does not reshape the object.
    list.push({ key: r.key, value: r.value, headers: kafkajsHeaders(r.headers), [PLACED]: undefined });
  }
  return [...grouped].map(([topic, messages]) => ({ topic, messages }));
}

/**
 * kafkajs takes headers as an object: a repeated name becomes a list (kept in order), but different names are
 * written in the object's key order, so `a, b, a` goes out as `a, a, b`. A null value is written as null.
 */
function kafkajsHeaders(headers: readonly Header[]): IHeaders | undefined {
  if (headers.length === 0) return undefined;
  const out: Record<string, (Buffer | null)[]> = {};
  for (const { key, value } of headers) (out[key] ??= []).push(value);
  // kafkajs's encoder writes null (a -1 length) for a null value; its typings do not admit null.
  return Object.fromEntries(
    Object.entries(out).map(([key, values]) => [key, values.length === 1 ? values[0] : values]),
  ) as IHeaders;
}

export function createKafkaSinkFromEnv(fallbackBrokers?: string): KafkaSink {
  return createKafkaSink(kafkaConfigFromEnv(process.env, fallbackBrokers));
}
