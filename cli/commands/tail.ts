import type { ClusterTools, RecordView } from '../../shared/operations';
import { numberFlag, parseCommandArgs, UsageError, type Command } from '../command';
import { TOOLS_FLAGS, withTools } from '../tools';

/** How long a followed topic rests at its end before asking again. */
const FOLLOW_POLL_MS = 1000;

/** One record as `tail` prints it: its place, key, decoded value and headers, or why it is invalid. */
export function recordLine(r: RecordView): string {
  const { partition, offset, key, headers } = r;
  return JSON.stringify(
    r.problem === undefined
      ? { partition, offset, key, value: r.value, headers }
      : { partition, offset, key, invalid: r.problem, value: r.value, headers },
  );
}

/** Reads the topic page by page, printing each record; at its end, stops or waits for more. */
export async function tailTopic(
  tools: ClusterTools,
  topic: string,
  o: {
    fromBeginning: boolean;
    toEnd: boolean;
    limit?: number;
    print(line: string): void;
    stopped: () => boolean;
  },
): Promise<number> {
  let printed = 0;
  let pageToken: string | undefined;
  while (!o.stopped()) {
    const left = o.limit === undefined ? undefined : o.limit - printed;
    if (left === 0) break;
    const page = await tools.call({
      action: 'read',
      topic,
      ...(pageToken ? { pageToken } : { from: o.fromBeginning ? 'beginning' : 'end' }),
      ...(left !== undefined && { limit: left }),
    });
    for (const r of page.records) o.print(recordLine(r));
    printed += page.records.length;
    pageToken = page.nextPageToken;
    if (page.atEnd) {
      if (o.toEnd) break;
      await new Promise((resolve) => setTimeout(resolve, FOLLOW_POLL_MS));
    }
  }
  return printed;
}

export const tail: Command = {
  name: 'tail',
  help: `tail TOPIC [--from-beginning] [--to-end] [--limit N] [--stack NAME] [--app DIR]
    Prints the topic's records decoded and validated, one JSON line each (with headers); invalid ones with the
    reason. Follows the topic until Ctrl-C; --to-end stops at its end as of the start, --limit after N records.
    --stack NAME reads a deployed stack's topic through its operations function (--stack local: npm start's).`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, {
      ...TOOLS_FLAGS,
      'from-beginning': { type: 'boolean', default: false },
      'to-end': { type: 'boolean', default: false },
      limit: { type: 'string' },
    });
    const topic = positionals[0];
    if (!topic) throw new UsageError('give a topic');
    const limit = numberFlag('limit', values.limit);
    let stopped = false;
    const stop = (): void => void (stopped = true);
    process.once('SIGINT', stop);
    try {
      await withTools(values, say, (tools) =>
        tailTopic(tools, topic, {
          fromBeginning: values['from-beginning'],
          toEnd: values['to-end'],
          ...(limit !== undefined && { limit }),
          print: say,
          stopped: () => stopped,
        }),
      );
    } finally {
      process.off('SIGINT', stop);
    }
  },
};
