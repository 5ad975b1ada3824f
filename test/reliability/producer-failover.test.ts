/**
 * Guards the fixes in shared/kafka/sink.ts (RELIABILITY.md, "Bugs (fixed): acknowledged writes lost").
 *
 * The framework's producer (createProducer / createKafkaSink: kafkajs, acks=all, idempotent) used by concurrent
 * callers, as the adapter's shared sink is by a handler's key lanes and as any application's producer is. Before the
 * fixes, when a partition leader was killed, a publish could resolve although its record never reached the log:
 * - kafkajs rolls a partition's sequence number back when a produce request fails, even when the dead leader had
 *   already replicated that batch; a concurrent send then took the same sequence number for another batch, and the
 *   new leader answered it as a duplicate of the first (one partition is enough to see it);
 * - kafkajs retries a batch that spans several brokers only towards the brokers that have not answered, so a
 *   partition whose leader moved to one that had answered was left out while the send resolved (this needs leaders
 *   on several nodes: the topic has 6 partitions over the 3);
 * - and, not a loss: a kafkajs retry could overtake a request still in flight to another broker and write its
 *   records a second time under fresh sequence numbers (`twice` below).
 *
 * The test drives several producers, each with many concurrent publishes over all partitions, through a few
 * SIGKILL/restart cycles of partition 0's leader, and compares what was acknowledged with what is in the log.
 * Through the same cycles the scenario app's traffic runs into the projection (an emulator process), whose table
 * and output are then checked against that traffic's ledger as in the other scenarios.
 */
import { startNode, stopNode } from '../../launcher/kafka/cluster';
import { errorMessage } from '../../shared/errors';
import { createProducer, type TypedProducer } from '../../shared/producer';
import { defineTopic } from '../../shared/declarations/topic';
import * as z from 'zod';
import { randomUUID } from 'node:crypto';
import { analyse, expectSound, finish, report, type Analysis } from './support/checks';
import { LogReader } from './support/log-reader';
import {
  clusterBrokers,
  createTopicsAndTable,
  deadLettersOf,
  expectDurable,
  freshApp,
  handledOf,
  kafkaClient,
  lastStats,
  leaderOf,
  readBalances,
  readOutput,
  restorePreferredLeaders,
  spawnEmulator,
  Timeline,
  waitFor,
  waitForFullIsr,
  waitForOutput,
  warningsOf,
} from './support/scenario';
import { Traffic } from './support/traffic';

const brokers = clusterBrokers();
const kafka = kafkaClient(brokers);
const PRODUCERS = 8;
const CONCURRENT_PER_PRODUCER = 12;
const MAX_CYCLES = 4;
/** Leaders spread over the three nodes, so a coalesced batch goes to several brokers at once. */
const PARTITIONS = 6;
/**
 * Up to four kill cycles (a JVM restart each) and then the projection settling: on a loaded 2-core machine that
 * took over the suite's 300 s default, so this test gets more.
 */
const TIMEOUT_MS = 480_000;

it(
  'keeps every acknowledged write when the partition leader is killed under concurrent publishes',
  async () => {
    const timeline = new Timeline();
    const topic = defineTopic({
      name: `rel-producer-${randomUUID().slice(0, 8)}`,
      partitions: PARTITIONS,
      value: z.object({ id: z.string() }),
      key: (v) => v.id,
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        {
          topic: topic.name,
          numPartitions: PARTITIONS,
          replicationFactor: 3,
          configEntries: [{ name: 'min.insync.replicas', value: '2' }],
        },
      ],
      // Not kafkajs' wait (its default): it asks one broker, which on a cluster that has just started may not know
      // the topic yet (UNKNOWN_TOPIC_OR_PARTITION, which it does not wait out). The metadata wait below does.
      waitForLeaders: false,
    });
    await admin.disconnect();
    await waitForFullIsr(kafka, [topic.name], 60_000);
    const app = freshApp('producer-failover');
    expectDurable(await createTopicsAndTable(kafka));
    const output = await readOutput(kafka, app);
    const emulator = spawnEmulator(app.prefix);
    await waitForOutput(emulator, /emulating projection/);

    const producers: TypedProducer[] = Array.from({ length: PRODUCERS }, () => createProducer({ brokers }));
    const acked = new Set<string>();
    const rejected = new Map<string, string>();
    let attempted = 0;
    let stop = false;
    const send = async (producer: TypedProducer, p: number, w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const id = `p${p}-w${w}-${i}`;
        attempted++;
        try {
          await producer.publish(topic, { id });
          acked.add(id);
        } catch (error) {
          rejected.set(id, errorMessage(error));
        }
      }
    };
    const running = producers.flatMap((producer, p) =>
      Array.from({ length: CONCURRENT_PER_PRODUCER }, (_, w) => send(producer, p, w)),
    );

    const changes = Traffic.start({
      brokers,
      topic: app.changes,
      durationMs: 15_000,
      maxDurationMs: 300_000,
      until: () => stop, // the projection's stream runs through every kill cycle
      ratePerSecond: 200,
      keys: 120,
      workers: 8,
    });
    const reader = await LogReader.start(kafka, [topic.name], (value) => String(value));
    /** Acknowledged so far and not in the log: drains after taking the snapshot, so every snapshot id had time to be read. */
    const lostSoFar = async (): Promise<string[]> => {
      const snapshot = [...acked];
      await reader.drain();
      const inLog = new Set(reader.items.map((v) => (JSON.parse(v) as { id: string }).id));
      return snapshot.filter((id) => !inLog.has(id));
    };
    let cycles = 0;
    let victim: number | undefined;
    try {
      while (cycles < MAX_CYCLES) {
        cycles++;
        const before = acked.size;
        await waitFor(() => acked.size >= before + 500, 60_000, 'publishes acknowledged before the kill');
        victim = await leaderOf(kafka, topic.name, 0);
        timeline.mark(`cycle ${cycles}: leader ${victim} killed`);
        await stopNode(victim);
        const atFence = acked.size;
        await waitFor(() => acked.size >= atFence + 500, 60_000, 'publishes acknowledged by the new leader');
        await startNode(victim);
        timeline.mark(`cycle ${cycles}: node ${victim} rejoined`);
        victim = undefined;
        // Stop at the first cycle that lost something: the log up to now holds every acknowledged write or not.
        const snapshot = acked.size;
        await waitFor(() => acked.size >= snapshot + 200, 60_000, 'publishes after the rejoin');
        if ((await lostSoFar()).length > 0) break;
      }
    } catch (error) {
      await reader.stop();
      emulator.kill('SIGKILL');
      await output.stop();
      throw error;
    } finally {
      stop = true;
      await Promise.all(running);
      await Promise.all(producers.map((p) => p.disconnect()));
      await changes.done;
      if (victim !== undefined) await startNode(victim);
      await restorePreferredLeaders(kafka, brokers); // the next scenario starts on a balanced cluster
    }
    let projection: { a: Analysis; exitCode: number | null };
    try {
      try {
        await reader.drain();
      } finally {
        await reader.stop();
      }
      // The projection's stream ended with the cycles: it settles, then its table and output meet its ledger.
      const { notes, exitCode } = await finish(kafka, app, output, changes, timeline, emulator);
      const a = await analyse(
        changes,
        handledOf(output.items),
        deadLettersOf(output.items),
        await readBalances(app),
      );
      console.log(
        report('projection through the same leader kill cycles', a, {
          'producer errors': changes.rejectionSummary(),
          'emulator stats': lastStats(emulator),
          'emulator warnings': warningsOf(emulator),
          'emulator log': emulator.logFile,
          ...(notes.length ? { notes: notes.join(' / ') } : {}),
        }),
      );
      projection = { a, exitCode };
    } finally {
      if (emulator.exitCode === null) emulator.kill('SIGKILL');
      await output.stop();
    }

    const inLog = new Map<string, number>();
    for (const v of reader.items) {
      const id = (JSON.parse(v) as { id: string }).id;
      inLog.set(id, (inLog.get(id) ?? 0) + 1);
    }
    const lost = [...acked].filter((id) => !inLog.has(id));
    const twice = [...inLog].filter(([, n]) => n > 1).map(([id]) => id);
    const rejectedInLog = [...rejected.keys()].filter((id) => inLog.has(id)).length;
    console.log(
      [
        `producer failover (${PRODUCERS} producers x ${CONCURRENT_PER_PRODUCER} concurrent publishes, ${PARTITIONS} partitions, ${cycles} leader kill cycle(s))`,
        `  produced ${attempted}: acknowledged ${acked.size}, rejected ${rejected.size} (of which in the log anyway ${rejectedInLog})`,
        `  log: ${reader.items.length} records, ${inLog.size} distinct, written twice ${twice.length}`,
        `  ACKNOWLEDGED BUT NOT IN THE LOG: ${lost.length}${lost.length ? ` (${lost.slice(0, 10).join(', ')})` : ''}`,
        `  producer errors: ${[...new Set(rejected.values())].slice(0, 5).join('; ') || 'none'}`,
        `  timeline: ${timeline.toString()}`,
      ].join('\n'),
    );
    expect(lost).toEqual([]);
    expect(twice).toEqual([]); // idempotence: no retry of this producer writes a record again
    expect(projection.exitCode).toBe(0);
    expectSound(projection.a, { transientFailures: true });
  },
  TIMEOUT_MS,
);
