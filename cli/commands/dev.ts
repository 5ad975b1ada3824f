import { emulatorFigures } from '../../console/figures';
import { startConsole, DEFAULT_CONSOLE_PORT, type RunningConsole } from '../../console/server';
import { followRecord, startEmulator, type FollowTarget } from '../../shared/emulator';
import { startLocalStack, type LocalStack } from '../../shared/emulator/local-stack';
import { numberFlag, parseCommandArgs, UsageError, type Command } from '../command';
import type { AppPlan } from '../../shared/declarations/app-plan';
import { learnApp } from '../../shared/emulator/learn-app';
import { appDir, passEnvFlag, resolveBrokers, resolveDynamoDb } from '../context';
import { openDevLog } from '../dev-log';
import { ensureTables } from '../../launcher/dynamodb/tables';
import { createDocumentClient } from '../../shared/state/dynamodb';
import { runSimulation } from '../simulation-runner';
import { plainLines, renderBoard, StatusBoard, StatusCounter } from '../status-board';
import { emulatorTools } from '../tools';

export interface DevFlags {
  app: string;
  only?: string[];
  watch: boolean;
  simulate: boolean;
  statsEverySeconds: number;
  /** Stop by itself after this many seconds (for demos and tests); default: run until Ctrl-C. */
  durationSeconds?: number;
  /** The console's port; false for no console. @default 4480 */
  consolePort: number | false;
  /** Log lines of failed records on the terminal too, even under the status board. @default false */
  verbose: boolean;
  /** Variables the functions get from this shell by name (local only). @default none */
  passEnvironment?: string[];
  /** Run the local stack (the operations function and the loopback Lambda endpoint) for `--stack local`. @default true */
  localStack?: boolean;
}

/**
 * The app's declared tables on the local (or DYNAMODB_ENDPOINT's) server, created when missing; resolves with the
 * endpoint, which the functions that declare tables get.
 */
async function prepareTables(plan: AppPlan, say: (line: string) => void): Promise<string | undefined> {
  const { tables } = plan;
  if (tables.length === 0) return undefined;
  const endpoint = await resolveDynamoDb(say);
  const client = createDocumentClient({ ...process.env, DYNAMODB_ENDPOINT: endpoint });
  const created = (await ensureTables(client, tables)).filter((t) => t.action === 'created');
  client.destroy();
  say(
    `tables on ${endpoint}: ${tables.map((t) => t.name).join(', ')}${created.length ? ` (created ${created.map((t) => t.name).join(', ')})` : ''}`,
  );
  return endpoint;
}

/** `dev`: local emulation of every handler, as the event source mappings would run them on AWS. */
export async function dev(flags: DevFlags): Promise<void> {
  const tty = process.stdout.isTTY === true;
  const board = tty ? new StatusBoard((text) => void process.stdout.write(text)) : undefined;
  const say = (line: string): void => (board ? board.say(line) : void process.stdout.write(line + '\n'));
  const devLog = openDevLog({ tty, verbose: flags.verbose });
  const brokers = await resolveBrokers(say);
  // The declarations, learned once in a throwaway worker: no handler module runs in this process.
  const plan = await learnApp(flags.app);
  const dynamodbEndpoint = await prepareTables(plan, say);
  const emulator = await startEmulator({
    appDir: flags.app,
    plan,
    brokers,
    ...(dynamodbEndpoint && { dynamodbEndpoint }),
    ...(flags.passEnvironment && { passEnvironment: flags.passEnvironment }),
    log: devLog.log,
    output: devLog.output,
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
  say(
    `log of failed records and handler output: ${devLog.path}${devLog.echoed ? ' (and this terminal)' : ''}`,
  );
  let localStack: LocalStack | undefined;
  if (flags.localStack !== false) {
    localStack = await startLocalStack({ emulator, output: devLog.output }).catch((error: unknown) => {
      say(`local stack not started (${error instanceof Error ? error.message : String(error)})`);
      return undefined;
    });
    if (localStack)
      say(`local stack: ${localStack.endpoint} (--stack local reaches it through its operations function)`);
  }
  const tools = emulatorTools(emulator);
  let webConsole: RunningConsole | undefined;
  if (flags.consolePort !== false) {
    const figures = emulatorFigures(emulator);
    const follow = (target: FollowTarget) => followRecord(emulator, target);
    webConsole = await startConsole({ tools, figures, follow, port: flags.consolePort }).catch(
      (error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        say(`console not started (${reason}); pick another port with --console-port N`);
        return undefined;
      },
    );
    if (webConsole) say(`console: ${webConsole.url}`);
  }

  const abort = new AbortController();
  let simulation: Promise<void> = Promise.resolve();
  if (flags.simulate) {
    say("simulating load with the app's simulate.ts");
    simulation = runSimulation(flags.app, brokers, abort.signal, say).then(() => undefined);
  }

  const counter = new StatusCounter();
  const report = (): void => {
    const rows = counter.next(emulator.stats, flags.statsEverySeconds);
    // columns is 0 when the terminal does not report its size: then the default width.
    if (board) board.draw(renderBoard(rows, process.stdout.columns || undefined));
    else plainLines(rows).forEach(say);
  };
  const ticker = setInterval(() => {
    void emulator
      .refreshLag()
      .catch(() => {})
      .then(report);
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
  await webConsole?.stop();
  await localStack?.stop();
  await tools.close();
  await simulation.catch(() => {});
  await emulator.stop();
  await emulator.refreshLag().catch(() => {});
  report();
  await devLog.close();
  say('stopped; Kafka keeps running (npm run kafka -- down to stop it)');
}

function consolePortFlag(value: string | undefined, off: boolean): number | false {
  if (off) return false;
  if (value === undefined) return DEFAULT_CONSOLE_PORT;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--console-port must be a port number from 0 to 65535, got "${value}"`);
  return port;
}

export const devCommand: Command = {
  name: 'dev',
  help: `dev [--app DIR] [--only NAME,...] [--simulate] [--no-watch] [--stats-every S] [--duration S]
    [--console-port N] [--no-console] [--no-local-stack] [--verbose] [--pass-env NAME,...]
    Runs every handler against Kafka exactly as its MSK event source mapping would on AWS: topics aligned to
    their declarations, one consumer group per mapping, MSK events passed to each handler's function in
    containers of its own, offsets committed as the mapping commits them. Starts local Kafka when KAFKA_BROKERS
    is not set. Edits reload handlers. --simulate also runs the app's simulate.ts load generator.
    Serves the web console on http://127.0.0.1:${DEFAULT_CONSOLE_PORT}/ (--console-port N, 0 for any free port;
    --no-console for none). On a terminal, a status line per handler is redrawn in place and the JSON lines of
    failed records go to a log file whose path is printed; --verbose (or a stdout that is no terminal) prints them too.
    A function sees only the environment the deployed one has (its declared variables, what infra and Lambda's
    runtime set, local stand-ins for AWS); --pass-env NAME,... passes named variables of this shell through as well,
    a local-only convenience.
    Also runs the local stack: the operations function and a loopback Lambda endpoint, so the tools' --stack local
    goes the way --stack NAME goes on AWS (--no-local-stack for none).`,
  async run(args) {
    const { values } = parseCommandArgs(args, {
      app: { type: 'string' },
      only: { type: 'string' },
      simulate: { type: 'boolean', default: false },
      'no-watch': { type: 'boolean', default: false },
      'stats-every': { type: 'string', default: '5' },
      duration: { type: 'string' },
      'console-port': { type: 'string' },
      'no-console': { type: 'boolean', default: false },
      'no-local-stack': { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      'pass-env': { type: 'string' },
    });
    const passEnvironment = passEnvFlag(values['pass-env'], (line) => void process.stdout.write(line + '\n'));
    const duration = numberFlag('duration', values.duration);
    await dev({
      app: appDir(values.app),
      watch: !values['no-watch'],
      simulate: values.simulate,
      statsEverySeconds: numberFlag('stats-every', values['stats-every'])!,
      consolePort: consolePortFlag(values['console-port'], values['no-console']),
      verbose: values.verbose,
      localStack: !values['no-local-stack'],
      ...(values.only && { only: values.only.split(',') }),
      ...(duration !== undefined && { durationSeconds: duration }),
      ...(passEnvironment && { passEnvironment }),
    });
  },
};
