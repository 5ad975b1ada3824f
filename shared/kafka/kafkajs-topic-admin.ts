import { ConfigResourceTypes, type Admin } from 'kafkajs';
import type { TopicAdmin, TopicState } from './topic-reconcile';

/** kafkajs behind the reconciler's narrow interface (the local emulator and the topic custom resource on AWS). */
export function kafkajsTopicAdmin(admin: Admin): TopicAdmin {
  /** The topic's own overrides (not broker defaults), as AlterConfigs must restate them. */
  const overridesOf = async (name: string): Promise<Record<string, string>> => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name }],
    });
    const entries = resources[0]?.configEntries ?? [];
    return Object.fromEntries(
      entries.filter((e) => !e.isDefault && !e.readOnly).map((e) => [e.configName, e.configValue]),
    );
  };
  return {
    async describe(topics) {
      const existing = new Set(await admin.listTopics());
      const present = topics.filter((t) => existing.has(t.name));
      const states = new Map<string, TopicState>();
      if (present.length === 0) return states;
      const metadata = (await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) })).topics;
      const { resources } = await admin.describeConfigs({
        includeSynonyms: false,
        resources: present.map((t) => ({
          type: ConfigResourceTypes.TOPIC,
          name: t.name,
          configNames: [...t.configKeys],
        })),
      });
      for (const t of present) {
        const partitions = metadata.find((m) => m.name === t.name)?.partitions ?? [];
        const entries = resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
        states.set(t.name, {
          partitions: partitions.length,
          replicationFactor: partitions[0]?.replicas.length ?? 0,
          config: Object.fromEntries(entries.map((e) => [e.configName, e.configValue])),
        });
      }
      return states;
    },
    async create(topics) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: topics.map((t) => ({
          topic: t.name,
          numPartitions: t.partitions,
          replicationFactor: t.replicationFactor,
          configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
        })),
      });
    },
    async createPartitions(name, count) {
      await admin.createPartitions({ topicPartitions: [{ topic: name, count }] });
    },
    async alterConfig(name, changes) {
      // kafkajs has only the non-incremental AlterConfigs, which replaces every override: restate the topic's
      // current overrides (create-only ones with their unchanged values) with the changes on top.
      const config = { ...(await overridesOf(name)), ...changes };
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name,
            configEntries: Object.entries(config).map(([key, value]) => ({ name: key, value })),
          },
        ],
      });
    },
  };
}
