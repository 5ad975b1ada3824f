import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';
import { kafkaConfigFromEnv } from '../../shared/kafka/connection';
import { kafkajsTopicAdmin } from '../../shared/kafka/kafkajs-topic-admin';
import { reconcileTopics } from '../../shared/kafka/topic-reconcile';
import { desiredFromProperties } from './properties';

interface ProviderResponse {
  PhysicalResourceId: string;
  Data?: Record<string, string>;
}

/**
 * The custom resource's onEvent handler (CDK Provider framework), for MSK Serverless and existing clusters.
 * Create adopts a topic that already exists (one retained from an earlier stack, or an existing cluster's) and
 * reconciles it like an update: partitions added, changeable configs set, create-only differences reported as
 * drift (in the log and the resource's `Drift` attribute) rather than failing the deploy. Delete leaves the topic
 * in place: topics are retained like AWS::MSK::Topic resources, so a removed declaration never drops data.
 */
export async function handler(event: CloudFormationCustomResourceEvent): Promise<ProviderResponse> {
  if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
  const { desired, rules } = desiredFromProperties(event.ResourceProperties);
  const brokers = event.ResourceProperties.BootstrapBrokers;
  if (typeof brokers !== 'string' || brokers.length === 0)
    throw new Error(`topic ${desired.name}: BootstrapBrokers is required`);
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
    const [plan] = await reconcileTopics(kafkajsTopicAdmin(admin), [desired], rules);
    const steps = plan!.steps.map((s) => s.kind).join(',') || 'none';
    console.log(
      JSON.stringify({
        level: plan!.drift.length ? 'warn' : 'info',
        msg: 'topic reconciled',
        topic: desired.name,
        steps,
        drift: plan!.drift,
      }),
    );
    return {
      PhysicalResourceId: desired.name,
      Data: { TopicName: desired.name, Steps: steps, Drift: plan!.drift.join('; ') },
    };
  } finally {
    await admin.disconnect();
  }
}
