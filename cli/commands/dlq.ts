import {
  listDeadLetters,
  replayDeadLetters,
  type DeadLetterFilter,
} from '../../shared/emulator/dead-letters';
import { parseCommandArgs, UsageError, type Command } from '../command';
import { learnApp } from '../../shared/emulator/learn-app';
import { appDir, findHandler, kafkaFor, passEnvFlag, resolveBrokers, resolveDynamoDb } from '../context';

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
  dlq replay HANDLER [--since ISO] [--until ISO] [--error TEXT] [--app DIR] [--pass-env NAME,...]
    Invokes that handler alone with the original records of the matching dead letters; other consumer
    groups never see them again, and a ledger keeps any dead letter from being replayed twice. The function
    has the environment dev gives it (--pass-env as for dev).`,
  async run(args, { say }) {
    const { values, positionals } = parseCommandArgs(args, {
      since: { type: 'string' },
      until: { type: 'string' },
      error: { type: 'string' },
      app: { type: 'string' },
      'pass-env': { type: 'string' },
    });
    const [action, name] = positionals;
    if (action !== 'list' && action !== 'replay')
      throw new UsageError('dlq list HANDLER or dlq replay HANDLER');
    // As the emulator does: the handler modules run in a throwaway worker, not in this process.
    const handler = findHandler(await learnApp(appDir(values.app)), name);
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
      const entries = await listDeadLetters(kafka, handler, filter);
      for (const { info } of entries) {
        const { source, kind, attempts, error, failedAt } = info;
        say(
          `${failedAt.toISOString()}  ${source.topic}/${source.partition}/${source.offset}  ${kind} x${attempts}  ${error}`,
        );
      }
      return say(`${entries.length} dead letter(s) for ${handler.name}`);
    }
    const passEnvironment = passEnvFlag(values['pass-env'], say);
    const dynamodbEndpoint = handler.tables.length > 0 ? await resolveDynamoDb(say) : undefined;
    const { replayed, skipped } = await replayDeadLetters({
      kafka,
      brokers,
      handler,
      filter,
      say,
      dynamodbEndpoint,
      passEnvironment,
    });
    say(`replayed ${replayed} dead letter(s) to ${handler.name}; ${skipped} already replayed before`);
  },
};
