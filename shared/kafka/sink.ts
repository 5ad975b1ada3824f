import {
  Kafka,
  logLevel,
  type IHeaders,
  type KafkaConfig,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import type { Header } from './ordered-headers';
import { kafkaConfigFromEnv } from './connection';
import { PublishError } from '../errors';
import {
  javaCompatiblePartitioner,
  LeadersMoved,
  placedMessage,
  Topology,
  type Outgoing,
  type PlacedMessage,
} from './placement';
import type { OutgoingRecord, RecordSink } from './publish';

/**
 * The durable producer settings every write uses (DESIGN.md, contract 6): acks=all, idempotent, ordered retries. The retry
 * window (about 35 s) outlasts a crashed leader's fencing (the controller waits broker.session.timeout.ms, 9 s by
 * default, before it moves leadership); kafkajs' default (about 9 s) does not. Those retries are safe only for a call
 * whose attempts each reach one broker (SingleBrokerCall, which the partitioner enforces for the sink's calls).
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
 * A RecordSink over a kafkajs idempotent producer that never loses an acknowledged record nor writes one twice.
 *
 * kafkajs 2.2 hands a failed request's sequence numbers back to the partition even when the old leader had
 * already replicated that batch. A second batch in flight at that moment reuses them, the new leader takes it for a
 * duplicate of the first and acknowledges it without writing it: a resolved publish whose record is not in the log
 * (test/reliability/producer-failover.test.ts). So this sink keeps one batch in flight, merges the sends that queue
 * behind it into the next batch (order per partition is queue order), sends each batch as one call per partition
 * leader (see sendAll), and after a failed call it rejects the sends it carried and continues on a fresh producer
 * (a new producer id, so no sequence number whose batch's fate is unknown is used again).
 */
export function createKafkaSink(config: KafkaConfig): KafkaSink {
  // Quiet: failures surface as errors of the send that hit them.
  const kafka = new Kafka({ logLevel: logLevel.NOTHING, ...config });
  const topology = new Topology();
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
      const records = batch.flatMap((s) => s.records);
      let failed: ReadonlyMap<number, unknown>;
      try {
        const { producer: p, connected: ready } = current();
        await ready;
        failed = await sendAll(p, topology, records);
      } catch (error) {
        failed = new Map(records.map((_, i) => [i, error])); // not connected: nothing was sent
      }
      if (failed.size === 0) {
        for (const s of batch) s.resolve();
        continue;
      }
      retire();
      let first = 0;
      for (const s of batch) {
        const error = s.records.findIndex((_, i) => failed.has(first + i));
        if (error < 0) s.resolve();
        else s.reject(unacknowledged(s.records, failed.get(first + error)));
        first += s.records.length;
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

/** How many times a batch is split again after a call was refused because its partitions' leaders moved. */
const MAX_SPLITS = 5;

interface Entry extends Outgoing {
  /** The record's place in the batch. */
  index: number;
}

/**
 * Sends a batch as one sendBatch per partition leader, all at once, each of which kafkajs retries towards one
 * broker (SingleBrokerCall). A call refused because its partitions' leaders moved is split again by the metadata
 * it was refused with. Resolves to the records not acknowledged (by their index in the batch) and why.
 */
async function sendAll(
  producer: Producer,
  topology: Topology,
  records: readonly OutgoingRecord[],
): Promise<ReadonlyMap<number, unknown>> {
  const failed = new Map<number, unknown>();
  let pending: Entry[] = records.map((r, index) => ({ index, topic: r.topic, message: toMessage(r) }));
  for (let split = 1; pending.length > 0; split++) {
    const calls = topology.split(pending);
    const outcomes = await Promise.allSettled(
      calls.map((call) => producer.sendBatch({ acks: -1, topicMessages: call.topicMessages() })),
    );
    pending = [];
    calls.forEach((call, n) => {
      topology.learn(call);
      const outcome = outcomes[n];
      if (outcome?.status !== 'rejected') return;
      if (outcome.reason instanceof LeadersMoved && split < MAX_SPLITS) pending.push(...call.entries);
      else for (const { index } of call.entries) failed.set(index, outcome.reason);
    });
  }
  return failed;
}

function toMessage(r: OutgoingRecord): PlacedMessage {
  return placedMessage(r.key, r.value, kafkajsHeaders(r.headers));
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
