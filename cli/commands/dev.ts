import { createLogger } from '../../shared/lambda/logger';
import { startEmulator, type Emulator } from '../../shared/emulator/emulator';
import { numberFlag, parseCommandArgs, type Command } from '../command';
import { appDir, appManifest, resolveBrokers, resolveDynamoDb } from '../context';
import { ensureTables } from '../../launcher/dynamodb/tables';
import { createDocumentClient } from '../../shared/state/dynamodb';
import { runSimulation } from '../simulation-runner';

export interface DevFlags {
  app: string;
  only?: string[];
  watch: boolean;
  simulate: boolean;
  statsEverySeconds: number;
  /** Stop by itself after this many seconds (for demos and tests); default: run until Ctrl-C. */
  durationSeconds?: number;
}

function statsLines(emulator: Emulator, previous: Map<string, number>, seconds: number): string[] {
  return [...emulator.stats].map(([name, s]) => {
    const rate = (s.handled - (previous.get(name) ?? 0)) / seconds;
    previous.set(name, s.handled);
    const lag = [...s.lag].map(([topic, n]) => `${topic}=${n}`).join(' ');
    return `${name.padEnd(24)} ${rate.toFixed(0).padStart(6)} rec/s  handled ${s.handled}  dead-lettered ${s.deadLettered}  errors ${s.invocationErrors}  timeouts ${s.timeouts}  filtered ${s.filtered}  discarded ${s.discarded}  lag ${s.totalLag()}${lag ? ` (${lag})` : ''}`;
  });
}

/** The app's declared tables on the local (or DYNAMODB_ENDPOINT's) server, created when missing. */
async function prepareTables(app: string, say: (line: string) => void): Promise<void> {
  const { tables } = appManifest(app);
  if (tables.length === 0) return;
  const endpoint = await resolveDynamoDb(say);
  const client = createDocumentClient();
  const created = (await ensureTables(client, tables)).filter((t) => t.action === 'created');
  client.destroy();
  say(
    `tables on ${endpoint}: ${tables.map((t) => t.name).join(', ')}${created.length ? ` (created ${created.map((t) => t.name).join(', ')})` : ''}`,
  );
}

/** `dev`: local emulation of every handler, as the event source mappings would run them on AWS. */
export async function dev(flags: DevFlags): Promise<void> {
  const say = (line: string): void => void process.stdout.write(line + '\n');
  const log = createLogger(
    { component: 'emulator' },
    (process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn',
  );
  const brokers = await resolveBrokers(say);
  await prepareTables(flags.app, say);
  const emulator = await startEmulator({
    appDir: flags.app,
    brokers,
    log,
    watch: flags.watch,
    say,
    ...(flags.only && { only: flags.only }),
  });

  for (const plan of emulator.plans) {
    if (plan.action !== 'none' || plan.drift.length || plan.adjusted) {
      say(
        `topic ${plan.name}: ${plan.action}${plan.adjusted ? `; ${plan.adjusted}` : ''}${plan.drift.map((d) => `; DRIFT: ${d}`).join('')}`,
      );
    }
  }
  say(
    `emulating ${[...emulator.stats.keys()].join(', ')} on ${brokers.join(',')}${flags.watch ? ' (edit a handler to reload it)' : ''}; Ctrl-C to stop`,
  );
  say(`on-failure destination: ${emulator.onFailureDir}`);

  const abort = new AbortController();
  let simulation: Promise<void> = Promise.resolve();
  if (flags.simulate) {
    say("simulating load with the app's simulate.ts");
    simulation = runSimulation(flags.app, brokers, abort.signal, say).then(() => undefined);
  }

  const previous = new Map<string, number>();
  const ticker = setInterval(() => {
    void emulator
      .refreshLag()
      .catch(() => {})
      .then(() => statsLines(emulator, previous, flags.statsEverySeconds).forEach(say));
  }, flags.statsEverySeconds * 1000);

  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (): void => {
      if (++signals > 1) {
        say('second interrupt: exiting now; uncommitted records will be delivered again');
        process.exit(130);
      }
      say('stopping: finishing invocations in flight (Ctrl-C again to abandon them)...');
      resolve();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    if (flags.durationSeconds) setTimeout(resolve, flags.durationSeconds * 1000);
  });
  clearInterval(ticker);
  abort.abort();
  await simulation.catch(() => {});
  await emulator.stop();
  await emulator.refreshLag().catch(() => {});
  statsLines(emulator, previous, flags.statsEverySeconds).forEach(say);
  say('stopped; Kafka keeps running (npm run kafka -- down to stop it)');
}

export const devCommand: Command = {
  name: 'dev',
  help: `dev [--app DIR] [--only NAME,...] [--simulate] [--no-watch] [--stats-every S] [--duration S]
    Runs every handler against Kafka exactly as its MSK event source mapping would on AWS: topics aligned to
    their declarations, one consumer group per mapping, MSK events passed to each handler's function in
    containers of its own, offsets committed as the mapping commits them. Starts local Kafka when KAFKA_BROKERS
    is not set. Edits reload handlers. --simulate also runs the app's simulate.ts load generator.`,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      app: { type: 'string' },
      only: { type: 'string' },
      simulate: { type: 'boolean', default: false },
      'no-watch': { type: 'boolean', default: false },
      'stats-every': { type: 'string', default: '5' },
      duration: { type: 'string' },
    });
    const duration = numberFlag('duration', values.duration);
    await dev({
      app: appDir(values.app),
      watch: !values['no-watch'],
      simulate: values.simulate,
      statsEverySeconds: numberFlag('stats-every', values['stats-every'])!,
      ...(values.only && { only: values.only.split(',') }),
      ...(duration !== undefined && { durationSeconds: duration }),
    });
  },
};
