/**
 * 1. Emulator throughput, and 1b. the same with the web console serving one open page: a 12-partition topic pre-filled with ~200-byte JSON records, consumed through the
 * emulator (a no-op typed handler: the adapter decodes and validates each record) and by a hand-written kafkajs
 * `eachBatch` consumer that only JSON.parses. Each run is timed from start (connect, join) until the group has
 * consumed every record. The emulator's group is put back at the log start between runs (outside the timing); the
 * hand-written consumer takes a new group each run (fromBeginning), which costs it nothing. The warm-up round
 * reads a fifth of the records: it creates the emulator's group and warms the JIT. The console variant starts the
 * console with the emulator (as `npm start` does) and keeps one page's event stream open, read to the end, for the
 * whole run: its cost (snapshots every second, lag read from Kafka, the stream) lands in the same process.
 */
import { resolve } from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { emulatorFigures } from '../console/figures';
import { startConsole, type RunningConsole } from '../console/server';
import { emulatorTools } from '../cli/tools';
import type { AnyTopic } from '../shared/declarations/topic';
import { loadModule } from '../shared/declarations/load-module';
import { startEmulator } from '../shared/emulator/emulator';
import { now, rounds, silentLogger, waitUntil, type Benchmark } from './common';
import { fillTopic, recordCount, type BenchKafka } from './kafka';
import { benchValue } from './records';
import { describeRuns, formatNumber, median, result } from './report';

const APP_DIR = resolve(__dirname, 'app');
const HANDLER = 'bench-noop';
const TIMEOUT_MS = 10 * 60_000;

/** Puts a group back at the log start, so each run consumes everything again. */
async function rewind(admin: Admin, groupId: string, topic: string): Promise<void> {
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
  if (groups.includes(groupId)) await admin.resetOffsets({ groupId, topic, earliest: true });
}

/** CPU time this process spent per record (µs), a run at a time: the emulator and the consumer run in-process. */
type CpuLog = number[];

function cpuMeter(log: CpuLog, records: number): () => void {
  const start = process.cpuUsage();
  return () => {
    const used = process.cpuUsage(start);
    log.push((used.user + used.system) / records);
  };
}

/** An open console page: the event stream read (and dropped) as a browser tab would. */
async function openPage(web: RunningConsole): Promise<() => Promise<void>> {
  const abort = new AbortController();
  const response = await fetch(`${web.url}events`, { signal: abort.signal });
  const reader = response.body!.getReader();
  const reading = (async () => {
    while (!(await reader.read()).done);
  })().catch(() => {});
  return async () => {
    abort.abort();
    await reading;
  };
}

/** One emulator run: start it (and the console with one open page), wait until the handler has seen every record. Returns records/s. */
async function emulatorRun(
  bk: BenchKafka,
  group: string,
  topic: string,
  total: number,
  cpu: CpuLog,
  withConsole = false,
): Promise<number> {
  await rewind(bk.admin, group, topic);
  const started = now();
  const stopMeter = cpuMeter(cpu, total);
  // The functions' output (one metrics line per invocation) goes nowhere: stdout carries the figures.
  const emulator = await startEmulator({
    appDir: APP_DIR,
    brokers: bk.brokers,
    log: silentLogger,
    passEnvironment: ['BENCH_TOPIC', 'BENCH_GROUP'],
    output: () => {},
  });
  const tools = withConsole ? emulatorTools(emulator) : undefined;
  const web = tools ? await startConsole({ tools, figures: emulatorFigures(emulator), port: 0 }) : undefined;
  const closePage = web ? await openPage(web) : undefined;
  const stats = emulator.stats.get(HANDLER)!;
  try {
    await waitUntil(() => stats.handled >= total, `the emulator to handle ${total} records`, TIMEOUT_MS);
    const seconds = (now() - started) / 1000;
    stopMeter();
    return total / seconds;
  } finally {
    await closePage?.();
    await web?.stop();
    await tools?.close();
    await emulator.stop();
  }
}

/** One run of the hand-written consumer: kafkajs eachBatch, JSON.parse of each value. Returns records/s. */
async function rawRun(
  kafka: Kafka,
  group: string,
  topic: string,
  total: number,
  cpu: CpuLog,
): Promise<number> {
  const started = now();
  const stopMeter = cpuMeter(cpu, total);
  const consumer = kafka.consumer({ groupId: group, allowAutoTopicCreation: false });
  let count = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          if (message.value) JSON.parse(message.value.toString('utf8'));
        }
        count += batch.messages.length;
      },
    });
    await waitUntil(() => count >= total, `the raw consumer to read ${total} records`, TIMEOUT_MS);
    const seconds = (now() - started) / 1000;
    stopMeter();
    return total / seconds;
  } finally {
    await consumer.disconnect();
  }
}

export const emulatorThroughput: Benchmark = {
  id: 'emulator',
  title: 'emulator throughput (no-op typed handler vs hand-written kafkajs eachBatch)',
  needsKafka: true,
  async run({ quick, say }, bk) {
    const total = quick ? 100_000 : 1_000_000;
    process.env.BENCH_TOPIC = bk!.name('emulator');
    process.env.BENCH_GROUP = bk!.name('emulator.noop');
    let rawGroups = 0;
    const { benchInput } = loadModule<{ benchInput: AnyTopic }>(resolve(APP_DIR, 'topics'));
    await bk!.createTopics([benchInput]);
    const filling = now();
    await fillTopic(bk!.kafka, benchInput, total, (i) => benchValue(i));
    const stored = await recordCount(bk!.admin, benchInput.name);
    say(`  filled ${benchInput.name}: ${stored} records in ${((now() - filling) / 1000).toFixed(1)} s`);

    const cpu = { emulator: [] as CpuLog, raw: [] as CpuLog, console: [] as CpuLog };
    const warmupRecords = Math.floor(stored / 5);
    const { samples, warmup } = await rounds(
      {
        emulator: (warm) =>
          emulatorRun(
            bk!,
            process.env.BENCH_GROUP!,
            benchInput.name,
            warm ? warmupRecords : stored,
            cpu.emulator,
          ),
        console: (warm) =>
          emulatorRun(
            bk!,
            process.env.BENCH_GROUP!,
            benchInput.name,
            warm ? warmupRecords : stored,
            cpu.console,
            true,
          ),
        raw: (warm) =>
          rawRun(
            bk!.kafka,
            bk!.name(`emulator.raw.${rawGroups++}`),
            benchInput.name,
            warm ? warmupRecords : stored,
            cpu.raw,
          ),
      },
      { warmup: 1, runs: quick ? 3 : 5 },
      say,
    );
    return [
      result({
        name: 'emulator throughput',
        unit: 'records/s',
        value: median(samples.emulator),
        baseline: median(samples.raw),
        // Issue #10: plain-data events in function containers may cost something, at most a fifth.
        target: 0.8,
        better: 'higher',
        subject: `emulator, no-op handle (decode + zod validate), batch 10000, window 0, ${stored} records, 12 partitions`,
        against: 'hand-written kafkajs eachBatch consumer (JSON.parse only), same topic, new group each run',
        notes: [
          describeRuns('emulator', samples.emulator, 'records/s'),
          describeRuns('hand-written', samples.raw, 'records/s'),
          `CPU of this process per record (median of the measured runs): emulator ${formatNumber(median(cpu.emulator.slice(1)))} µs, ` +
            `hand-written ${formatNumber(median(cpu.raw.slice(1)))} µs`,
          `warm-up (a new group each, ${formatNumber(warmupRecords)} records, not counted): emulator ` +
            `${formatNumber(warmup.emulator[0]!)} records/s, hand-written ${formatNumber(warmup.raw[0]!)} records/s ` +
            `(both include joining a new group; the emulator also loads the app and aligns its topics)`,
        ],
      }),
      result({
        name: 'emulator throughput with the console open',
        unit: 'records/s',
        value: median(samples.console),
        baseline: median(samples.emulator),
        target: 0.95,
        better: 'higher',
        subject: 'the same emulator runs with the web console started and one page event stream open',
        against: 'the emulator runs without the console, same topic, same rounds',
        notes: [
          describeRuns('with console', samples.console, 'records/s'),
          `CPU of this process per record (median of the measured runs): with console ${formatNumber(median(cpu.console.slice(1)))} µs`,
        ],
      }),
    ];
  },
};
