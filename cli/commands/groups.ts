import { totalLag, type GroupView } from '../../shared/operations';
import { parseCommandArgs, type Command } from '../command';
import { TOOLS_FLAGS, withTools } from '../tools';

/** A group's lines: one for the group on its topic, one per partition with its committed offset, end and lag. */
export function groupLines(g: GroupView): string[] {
  const members = g.members.length === 1 ? '1 member' : `${g.members.length} members`;
  return [
    `${g.handler}  group ${g.group}  topic ${g.topic}  ${g.state}, ${members}, lag ${totalLag(g.partitions)}`,
    ...g.partitions.map(
      (p) =>
        `  partition ${String(p.partition).padStart(3)}  committed ${String(p.committed ?? '-').padStart(10)}  end ${String(p.end).padStart(10)}  lag ${p.lag}`,
    ),
  ];
}

export const groups: Command = {
  name: 'groups',
  help: `groups [HANDLER...] [--stack NAME] [--app DIR]
    Each handler's consumer groups (one per topic it reads): state, members, committed offsets and lag per
    partition. --stack NAME shows a deployed stack's, through its operations function (--stack local: npm start's).`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, TOOLS_FLAGS);
    const found = await withTools(values, say, (tools) =>
      tools.call({ action: 'groups', ...(positionals.length && { handlers: positionals }) }),
    );
    found.flatMap(groupLines).forEach(say);
  },
};
