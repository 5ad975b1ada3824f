/**
 * `npm run verify-deploy -- [--stack NAME] [--record TOPIC=JSON] [--skip-kafka] [--wait SECONDS]`: checks a deployed
 * stack with the AWS SDK and the Kafka admin client. Needs AWS credentials and AWS_REGION; the Kafka checks also
 * need a network path to the brokers on 9098 (run it where the README's test producer runs, or pass --skip-kafka).
 *
 * 1. every event source mapping of the stack is Enabled with its last processing result OK;
 * 2. every declared topic exists with its declared partitions, replication and configs;
 * 3. with --record: the record is published as the README does (the typed producer, IAM auth), and every
 *    consumer group mapped to its topic must commit past it within --wait seconds, which Lambda does only once
 *    the handler returned for it.
 */
import {
  CloudFormationClient,
  DescribeStacksCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import { DescribeClusterV2Command, GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import {
  GetEventSourceMappingCommand,
  LambdaClient,
  type EventSourceMappingConfiguration,
} from '@aws-sdk/client-lambda';
import type { StackResourceSummary } from '@aws-sdk/client-cloudformation';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { loadApp } from '../../shared/declarations/app';
import { kafkaConfigFromEnv } from '../../shared/kafka/connection';
import { kafkajsTopicAdmin } from '../../shared/kafka/kafkajs-topic-admin';
import type { DesiredTopic } from '../../shared/kafka/topic-reconcile';
import { createProducer } from '../../shared/producer';
import { checkMapping, checkTopics, mappingUuidsOf, partitionsBehind, summary, type Finding } from './checks';
import { parseVerifyArgs, type VerifyArgs } from './args';

async function stackFacts(
  stack: string,
): Promise<{ clusterArn: string; mappings: EventSourceMappingConfiguration[] }> {
  const cfn = new CloudFormationClient({});
  const described = await cfn.send(new DescribeStacksCommand({ StackName: stack }));
  const clusterArn = described.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ClusterArn')?.OutputValue;
  if (!clusterArn) throw new Error(`stack ${stack} has no ClusterArn output: is it a kafka-lambda stack?`);
  const resources: StackResourceSummary[] = [];
  for await (const page of paginateListStackResources({ client: cfn }, { StackName: stack }))
    resources.push(...(page.StackResourceSummaries ?? []));
  const lambda = new LambdaClient({});
  const mappings = await Promise.all(
    mappingUuidsOf(resources).map((UUID) => lambda.send(new GetEventSourceMappingCommand({ UUID }))),
  );
  return { clusterArn, mappings };
}

async function kafkaAdmin(clusterArn: string): Promise<{ kafka: Kafka; serverless: boolean }> {
  const msk = new KafkaClient({});
  const cluster = await msk.send(new DescribeClusterV2Command({ ClusterArn: clusterArn }));
  const brokers =
    process.env.KAFKA_BROKERS ??
    (await msk.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }))).BootstrapBrokerStringSaslIam;
  if (!brokers) throw new Error(`no SASL/IAM bootstrap brokers for ${clusterArn}`);
  const config = kafkaConfigFromEnv({ ...process.env, KAFKA_BROKERS: brokers, KAFKA_AUTH: 'iam' });
  process.env.KAFKA_BROKERS = brokers;
  process.env.KAFKA_AUTH = 'iam';
  return {
    kafka: new Kafka({ ...config, logLevel: logLevel.WARN }),
    serverless: cluster.ClusterInfo?.ClusterType === 'SERVERLESS',
  };
}

async function recordReaches(
  admin: Admin,
  args: Required<Pick<VerifyArgs, 'record'>> & VerifyArgs,
  mappings: readonly EventSourceMappingConfiguration[],
): Promise<Finding[]> {
  const { topic: topicName, value } = args.record;
  const topic = loadApp('functions').topics.find((t) => t.name === topicName);
  if (!topic) throw new Error(`--record: topic ${topicName} is not declared in functions/`);
  const groups = mappings
    .filter((m) => m.Topics?.includes(topicName))
    .map((m) => m.AmazonManagedKafkaEventSourceConfig?.ConsumerGroupId)
    .filter((g): g is string => g !== undefined);
  if (groups.length === 0)
    return [{ ok: false, subject: `record on ${topicName}`, detail: 'no mapping reads this topic' }];
  const producer = createProducer();
  await producer.publish(topic, value, { headers: { 'verify-deploy': new Date().toISOString() } });
  await producer.disconnect();
  const end = (await admin.fetchTopicOffsets(topicName)).map((p) => ({
    partition: p.partition,
    offset: p.high,
  }));
  const deadline = Date.now() + args.waitSeconds * 1000;
  const findings: Finding[] = [];
  for (const groupId of groups) {
    const behindNow = async (): Promise<number[]> => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topicName] });
      return partitionsBehind(end, committed?.partitions ?? []);
    };
    // Waiting on a deployed system, not a test: poll the group's commits until they pass the record or time runs out.
    let behind = await behindNow();
    while (behind.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 5000));
      behind = await behindNow();
    }
    findings.push({
      ok: behind.length === 0,
      subject: `record on ${topicName}, group ${groupId}`,
      detail:
        behind.length === 0
          ? 'handled (the group committed past it)'
          : `partitions ${behind.join(', ')} not committed after ${args.waitSeconds} s: see the function's log group`,
    });
  }
  return findings;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseVerifyArgs(argv);
  const { clusterArn, mappings } = await stackFacts(args.stack);
  const findings: Finding[] = mappings.map(checkMapping);
  if (!args.skipKafka) {
    const { kafka, serverless } = await kafkaAdmin(clusterArn);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const declared: DesiredTopic[] = loadApp('functions').topics.map((t) => {
        // MSK Serverless keeps min.insync.replicas itself (infra/topics.ts does not set it there).
        const { ['min.insync.replicas']: _minIsr, ...rest } = t.config;
        return {
          name: t.name,
          partitions: t.partitions,
          replicationFactor: t.replicationFactor,
          config: serverless ? rest : { ...t.config },
        };
      });
      const actual = await kafkajsTopicAdmin(admin).describe(
        declared.map((t) => ({ name: t.name, configKeys: Object.keys(t.config) })),
      );
      findings.push(...checkTopics(declared, actual));
      if (args.record)
        findings.push(...(await recordReaches(admin, { ...args, record: args.record }, mappings)));
    } finally {
      await admin.disconnect();
    }
  }
  const result = summary(findings);
  console.log(result.text);
  return result.ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
