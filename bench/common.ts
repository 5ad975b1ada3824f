/** What every benchmark gets, and the run loop they share. */
import type { Logger } from '../shared/declarations/handler';
import type { BenchKafka } from './kafka';
import type { Result } from './report';

export interface BenchOptions {
  /** A smaller scale, for trying the benchmarks out. */
  quick: boolean;
  /** Progress lines (stderr), so stdout carries the figures only. */
  say: (line: string) => void;
}

export interface Benchmark {
  /** Short id for --only, e.g. "adapter". */
  id: string;
  title: string;
  /** Whether it talks to Kafka (then `kafka` is given). */
  needsKafka: boolean;
  /** `earlier`: the results of the benchmarks run before it, for figures read against them. */
  run(options: BenchOptions, kafka: BenchKafka | undefined, earlier: readonly Result[]): Promise<Result[]>;
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Milliseconds since an arbitrary origin, with sub-millisecond resolution. */
export const now = (): number => performance.now();

export interface Rounds<K extends string> {
  /** Samples per variant, warm-up excluded, in run order. */
  samples: Record<K, number[]>;
  /** The warm-up samples, for notes only. */
  warmup: Record<K, number[]>;
}

/**
 * Runs every variant `warmup + runs` times, alternating which goes first each round so that neither always
 * runs on a warmer (or more tired) machine; the first `warmup` rounds are thrown away.
 */
export async function rounds<K extends string>(
  variants: Record<K, (warmup: boolean) => Promise<number>>,
  plan: { warmup: number; runs: number },
  say: (line: string) => void,
): Promise<Rounds<K>> {
  const keys = Object.keys(variants) as K[];
  const empty = (): Record<K, number[]> =>
    Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  const samples = empty();
  const warmup = empty();
  for (let round = 0; round < plan.warmup + plan.runs; round++) {
    const order = round % 2 ? [...keys].reverse() : keys;
    for (const key of order) {
      const warm = round < plan.warmup;
      const sample = await variants[key](warm);
      say(
        `  ${warm ? 'warm-up' : `run ${round - plan.warmup + 1}/${plan.runs}`} ${key}: ${sample.toFixed(1)}`,
      );
      (warm ? warmup : samples)[key].push(sample);
    }
  }
  return { samples, warmup };
}

/** Nanoseconds per record over `invocations` calls of `invoke`, each over `records` records. */
export async function timePerRecord(
  invoke: () => Promise<unknown>,
  invocations: number,
  records: number,
): Promise<number> {
  const started = now();
  for (let i = 0; i < invocations; i++) await invoke();
  return ((now() - started) * 1e6) / (invocations * records);
}

/** Resolves once `done()` holds, checking every `everyMs`; rejects after `timeoutMs`. */
export function waitUntil(done: () => boolean, what: string, timeoutMs: number, everyMs = 5): Promise<void> {
  const deadline = now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (done()) return resolve();
      if (now() > deadline) return reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      setTimeout(check, everyMs);
    };
    check();
  });
}
