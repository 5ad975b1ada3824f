import {
  listDeadLetters,
  replayDeadLetters,
  type DeadLetterFilter,
} from '../../shared/operations/dead-letters';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { appManifest, findHandler, kafkaFor, resolveBrokers } from '../context';

function dateFlag(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new UsageError(`--${flag} "${value}" is not a date (use ISO 8601, e.g. 2026-11-25T10:00:00Z)`);
  return date;
}

export const dlq: Command = {
  name: 'dlq',
  help: `dlq list HANDLER [--since ISO] [--until ISO] [--error TEXT] [--app DIR]
    Shows the handler's dead letters: source topic/partition/offset, kind, attempts, error.
  dlq replay HANDLER [--since ISO] [--until ISO] [--error TEXT] [--app DIR]
    Invokes that handler alone with the original records of the matching dead letters; other consumer
    groups never see them again, and a ledger keeps any dead letter from being replayed twice.`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, {
      since: { type: 'string' },
      until: { type: 'string' },
      error: { type: 'string' },
      app: { type: 'string' },
    });
    const [action, name] = positionals;
    if (action !== 'list' && action !== 'replay')
      throw new UsageError('dlq list HANDLER or dlq replay HANDLER');
    const module = findHandler(appManifest(values.app), name);
    const since = dateFlag('since', values.since);
    const until = dateFlag('until', values.until);
    const filter: DeadLetterFilter = {
      ...(since && { since }),
      ...(until && { until }),
      ...(values.error !== undefined && { error: values.error }),
    };
    const brokers = await resolveBrokers(say);
    const kafka = kafkaFor(brokers);
    if (action === 'list') {
      const entries = await listDeadLetters(kafka, module, filter);
      for (const { info } of entries) {
        const { source, kind, attempts, error, failedAt } = info;
        say(
          `${failedAt.toISOString()}  ${source.topic}/${source.partition}/${source.offset}  ${kind} x${attempts}  ${error}`,
        );
      }
      return say(`${entries.length} dead letter(s) for ${module.definition.name}`);
    }
    const { replayed, skipped } = await replayDeadLetters({ kafka, brokers, module, filter, say });
    say(
      `replayed ${replayed} dead letter(s) to ${module.definition.name}; ${skipped} already replayed before`,
    );
  },
};
