import { errorMessage } from '../../shared/errors';
import { createKafkaSink } from '../../shared/kafka/sink';
import { typedProducer } from '../../shared/producer';
import { valueFromJson } from '../../shared/schemas/json-values';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { appManifest, cliKafkaConfig, findTopic, resolveBrokers } from '../context';

export const publish: Command = {
  name: 'publish',
  help: `publish TOPIC JSON [--key KEY] [--app DIR]
    Validates JSON against the topic's schema, derives the key as declared (or --key) and publishes it
    (encoded in the registry's wire format with the declared version's id on an Avro or Protobuf topic).`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, {
      key: { type: 'string' },
      app: { type: 'string' },
    });
    const [topicName, json] = positionals;
    if (!topicName || json === undefined) throw new UsageError('give a topic and a JSON value');
    const topic = findTopic(appManifest(values.app), topicName);
    let value: unknown;
    try {
      value = valueFromJson(topic, JSON.parse(json));
    } catch (error) {
      throw new Error(`the value for topic ${topic.name} is not JSON: ${errorMessage(error)}`, {
        cause: error,
      });
    }
    const sink = createKafkaSink(cliKafkaConfig(await resolveBrokers(say), 'kafka-lambda-cli'));
    try {
      await typedProducer(sink).publish(topic, value, values.key === undefined ? {} : { key: values.key });
    } finally {
      await sink.disconnect();
    }
    say(`published to ${topic.name}`);
  },
};
