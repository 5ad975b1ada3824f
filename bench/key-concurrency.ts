/**
 * 2. Key concurrency, at the adapter level (the test kit's path: `invokeHandler` on one large MSK event, no broker):
 * a handler that awaits 5 ms per record, 1,000 distinct keys over 12 partitions, run with
 * `concurrency: { by: 'key', maxInFlight: 1000 }` and with the default per-partition concurrency. Both runs check
 * that each key's records were handled in offset order (and per-partition order for the default).
 */
import { invokeHandler } from '../shared/lambda/adapter';
import {
  defineHandler,
  type AnyHandlerDefinition,
  type Concurrency,
  type KafkaRecord,
} from '../shared/declarations/handler';
import type { MskEvent } from '../shared/lambda/msk-event';
import { mskEvent, record } from '../shared/testkit';
import { defineTopic } from '../shared/declarations/topic';
import { now, rounds, silentLogger, type Benchmark } from './common';
import { benchValue, BenchValue } from './records';
import { describeRuns, formatNumber, median, result } from './report';

const KEYS = 1_000;
const WORK_MS = 5;
const KEY_REPEAT = 10;

const topic = defineTopic({ name: 'bench.keys', partitions: 12, value: BenchValue, key: (v) => v.userId });

interface Seen {
  key: string;
  partition: number;
  offset: number;
}

/** A handler that records the order it saw records in, and waits WORK_MS for each (an I/O call, say). */
function slowHandler(concurrency: Concurrency, seen: Seen[]): AnyHandlerDefinition {
  return defineHandler({
    name: 'bench-keys',
    topics: [topic],
    batch: { size: 10_000 },
    concurrency,
    async handle(r: KafkaRecord<BenchValue>) {
      seen.push({ key: r.value.userId, partition: r.partition, offset: r.offset });
      await new Promise((resolve) => setTimeout(resolve, WORK_MS));
    },
  });
}

/** Records whose offsets went backwards within their lane (key, or partition): must be 0. */
function orderViolations(seen: readonly Seen[], laneOf: (s: Seen) => string): number {
  const last = new Map<string, number>();
  let violations = 0;
  for (const s of seen) {
    const lane = laneOf(s);
    if ((last.get(lane) ?? -1) >= s.offset) violations++;
    last.set(lane, s.offset);
  }
  return violations;
}

interface RunOutcome {
  recordsPerSecond: number;
  violations: number;
}

async function run(
  def: AnyHandlerDefinition,
  seen: Seen[],
  event: MskEvent,
  records: number,
): Promise<RunOutcome> {
  seen.length = 0;
  const started = now();
  const report = await invokeHandler(def, event, {
    log: silentLogger,
    sink: () => {
      throw new Error('nothing should be written');
    },
  });
  const seconds = (now() - started) / 1000;
  if (report.handled.length !== records) throw new Error(`handled ${report.handled.length} of ${records}`);
  const byKey = orderViolations(seen, (s) => `${s.partition}/${s.key}`);
  const byPartition =
    def.concurrency.mode === 'partition' ? orderViolations(seen, (s) => String(s.partition)) : 0;
  return { recordsPerSecond: records / seconds, violations: byKey + byPartition };
}

export const keyConcurrency: Benchmark = {
  id: 'keys',
  title: 'key concurrency (adapter level: 5 ms per record, 1,000 keys)',
  needsKafka: false,
  async run({ quick, say }) {
    const records = quick ? 2_000 : 10_000;
    const event = mskEvent(Array.from({ length: records }, (_, i) => record(topic, benchValue(i, KEYS))));
    const seenByKey: Seen[] = [];
    const seenByPartition: Seen[] = [];
    const byKey = slowHandler({ by: 'key', maxInFlight: 1_000 }, seenByKey);
    const byPartition = slowHandler('partition', seenByPartition);
    let violations = 0;
    // A per-key run is short (tens of ms): a sample of it is the mean of several, so that one burst of load on a
    // shared machine does not make the sample.
    const cpu = { key: [] as number[], partition: [] as number[] };
    const sample = async (def: AnyHandlerDefinition, seen: Seen[], repeat: number): Promise<number> => {
      const cpuStart = process.cpuUsage();
      let seconds = 0;
      for (let i = 0; i < repeat; i++) {
        const outcome = await run(def, seen, event, records);
        violations += outcome.violations;
        seconds += records / outcome.recordsPerSecond;
      }
      const used = process.cpuUsage(cpuStart);
      cpu[def.concurrency.mode].push((used.user + used.system) / (records * repeat));
      return (records * repeat) / seconds;
    };
    const { samples } = await rounds(
      {
        key: () => sample(byKey, seenByKey, KEY_REPEAT),
        partition: () => sample(byPartition, seenByPartition, 1),
      },
      { warmup: 1, runs: 3 },
      say,
    );
    // With sleeps only, a run lasts as long as its longest lane: the largest partition, or the busiest key.
    const lanes = Object.values(event.records);
    const perKey = new Map<string, number>();
    for (const r of lanes.flat()) perKey.set(r.key ?? '', (perKey.get(r.key ?? '') ?? 0) + 1);
    const ideal = Math.max(...lanes.map((l) => l.length)) / Math.max(...perKey.values());
    return [
      result({
        name: 'key concurrency',
        unit: 'records/s',
        value: median(samples.key),
        baseline: median(samples.partition),
        target: 20,
        better: 'higher',
        subject: `invokeHandler, concurrency { by: 'key', maxInFlight: 1000 }, ${records} records, ${KEYS} keys, ${WORK_MS} ms each`,
        against: `the same handler with per-partition concurrency (${lanes.length} partitions in parallel)`,
        notes: [
          describeRuns(`by key (each the mean of ${KEY_REPEAT} invocations)`, samples.key, 'records/s'),
          describeRuns('by partition', samples.partition, 'records/s'),
          `order: ${violations} records out of order per key (and per partition under the default) over all runs, warm-up included`,
          `ideal ratio (largest partition / records of the busiest key): ${formatNumber(ideal)}x; by key the run is ` +
            `CPU-bound: ${formatNumber(median(cpu.key))} µs of CPU per record (by partition ${formatNumber(median(cpu.partition))} µs), ` +
            `so its figure falls with whatever else the machine runs`,
        ],
      }),
    ];
  },
};
