/**
 * The emulator killed (SIGKILL, a real process kill) in the middle of an invocation and started again: nothing
 * acknowledged is lost; the records handled twice are exactly those the killed process handled past its group's
 * committed offsets (the uncommitted window); the projection folded from the durable output is still exact.
 */
import type { Applied } from './app/topics';
import { analyse, committedOffsets, describeMissing, expectSound, report, finish } from './support/checks';
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
const idOf = (h: Applied): string => `${h.key}/${h.seq}`;

/** The record the first emulator hangs on after publishing it, so the kill lands inside that invocation. */
const LINGER_INDEX = 1000;

it('after a SIGKILL mid-batch and a restart, handles every record, repeats only the uncommitted window, and the projection is exact', async () => {
  const timeline = new Timeline();
  const app = freshApp('emulator-kill');
  expectDurable(await createTopicsAndTable(kafka));
  const reader = await readOutput(kafka, app);
  const first = spawnEmulator(app.prefix, { RELIABILITY_LINGER_MS: '600000' });
  let second: EmulatorProcess | undefined;
  let traffic: Traffic | undefined;
  let secondHandling = false;
  try {
    await waitForOutput(first, /emulating projection/);
    const byPid = (pid: number | undefined): Applied[] =>
      handledOf(reader.items).filter((h) => h.pid === pid);
    traffic = Traffic.start({
      brokers,
      topic: app.changes,
      durationMs: 20_000,
      maxDurationMs: 150_000,
      until: () => secondHandling, // the stream goes on until the restarted emulator handles it
      ratePerSecond: 250,
      keys: 120,
      workers: 8,
      kindOf: (index) => (index === LINGER_INDEX ? 'linger' : 'ok'),
    });
    timeline.mark('traffic started');
    const lingerId = traffic.describe(LINGER_INDEX).id;
    await reader.until(
      (items) => handledOf(items).some((h) => idOf(h) === lingerId),
      120_000,
      `record ${lingerId} handled by the first emulator, which now hangs in that invocation`,
    );
    first.kill('SIGKILL');
    await exited(first);
    timeline.mark('first emulator killed');
    await reader.drain(); // everything the killed process published is read
    const committed = await committedOffsets(kafka, app.group, app.changes.name); // what it had committed
    const handledByFirst = byPid(first.pid);
    const window = new Set(handledByFirst.filter((h) => h.offset >= committed.get(h.partition)!).map(idOf));

    second = spawnEmulator(app.prefix);
    await waitForOutput(second, /emulating projection/);
    timeline.mark('second emulator started');
    const restarted = second;
    await reader.until(
      () => byPid(restarted.pid).length > 0,
      120_000,
      'the restarted emulator handling records',
    );
    timeline.mark('second emulator handling');
    secondHandling = true;
    const { notes, exitCode } = await finish(kafka, app, reader, traffic, timeline, second);

    const handled = handledOf(reader.items);
    const a = await analyse(traffic, handled, deadLettersOf(reader.items), await readBalances(app));
    const occurrences = new Map<string, Applied[]>();
    for (const h of handled) occurrences.set(idOf(h), [...(occurrences.get(idOf(h)) ?? []), h]);
    const repeated = [...occurrences].filter(([, list]) => list.length > 1);
    const byFirstOnce = (list: Applied[]): boolean =>
      list.length === 2 && list[0]!.pid === first.pid && list[1]!.pid === second!.pid;
    const repeatedDelta = repeated.reduce((n, [, list]) => n + list[0]!.delta * (list.length - 1), 0);
    console.log(
      report('emulator killed mid-batch and restarted', a, {
        'handled by the killed emulator': handledByFirst.length,
        'uncommitted window at the kill (handled, not committed)': window.size,
        'handled by the restarted emulator': byPid(second.pid).length,
        'committed offsets at the kill': [...committed].map(([p, o]) => `p${p}=${o}`).join(' '),
        'producer errors': traffic.rejectionSummary(),
        missing: await describeMissing(kafka, app.changes.name, a, app.prefix),
        'restarted emulator stats': lastStats(second),
        'emulator warnings': `${warningsOf(first)} | ${warningsOf(second)}`,
        timeline: timeline.toString(),
        ...(notes.length ? { notes: notes.join(' / ') } : {}),
      }),
    );

    expect(exitCode).toBe(0);
    expectSound(a);
    expect(a.counts.rejected).toBe(0); // no broker fault here
    expect(window.has(lingerId)).toBe(true); // the kill landed inside an unfinished invocation
    // The records handled twice are exactly the uncommitted window: each once by the killed process, then once by
    // the new one; nothing below the committed offsets came again, and no process handled a record twice.
    expect(new Set(repeated.map(([id]) => id))).toEqual(window);
    expect(repeated.filter(([, list]) => !byFirstOnce(list)).map(([id]) => id)).toEqual([]);
    expect(a.counts.duplicates).toBe(window.size);
    // Idempotence: the duplicates would have inflated a naive projection by exactly their deltas; the fold did not.
    expect(a.projection.naive - a.projection.folded).toBe(repeatedDelta);
    expect(repeatedDelta).toBeGreaterThan(0);
  } finally {
    for (const child of [first, second]) if (child && child.exitCode === null) child.kill('SIGKILL');
    await traffic?.done;
    await reader.stop();
  }
});
