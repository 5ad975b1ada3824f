/**
 * Runs one benchmark in a process of its own (started by main.ts), so no benchmark inherits another's state: a
 * warmed-up JIT, a grown heap, or process-wide hooks a library may install. Gets its task over IPC and answers
 * with its results.
 */
import { BENCHMARKS } from './benchmarks';
import { openBenchKafka } from './kafka';
import type { Result } from './report';

export interface ChildTask {
  id: string;
  quick: boolean;
  brokers: string[];
  runId: string;
  earlier: Result[];
}

export type ChildAnswer = { ok: true; results: Result[] } | { ok: false; error: string };

const say = (line: string): void => void process.stderr.write(line + '\n');

async function run(task: ChildTask): Promise<Result[]> {
  const benchmark = BENCHMARKS.find((b) => b.id === task.id);
  if (!benchmark) throw new Error(`no benchmark ${task.id}`);
  const kafka = benchmark.needsKafka ? await openBenchKafka(task.brokers, task.runId) : undefined;
  try {
    return await benchmark.run({ quick: task.quick, say }, kafka, task.earlier);
  } finally {
    await kafka?.dispose();
  }
}

process.once('message', (task: ChildTask) => {
  run(task).then(
    (results) => process.send!({ ok: true, results } satisfies ChildAnswer, () => process.exit(0)),
    (error: unknown) => {
      const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.send!({ ok: false, error: text } satisfies ChildAnswer, () => process.exit(1));
    },
  );
});
