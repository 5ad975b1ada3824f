import { errorMessage } from '../../shared/errors';
import { fromKafkaMessage } from '../../shared/kafka/records';
import { decodeRecord } from '../../shared/lambda/decode';
import { valueToJson } from '../../shared/schemas/json-values';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { appManifest, findTopic, kafkaFor, resolveBrokers } from '../context';

export const tail: Command = {
  name: 'tail',
  help: `tail TOPIC [--from-beginning] [--app DIR]
    Prints the topic's records decoded (JSON, or Avro and Protobuf in the registry's wire format) and validated,
    one JSON line each (with headers); invalid ones with the reason.`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, {
      'from-beginning': { type: 'boolean', default: false },
      app: { type: 'string' },
    });
    if (!positionals[0]) throw new UsageError('give a topic');
    const topic = findTopic(appManifest(values.app), positionals[0]);
    const kafka = kafkaFor(await resolveBrokers(say));
    const consumer = kafka.consumer({ groupId: `kafka-lambda-tail-${process.pid}-${Date.now()}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic.name], fromBeginning: values['from-beginning'] });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const raw = fromKafkaMessage(topic.name, partition, message);
        const headers = raw.headers.map(({ key, value }) => [key, value?.toString('utf8') ?? null]);
        try {
          const r = await decodeRecord(topic, raw);
          const value = valueToJson(topic, r.value);
          say(JSON.stringify({ partition, offset: r.offset, key: r.key, value, headers }));
        } catch (error) {
          say(JSON.stringify({ partition, offset: raw.offset, invalid: errorMessage(error), headers }));
        }
      },
    });
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    await consumer.disconnect();
  },
};
