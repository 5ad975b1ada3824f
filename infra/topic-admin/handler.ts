import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaConfigFromEnv } from '../../shared/kafka/connection';
import { desiredFromProperties, reconcileTopic, type TopicAdmin } from './reconcile';

/** kafkajs behind the narrow interface reconcileTopic works on. */
export function kafkajsTopicAdmin(admin: Admin): TopicAdmin {
  return {
    createTopic: (t) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: [
          {
            topic: t.name,
            numPartitions: t.partitions,
            replicationFactor: t.replicationFactor,
            configEntries: Object.entries(t.config).map(([name, value]) => ({ name, value })),
          },
        ],
      }),
    async describeTopic(name) {
      const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length === 0) return undefined;
      return { partitions: partitions.length, replicationFactor: partitions[0]!.replicas.length };
    },
    async createPartitions(name, count) {
      await admin.createPartitions({ topicPartitions: [{ topic: name, count }] });
    },
    async setConfig(name, config) {
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

interface ProviderResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/**
 * The custom resource's onEvent handler (CDK Provider framework). Delete leaves the topic in place: topics are
 * retained like the AWS::MSK::Topic resources on provisioned clusters, so a removed declaration never drops data.
 */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<ProviderResponse> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const desired = desiredFromProperties(event.ResourceProperties);
  const brokers = event.ResourceProperties.BootstrapBrokers;
  if (typeof brokers !== 'string' || brokers.length === 0) throw new Error('BootstrapBrokers is required');
  const kafka = new Kafka({
    ...kafkaConfigFromEnv({
      KAFKA_BROKERS: brokers,
      KAFKA_AUTH: 'iam',
      AWS_REGION: process.env.AWS_REGION,
      KAFKA_CLIENT_ID: 'topic-admin',
    }),
    logLevel: logLevel.WARN,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const change = await reconcileTopic(kafkajsTopicAdmin(admin), desired);
    console.log(JSON.stringify({ level: 'info', msg: 'topic reconciled', topic: desired.name, change }));
    return { PhysicalResourceId: desired.name, Data: { TopicName: desired.name, Change: change } };
  } finally {
    await admin.disconnect();
  }
}
