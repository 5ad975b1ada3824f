import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { appDir, findTopic, loadApp } from './app-dir';
import { cliKafkaConfig, resolveBrokers } from './brokers';
import { dev } from './commands/dev';
import { kafkaFor, listDeadLetters, replayDeadLetters, type DeadLetterFilter } from './commands/dead-letters';
import { listTopics, publishJson, tailTopic } from './commands/topics';
import { createKafkaSink } from '../shared/kafka/sink';
import { runSimulation } from './simulation-runner';
import { errorMessage } from '../shared/errors';
import { loadModule } from '../shared/declarations/load-module';

const HELP: Record<string, string> = {
  dev: `dev [--app DIR] [--only NAME,...] [--simulate] [--no-watch] [--stats-every S] [--duration S]
    Runs every handler against Kafka exactly as its MSK event source mapping would on AWS: topics aligned to
    their declarations, one consumer group per handler, MSK events passed to the module's exported handler,
    offsets committed after success. Starts local Kafka when KAFKA_BROKERS is not set. Edits reload handlers.
    --simulate also runs the app's simulate.ts load generator.`,
  publish: `publish TOPIC JSON [--key KEY]
    Validates JSON against the topic's schema, derives the key as declared (or --key) and publishes it.`,
  tail: `tail TOPIC [--from-beginning]
    Prints the topic's records decoded and validated, one JSON line each; invalid ones with the reason.`,
  topics: `topics
    Lists every declared topic (dead-letter topics included) against the cluster: ok, MISSING or DRIFT.`,
  dlq: `dlq list HANDLER [--since ISO] [--until ISO] [--error TEXT]
    Shows the handler's dead letters: source topic/partition/offset, kind, attempts, error.
  dlq replay HANDLER [--since ISO] [--until ISO] [--error TEXT]
    Invokes that handler alone with the original records of the matching dead letters; other consumer
    groups never see them again, and a ledger keeps any dead letter from being replayed twice.`,
  simulate: `simulate [--rate N] [--users N] [--limit N]
    Runs the app's simulate.ts load generator alone (until Ctrl-C or --limit records).`,
  kafka: `kafka up [--nodes 1|3] | down | status | stop-node N | start-node N
    The local Kafka cluster (same as npm run kafka -- ...).`,
};

function usage(): string {
  return `kafka-lambda <command> [options]\n\n${Object.values(HELP).join('\n\n')}\n`;
}

const say = (line: string): void => void process.stdout.write(line + '\n');

function dlqFilter(values: Record<string, unknown>): DeadLetterFilter {
  const date = (flag: string): Date | undefined => {
    const v = values[flag] as string | undefined;
    if (v === undefined) return undefined;
    const d = new Date(v);
    if (Number.isNaN(d.getTime()))
      throw new Error(`--${flag} "${v}" is not a date (use ISO 8601, e.g. 2026-11-25T10:00:00Z)`);
    return d;
  };
  const since = date('since');
  const until = date('until');
  const error = values.error as string | undefined;
  return { ...(since && { since }), ...(until && { until }), ...(error !== undefined && { error }) };
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help') return say(usage());
  if (command === 'kafka') {
    process.argv = [process.argv[0]!, 'kafka', ...rest];
    loadModule(resolve(__dirname, '../launcher/kafka/cli')); // runs the launcher's own command line, which exits by itself
    return new Promise<never>(() => {});
  }
  if (!(command in HELP)) throw new Error(`unknown command "${command}"\n\n${usage()}`);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      app: { type: 'string' },
      only: { type: 'string' },
      simulate: { type: 'boolean', default: false },
      'no-watch': { type: 'boolean', default: false },
      'stats-every': { type: 'string', default: '5' },
      duration: { type: 'string' },
      key: { type: 'string' },
      'from-beginning': { type: 'boolean', default: false },
      since: { type: 'string' },
      until: { type: 'string' },
      error: { type: 'string' },
      rate: { type: 'string' },
      users: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return say(HELP[command]!);
  const dir = appDir(values.app);

  if (command === 'dev') {
    return dev({
      app: dir,
      watch: !values['no-watch'],
      simulate: values.simulate,
      statsEverySeconds: Number(values['stats-every']),
      ...(values.only && { only: values.only.split(',') }),
      ...(values.duration && { durationSeconds: Number(values.duration) }),
    });
  }

  const manifest = loadApp(dir);
  const brokers = await resolveBrokers(say);
  const kafka = kafkaFor(brokers);
  const handlerNamed = (name: string | undefined) => {
    const found = manifest.handlers.find((h) => h.definition.name === name);
    if (!found)
      throw new Error(
        `no handler named "${name ?? ''}"; declared: ${manifest.handlers.map((h) => h.definition.name).join(', ')}`,
      );
    return found;
  };

  switch (command) {
    case 'topics':
      return (await listTopics(kafka, manifest)).forEach(say);
    case 'publish': {
      const [topicName, json] = positionals;
      if (!topicName || json === undefined) throw new Error(HELP.publish);
      const sink = createKafkaSink(cliKafkaConfig(brokers, 'kafka-lambda-cli'));
      try {
        await publishJson(sink, findTopic(manifest, topicName), json, values.key);
      } finally {
        await sink.disconnect();
      }
      return say(`published to ${topicName}`);
    }
    case 'tail': {
      const topic = findTopic(manifest, positionals[0] ?? '');
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      return tailTopic(kafka, topic, values['from-beginning'], say, abort.signal);
    }
    case 'dlq': {
      const [action, name] = positionals;
      const module = handlerNamed(name);
      if (action === 'list') {
        const entries = await listDeadLetters(kafka, module, dlqFilter(values));
        for (const e of entries) {
          const { source, kind, attempts, error, failedAt } = e.info;
          say(
            `${failedAt.toISOString()}  ${source.topic}/${source.partition}/${source.offset}  ${kind} x${attempts}  ${error}`,
          );
        }
        return say(`${entries.length} dead letter(s) for ${module.definition.name}`);
      }
      if (action === 'replay') {
        process.env.KAFKA_BROKERS ??= brokers.join(',');
        const { replayed, skipped } = await replayDeadLetters(kafka, module, dlqFilter(values), say);
        return say(
          `replayed ${replayed} dead letter(s) to ${module.definition.name}; ${skipped} already replayed before`,
        );
      }
      throw new Error(HELP.dlq);
    }
    case 'simulate': {
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      const numbers = (['rate', 'users', 'limit'] as const)
        .filter((k) => values[k] !== undefined)
        .map((k) => [k, Number(values[k])]);
      const sent = await runSimulation(dir, brokers, abort.signal, say, Object.fromEntries(numbers));
      return say(`sent ${sent} records`);
    }
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`error: ${errorMessage(error)}\n`);
    process.exit(1);
  },
);
