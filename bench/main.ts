/**
 * `npm run bench [-- --quick] [--json FILE] [--only id,id]`: every benchmark against its baseline measured in
 * the same run, medians of several runs with warm-up excluded. Each benchmark runs in a fresh process (child.ts);
 * this one holds the broker for all of them. Progress goes to stderr, the figures to stdout.
 */
import { fork } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { BENCHMARKS } from './benchmarks';
import type { ChildAnswer, ChildTask } from './child';
import { now } from './common';
import { acquireBrokers, newRunId, openBenchKafka, type Brokers } from './kafka';
import { renderTable, writeJson, type Result } from './report';

interface Args {
  quick: boolean;
  json?: string;
  only?: string[];
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--quick') args.quick = true;
    else if (arg === '--json' && argv[i + 1]) args.json = argv[++i]!;
    else if (arg === '--only' && argv[i + 1]) args.only = argv[++i]!.split(',');
    else {
      const ids = BENCHMARKS.map((b) => b.id).join(',');
      throw new Error(`unknown argument ${arg}; usage: bench [--quick] [--json FILE] [--only ${ids}]`);
    }
  }
  const unknown = (args.only ?? []).filter((id) => !BENCHMARKS.some((b) => b.id === id));
  if (unknown.length) throw new Error(`no benchmark ${unknown.join(', ')}`);
  return args;
}

const say = (line: string): void => void process.stderr.write(line + '\n');

/** The machine may be shared: the load average says how busy it was around the figures. */
const load = (): string =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');

/** Runs one benchmark in a child process; its progress lines and any stray stdout go to our stderr. */
function runChild(task: ChildTask): Promise<Result[]> {
  return new Promise((resolve, reject) => {
    const child = fork(join(__dirname, 'child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 2, 2, 'ipc'],
    });
    let answer: ChildAnswer | undefined;
    child.on('message', (message: ChildAnswer) => (answer = message));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (answer?.ok) resolve(answer.results);
      else reject(new Error(answer?.error ?? `benchmark ${task.id} exited with ${signal ?? code}`));
    });
    child.send(task);
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const selected = BENCHMARKS.filter((b) => !args.only || args.only.includes(b.id));
  const started = now();
  say(
    `node ${process.version}, ${cpus().length} cpus (${cpus()[0]?.model ?? '?'}), ` +
      `${Math.round(totalmem() / 2 ** 30)} GiB, load average ${load()}${args.quick ? ', quick scale' : ''}`,
  );
  // Ctrl-C stops the benchmark running (the child gets it too); this process then cleans up below.
  process.once('SIGINT', () =>
    say("interrupted: removing the run's topics, and the cluster if it started one"),
  );
  let brokers: Brokers | undefined;
  const runId = newRunId();
  const results: Result[] = [];
  try {
    if (selected.some((b) => b.needsKafka)) brokers = await acquireBrokers(say);
    for (const benchmark of selected) {
      const t = now();
      say(`\n${benchmark.title}`);
      const task = {
        id: benchmark.id,
        quick: args.quick,
        brokers: brokers?.brokers ?? [],
        runId,
        earlier: results,
      };
      results.push(...(await runChild(task)));
      say(`  (${((now() - t) / 1000).toFixed(1)} s)`);
    }
  } finally {
    if (brokers) {
      // A benchmark that failed may have left topics behind: they all carry the run id.
      await openBenchKafka(brokers.brokers, runId)
        .then((kafka) => kafka.dispose())
        .catch(() => undefined);
      await brokers.release();
    }
  }
  const seconds = (now() - started) / 1000;
  process.stdout.write(
    `\n${renderTable(results)}\n\ntotal time: ${seconds.toFixed(0)} s (load average at the end: ${load()})\n`,
  );
  if (args.json) {
    await writeJson(args.json, results);
    say(`wrote ${args.json}`);
  }
}

main().then(
  // kafkajs and the emulator may leave timers behind; the figures are out, so leave.
  () => process.exit(0),
  (error: unknown) => {
    say(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
