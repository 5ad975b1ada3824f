/**
 * Reads chosen offset ranges of any number of topics and partitions with one throwaway consumer group (one group
 * join, however many topics), then deletes the group: no application group is touched. A range ends at its end
 * offset or where a fetch passes it, so an offset missing from the log (a compacted topic, a transaction marker)
 * does not leave the read waiting for it.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { fromKafkaMessage, type RawRecord } from '../kafka/records';

/** Per topic, per partition: `[from, to)`. */
export type TopicRanges = Map<string, Map<number, [number, number]>>;

/** Reads at most this long before giving up with an error naming what was not read. */
const READ_TIMEOUT_MS = 60_000;

export async function readRanges(kafka: Kafka, ranges: TopicRanges): Promise<RawRecord[]> {
  const records: RawRecord[] = [];
  const remaining = new Map<string, [number, number]>();
  for (const [topic, partitions] of ranges)
    for (const [partition, [from, to]] of partitions)
      if (to > from) remaining.set(`${topic}\0${partition}`, [from, to]);
  if (remaining.size === 0) return records;
  const topics = [...new Set([...remaining.keys()].map((k) => k.split('\0')[0]!))];
  const groupId = `kafka-lambda-console-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: false });
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(
              `reading records timed out after ${READ_TIMEOUT_MS / 1000} s; not read: ${[...remaining.keys()].map((k) => k.replace('\0', '/')).join(', ')}`,
            ),
          ),
        READ_TIMEOUT_MS,
      );
      const done = (key: string): void => {
        remaining.delete(key);
        if (remaining.size === 0) resolve();
      };
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const key = `${batch.topic}\0${batch.partition}`;
            const range = remaining.get(key);
            if (!range) return;
            for (const message of batch.messages) {
              const offset = Number(message.offset);
              if (offset >= range[0] && offset < range[1])
                records.push(fromKafkaMessage(batch.topic, batch.partition, message));
            }
            if (Number(batch.lastOffset()) + 1 >= range[1]) done(key);
          },
        })
        .catch(reject);
      for (const [key, [from]] of remaining) {
        const [topic, partition] = key.split('\0');
        consumer.seek({ topic: topic!, partition: Number(partition), offset: String(from) });
      }
    });
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => {});
    await admin.disconnect();
  }
  return records;
}
