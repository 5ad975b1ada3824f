/**
 * One broker of three killed (SIGKILL) and restarted while producers (acks=all, idempotent) write a sustained
 * stream and the emulator (its own process) runs the projection: every acknowledged record is handled or
 * dead-lettered, per-key order holds, every producer error is counted and printed.
 */
import { startNode, stopNode } from '../../launcher/kafka/cluster';
import { analyse, describeMissing, expectSound, report, finish } from './support/checks';
import {
  clusterBrokers,
  createTopicsAndTable,
  deadLettersOf,
  expectDurable,
  freshApp,
  handledOf,
  kafkaClient,
  lastStats,
  coordinatorOf,
  partitionsLedBy,
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

it('loses no acknowledged record and keeps per-key order when a broker is killed and restarted under traffic', async () => {
  const timeline = new Timeline();
  const app = freshApp('broker-kill');
  expectDurable(await createTopicsAndTable(kafka));
  const reader = await readOutput(kafka, app);
  const emulator = spawnEmulator(app.prefix);
  let traffic: Traffic | undefined;
  let victim: number | undefined;
  try {
    await waitForOutput(emulator, /emulating projection/);
    // The broker that coordinates the emulator's group (Kafka places a group by the hash of its id): its death
    // breaks commits and membership as well as the partitions it leads.
    victim = await coordinatorOf(kafka, app.group);
    const led = await partitionsLedBy(kafka, app.changes.name, victim);
    let faultOver = false;
    traffic = Traffic.start({
      brokers,
      topic: app.changes,
      durationMs: 20_000,
      maxDurationMs: 150_000,
      until: () => faultOver, // the stream goes on through the kill, the outage and the rejoin
      ratePerSecond: 250,
      keys: 120,
      workers: 8,
    });
    timeline.mark('traffic started');
    await reader.until((items) => items.length >= 500, 120_000, 'progress before the fault');

    const killedAt = timeline.mark(`node ${victim} killed`);
    const ackedAtKill = traffic.acked.length;
    await stopNode(victim); // SIGKILL, then waits until the other two have fenced it
    timeline.mark(`node ${victim} fenced`);
    const ackedAtFence = traffic.acked.length;
    const t = traffic;
    await waitFor(() => t.acked.length >= ackedAtFence + 500, 60_000, 'records acknowledged by two brokers');
    await startNode(victim); // restarts it on its data, waits until every node lists it
    timeline.mark(`node ${victim} rejoined`);
    const ackedAtRejoin = traffic.acked.length;
    // It takes its partitions (and the group's coordination) back, as Kafka's periodic rebalance would later.
    await restorePreferredLeaders(kafka, brokers);
    timeline.mark('leaders back on their preferred replicas');
    await waitFor(
      () => t.acked.length >= ackedAtRejoin + 500,
      60_000,
      'records acknowledged after the rejoin',
    );
    faultOver = true;

    const { notes, exitCode } = await finish(kafka, app, reader, traffic, timeline, emulator);
    await waitForFullIsr(kafka, [app.changes.name, app.applied.name, app.dlq], 120_000);
    timeline.mark(`node ${victim} back in every ISR`);

    const a = await analyse(
      traffic,
      handledOf(reader.items),
      deadLettersOf(reader.items),
      await readBalances(app),
    );
    const seconds = ((traffic.endedAt! - traffic.startedAt) / 1000).toFixed(1);
    console.log(
      report(
        `broker ${victim} (group coordinator, leader of ${app.changes.name} partitions ${led.join(',')}) killed and restarted under traffic`,
        a,
        {
          traffic: `${a.counts.produced} records in ${seconds} s; acknowledged ${ackedAtKill} before the kill, ${ackedAtRejoin - ackedAtKill} between the kill and the rejoin, ${a.counts.acked - ackedAtRejoin} after`,
          'producer errors': traffic.rejectionSummary(),
          missing: await describeMissing(kafka, app.changes.name, a, app.prefix),
          'missing acknowledged at (s after the kill)': a.missing
            .slice(0, 20)
            .map((m) => ((t.ackedAt.get(m.id)! - killedAt) / 1000).toFixed(2))
            .join(' '),
          'emulator stats': lastStats(emulator),
          'emulator warnings': warningsOf(emulator),
          'emulator log': emulator.logFile,
          timeline: timeline.toString(),
          ...(notes.length ? { notes: notes.join(' / ') } : {}),
        },
      ),
    );
    expect(exitCode).toBe(0);
    expectSound(a, { transientFailures: true });
    expect(traffic.hitMaxDuration).toBe(false); // the stream ran through the whole fault
  } finally {
    if (emulator.exitCode === null) emulator.kill('SIGKILL');
    await traffic?.done;
    await reader.stop();
    if (victim !== undefined) {
      await startNode(victim); // whatever happened, the next scenario gets three nodes, each leading its share
      await restorePreferredLeaders(kafka, brokers);
    }
  }
});
