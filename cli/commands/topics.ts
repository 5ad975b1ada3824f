import type { Kafka } from 'kafkajs';
import type { AppManifest } from '../../shared/declarations/app';
import { fitToCluster } from '../../shared/emulator/align-topics';
import { parseCommandArgs, type Command } from '../command';
import { appManifest, kafkaFor, resolveBrokers } from '../context';

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

export const topics: Command = {
  name: 'topics',
  help: `topics [--app DIR]
    Lists every declared topic (dead-letter topics included) against the cluster: ok, MISSING or DRIFT.`,
  async run(args, { say }) {
    const { values } = parseCommandArgs(args, { app: { type: 'string' } });
    const manifest = appManifest(values.app);
    (await listTopics(kafkaFor(await resolveBrokers(say)), manifest)).forEach(say);
  },
};
