/**
 * A consumer group scaled out from one emulator process to three and back to one while records keep coming:
 * the partitions move twice and nothing acknowledged is lost; order per key holds across the moves.
 */
import { analyse, describeMissing, expectSound, report, finish } from './support/checks';
import {
  clusterBrokers,
  createTopicsAndTable,
  deadLettersOf,
  exited,
  expectDurable,
  freshApp,
  handledOf,
  kafkaClient,
  lastStats,
  readBalances,
  readOutput,
  spawnEmulator,
  Timeline,
  waitForOutput,
  warningsOf,
  type EmulatorProcess,
} from './support/scenario';
import { Traffic } from './support/traffic';

const brokers = clusterBrokers();
const kafka = kafkaClient(brokers);

it('loses nothing while the group scales from 1 to 3 instances and back during traffic', async () => {
  const timeline = new Timeline();
  const app = freshApp('scaling');
  expectDurable(await createTopicsAndTable(kafka));
  const reader = await readOutput(kafka, app);
  const first = spawnEmulator(app.prefix);
  const extra: EmulatorProcess[] = [];
  let traffic: Traffic | undefined;
  let scaledBack = false;
  try {
    await waitForOutput(first, /emulating projection/);
    const handledBy = (pid: number | undefined, from = 0): number =>
      handledOf(reader.items.slice(from)).filter((h) => h.pid === pid).length;
    traffic = Traffic.start({
      brokers,
      topic: app.changes,
      durationMs: 20_000,
      maxDurationMs: 180_000,
      until: () => scaledBack, // the stream goes on through both moves
      ratePerSecond: 250,
      keys: 120,
      workers: 8,
    });
    timeline.mark('traffic started');
    await reader.until(() => handledBy(first.pid) >= 300, 120_000, 'the single instance handling');

    extra.push(spawnEmulator(app.prefix), spawnEmulator(app.prefix));
    await Promise.all(extra.map((child) => waitForOutput(child, /emulating projection/)));
    timeline.mark('scaled to 3');
    const atScaleOut = reader.items.length;
    await reader.until(
      () => [first, ...extra].every((child) => handledBy(child.pid, atScaleOut) >= 200),
      120_000,
      'all three instances handling records (200 each)',
    );
    timeline.mark('3 instances handling');

    extra.forEach((child) => child.kill('SIGTERM')); // scale in: finish what is in flight, commit, leave
    expect(await Promise.all(extra.map(exited))).toEqual([0, 0]);
    timeline.mark('scaled back to 1');
    const atScaleIn = reader.items.length;
    const partitionsOfFirst = (): Set<number> =>
      new Set(
        handledOf(reader.items.slice(atScaleIn))
          .filter((h) => h.pid === first.pid)
          .map((h) => h.partition),
      );
    await reader.until(
      () => partitionsOfFirst().size === 6,
      120_000,
      'the single instance handling every partition again',
    );
    timeline.mark('1 instance handling all partitions');
    scaledBack = true;

    const { notes, exitCode } = await finish(kafka, app, reader, traffic, timeline, first);

    const handled = handledOf(reader.items);
    const a = await analyse(traffic, handled, deadLettersOf(reader.items), await readBalances(app));
    const perInstance = [first, ...extra].map(
      (c) => `pid ${c.pid}: ${handled.filter((h) => h.pid === c.pid).length}`,
    );
    console.log(
      report('consumer group scaled 1 -> 3 -> 1 under traffic', a, {
        'handled per instance': perInstance.join(', '),
        'producer errors': traffic.rejectionSummary(),
        missing: await describeMissing(kafka, app.changes.name, a, app.prefix),
        'stats (first instance)': lastStats(first),
        'stats (the two added)': extra.map(lastStats).join(' | '),
        'emulator warnings': [first, ...extra].map(warningsOf).join(' | '),
        timeline: timeline.toString(),
        ...(notes.length ? { notes: notes.join(' / ') } : {}),
      }),
    );
    expect(exitCode).toBe(0);
    expectSound(a);
    expect(a.counts.rejected).toBe(0); // no broker fault here
    expect(traffic.hitMaxDuration).toBe(false); // the stream ran through both moves
  } finally {
    for (const child of [first, ...extra]) if (child.exitCode === null) child.kill('SIGKILL');
    await traffic?.done;
    await reader.stop();
  }
});
