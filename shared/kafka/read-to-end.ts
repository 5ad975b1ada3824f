import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { fromKafkaMessage, type RawRecord } from './records';

/**
 * Reads topics from the beginning up to their end as of now, through a throwaway group that is deleted
 * afterwards (so no consumer group of the application is touched).
 */
export async function readToEnd(
  kafka: Kafka,
  topics: string[],
  onRecord: (record: RawRecord) => void,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map<string, number>();
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (Number(p.high) > Number(p.low)) remaining.set(`${topic}/${p.partition}`, Number(p.high));
    }
  }
  if (remaining.size === 0) return void (await admin.disconnect());
  const groupId = `kafka-lambda-cli-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        autoCommit: false,
        eachMessage: async ({ topic, partition, message }) => {
          const key = `${topic}/${partition}`;
          const end = remaining.get(key);
          if (end === undefined || Number(message.offset) >= end) return;
          onRecord(fromKafkaMessage(topic, partition, message));
          if (Number(message.offset) + 1 >= end) remaining.delete(key);
          if (remaining.size === 0) resolve();
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => {});
  await admin.disconnect();
}
