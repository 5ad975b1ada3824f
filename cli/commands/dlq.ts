import {
  allDeadLetters,
  type ClusterTools,
  type DeadLetterQuery,
  type DeadLetterView,
} from '../../shared/operations';
import { confirmed } from '../confirm';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { progress } from '../progress';
import { TOOLS_FLAGS, withTools } from '../tools';

function dateFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`--${flag} "${value}" is not a date (use ISO 8601, e.g. 2026-11-25T10:00:00Z)`);
  return date.toISOString();
}

/** One dead letter in `dlq list`: when, from where, why. */
export function letterLine(l: DeadLetterView): string {
  const { source, kind, attempts, error, failedAt } = l.info;
  return `${failedAt}  ${source.topic}/${source.partition}/${source.offset}  ${kind} x${attempts}  ${error}  [${l.id}]`;
}

/** `dlq show`: the failure and the original record, in full. */
export function letterDetail(l: DeadLetterView): string[] {
  const { info, original } = l;
  return [
    `dead letter ${l.id}`,
    `  handler   ${info.handler} (group ${info.group})`,
    `  source    ${info.source.topic} partition ${info.source.partition} offset ${info.source.offset}`,
    `  failed    ${info.failedAt}, ${info.kind} after ${info.attempts} attempt(s)`,
    `  error     ${info.error}`,
    `  key       ${original.key ?? '(null)'}`,
    `  value     ${original.value ?? '(null)'}`,
    ...original.headers.map((h) => `  header    ${h.key}=${h.value ?? '(null)'}`),
  ];
}

/** Every page of a handler's matching dead letters, oldest failure first, with progress on the terminal. */
export async function allLetters(
  tools: ClusterTools,
  handler: string,
  filter: DeadLetterQuery,
): Promise<DeadLetterView[]> {
  const shown = progress();
  try {
    return await allDeadLetters(tools, handler, filter, (read, pages) =>
      shown.update(`reading dead letters of ${handler}: ${read} in ${pages} page(s)…`),
    );
  } finally {
    shown.done();
  }
}

export const dlq: Command = {
  name: 'dlq',
  help: `dlq list HANDLER [--since ISO] [--until ISO] [--error TEXT] [--kind decode|schema|handler] [--stack NAME] [--app DIR]
    Shows the handler's dead letters: failed at, source topic/partition/offset, kind, attempts, error and id.
  dlq show ID [--stack NAME] [--app DIR]
    Shows one dead letter (id as listed: <dead-letter topic>/<partition>/<offset>): failure, key, value, headers.
  dlq replay HANDLER [same filters] [--ids ID,ID] [--yes] [--stack NAME] [--app DIR]
    Invokes that handler alone with the original records of the matching dead letters; other consumer
    groups never see them again, and a ledger keeps any dead letter from being replayed twice. On a
    terminal it says how many and asks first (--yes does not).
    --stack NAME works on a deployed stack through its operations function, whose deployed handler function
    the replay invokes (--stack local: npm start's).`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, {
      ...TOOLS_FLAGS,
      since: { type: 'string' },
      until: { type: 'string' },
      error: { type: 'string' },
      kind: { type: 'string' },
      ids: { type: 'string' },
      yes: { type: 'boolean', default: false },
    });
    const [action, subject] = positionals;
    if (action !== 'list' && action !== 'replay' && action !== 'show')
      throw new UsageError('dlq list HANDLER, dlq show ID or dlq replay HANDLER');
    if (!subject) throw new UsageError(action === 'show' ? 'give a dead-letter id' : 'give a handler');
    const since = dateFlag('since', values.since);
    const until = dateFlag('until', values.until);
    const filter = {
      ...(since && { since }),
      ...(until && { until }),
      ...(values.error !== undefined && { error: values.error }),
      ...(values.kind !== undefined && { kind: values.kind }),
      ...(values.ids !== undefined && { ids: values.ids.split(',') }),
    } as DeadLetterQuery;
    await withTools(values, say, async (tools) => {
      if (action === 'show')
        return letterDetail(await tools.call({ action: 'dead-letter', id: subject })).forEach(say);
      if (action === 'list') {
        const letters = await allLetters(tools, subject, filter);
        letters.map(letterLine).forEach(say);
        return say(`${letters.length} dead letter(s) for ${subject}`);
      }
      const plan = await tools.call({ action: 'replay', handler: subject, filter, dryRun: true });
      const count = plan.wouldReplay ?? 0;
      if (count === 0)
        return say(
          `nothing to replay to ${subject}; ${plan.skipped} matching dead letter(s) were replayed before`,
        );
      const question = `Replay ${count} dead letter(s) to ${subject} on ${tools.target}${plan.skipped ? ` (${plan.skipped} replayed before are skipped)` : ''}?`;
      if (!(await confirmed(question, values.yes))) return say('nothing replayed');
      // Exactly the dead letters the question counted, even if more matching ones arrived since.
      const confirmedIds = { ...filter, ids: plan.ids ?? [] };
      const { replayed, skipped } = await tools.call({
        action: 'replay',
        handler: subject,
        filter: confirmedIds,
      });
      say(`replayed ${replayed} dead letter(s) to ${subject}; ${skipped} already replayed before`);
    });
  },
};
