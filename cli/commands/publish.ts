import { errorMessage } from '../../shared/errors';
import { confirmed } from '../confirm';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { TOOLS_FLAGS, withTools } from '../tools';

export const publish: Command = {
  name: 'publish',
  help: `publish TOPIC JSON [--key KEY] [--yes] [--stack NAME] [--app DIR]
    Validates JSON against the topic's schema, derives the key as declared (or --key) and publishes it.
    --stack NAME publishes to a deployed stack through its operations function (--stack local: npm start's);
    on a terminal it asks first (--yes does not).`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, {
      ...TOOLS_FLAGS,
      key: { type: 'string' },
      yes: { type: 'boolean', default: false },
    });
    const [topic, json] = positionals;
    if (!topic || json === undefined) throw new UsageError('give a topic and a JSON value');
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (error) {
      throw new Error(`the value for topic ${topic} is not JSON: ${errorMessage(error)}`, { cause: error });
    }
    await withTools(values, say, async (tools) => {
      if (
        values.stack !== undefined &&
        !(await confirmed(`Publish 1 record to ${topic} on ${tools.target}?`, values.yes))
      )
        return say('nothing published');
      const { published } = await tools.call({
        action: 'publish',
        topic,
        records: [{ value, ...(values.key !== undefined && { key: values.key }) }],
      });
      say(
        `published ${published} record to ${topic}${values.stack !== undefined ? ` on ${tools.target}` : ''}`,
      );
    });
  },
};
