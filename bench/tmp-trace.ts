import { resolve } from 'node:path';
import type { AnyTopic } from '../shared/declarations/topic';
import { loadModule } from '../shared/declarations/load-module';
import { startEmulator } from '../shared/emulator/emulator';
import { fillTopic, newRunId, openBenchKafka } from './kafka';
import { benchValue } from './records';

async function main() {
  const brokers = ['127.0.0.1:9092'];
  const bk = await openBenchKafka(brokers, newRunId());
  process.env.BENCH_TOPIC = bk.name('trace');
  process.env.BENCH_GROUP = bk.name('trace.g');
  const { benchInput } = loadModule<{ benchInput: AnyTopic }>(resolve(__dirname, 'app/topics'));
  await bk.createTopics([benchInput]);
  const total = Number(process.env.N ?? 100_000);
  await fillTopic(bk.kafka, benchInput, total, (i) => benchValue(i));
  for (let run = 0; run < Number(process.env.RUNS ?? 2); run++) {
    await bk.admin.resetOffsets({ groupId: process.env.BENCH_GROUP!, topic: benchInput.name, earliest: true }).catch(() => {});
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const log = { debug() {}, info() {}, warn: (m: string, d?: object) => console.log('WARN', m, JSON.stringify(d)), error: (m: string, d?: object) => console.log('ERR', m, JSON.stringify(d)) };
    const emu = await startEmulator({ appDir: resolve(__dirname, 'app'), brokers, log });
    const started = performance.now() - t0;
    const stats = emu.stats.get('bench-noop')!;
    while (stats.handled < total) await new Promise((r) => setTimeout(r, 20));
    const c = process.cpuUsage(cpu0);
    console.log(`run ${run}: start ${Math.round(started)} ms, total ${Math.round(performance.now() - t0)} ms, ${Math.round(total / ((performance.now() - t0) / 1000))} rec/s, cpu µs/rec ${((c.user + c.system) / total).toFixed(1)}`);
    await emu.stop();
  }
  process.exit(0);
}
void main();
