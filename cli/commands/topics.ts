import { topicStatuses, type TopicShape, type TopicStatus } from '../../shared/operations/topic-status';
import { parseCommandArgs, type Command } from '../command';
import { appManifest, kafkaFor, resolveBrokers } from '../context';

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
  help: `topics [--app DIR]
    Lists every declared topic (dead-letter topics included) against the cluster: ok, MISSING or DRIFT.`,
  async run(args, { say }) {
    const { values } = parseCommandArgs(args, { app: { type: 'string' } });
    const manifest = appManifest(values.app);
    const statuses = await topicStatuses(kafkaFor(await resolveBrokers(say)), manifest.topics);
    statuses.map(topicLine).forEach(say);
  },
};
