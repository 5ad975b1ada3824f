import type { TopicShape, TopicStatus } from '../../shared/operations';
import { parseCommandArgs, type Command } from '../command';
import { TOOLS_FLAGS, withTools } from '../tools';

const shape = (s: TopicShape): string => `${s.partitions} partitions, replication ${s.replication}`;

/** One line of `topics`: ok, MISSING or DRIFT, with the declared shape when the cluster's differs. */
export function topicLine(status: TopicStatus): string {
  const name = status.name.padEnd(48);
  if (!status.actual) return `${name} MISSING (declared ${shape(status.declared)})`;
  if (status.state === 'ok') return `${name} ok  ${shape(status.actual)}`;
  const reasons = status.reasons?.length ? `: ${status.reasons.join('; ')}` : '';
  return `${name} DRIFT  ${shape(status.actual)} (declared ${shape(status.declared)})${reasons}`;
}

export const topics: Command = {
  name: 'topics',
  help: `topics [--stack NAME] [--app DIR]
    Lists every declared topic (dead-letter topics included) against the cluster: ok, MISSING or DRIFT.
    --stack NAME: the topics of a deployed stack, through its operations function (--stack local: npm start's).`,
  async run(args, { say }) {
    const { values } = parseCommandArgs(args, TOOLS_FLAGS);
    const statuses = await withTools(values, say, (tools) => tools.call({ action: 'topics' }));
    statuses.map(topicLine).forEach(say);
  },
};
