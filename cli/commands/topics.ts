import type { Kafka } from 'kafkajs';
import { decodeRecord } from '../../shared/lambda/decode';
import { errorMessage } from '../../shared/errors';
import type { AppManifest } from '../../shared/declarations/app';
import { typedProducer } from '../../shared/producer';
import type { RecordSink } from '../../shared/kafka/publish';
import type { AnyTopic } from '../../shared/declarations/topic';
import { fitToCluster } from '../../shared/emulator/align-topics';

/** `topics`: every declared topic against the cluster: missing, matching, or drifted. */
export async function listTopics(kafka: Kafka, manifest: AppManifest): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const brokers = (await admin.describeCluster()).brokers.length;
    const existing = new Set(await admin.listTopics());
    const present = manifest.topics.filter((t) => existing.has(t.name)).map((t) => t.name);
    const meta = present.length ? (await admin.fetchTopicMetadata({ topics: present })).topics : [];
    return manifest.topics.map((t) => {
      const m = meta.find((x) => x.name === t.name);
      const want = `${t.partitions} partitions, replication ${fitToCluster(t, brokers).replicationFactor}`;
      if (!m) return `${t.name.padEnd(48)} MISSING (declared ${want})`;
      const have = `${m.partitions.length} partitions, replication ${m.partitions[0]?.replicas.length ?? 0}`;
      return `${t.name.padEnd(48)} ${have === want ? 'ok' : 'DRIFT'}  ${have}${have === want ? '' : ` (declared ${want})`}`;
    });
  } finally {
    await admin.disconnect();
  }
}

/** `publish`: one JSON value to a declared topic, validated and keyed as declared. */
export async function publishJson(
  sink: RecordSink,
  topic: AnyTopic,
  json: string,
  key?: string,
): Promise<void> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new Error(`the value for topic ${topic.name} is not JSON: ${errorMessage(error)}`, {
      cause: error,
    });
  }
  await typedProducer(sink).publish(topic, value, key === undefined ? {} : { key });
}

/** `tail`: prints records of a topic decoded and validated; invalid ones are shown with the reason. */
export async function tailTopic(
  kafka: Kafka,
  topic: AnyTopic,
  fromBeginning: boolean,
  print: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  const consumer = kafka.consumer({ groupId: `kafka-lambda-tail-${process.pid}-${Date.now()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic.name], fromBeginning });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const raw = {
        topic: topic.name,
        partition,
        offset: Number(message.offset),
        timestamp: Number(message.timestamp),
        key: message.key,
        value: message.value,
        headers: [],
      };
      try {
        const r = await decodeRecord(topic, raw);
        print(JSON.stringify({ partition, offset: r.offset, key: r.key, value: r.value }));
      } catch (error) {
        print(JSON.stringify({ partition, offset: raw.offset, invalid: errorMessage(error) }));
      }
    },
  });
  await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
  await consumer.disconnect();
}
