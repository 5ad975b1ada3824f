/**
 * A stream with 1% malformed records (half undecodable, half violating the schema) and 1% records the handler
 * throws on: every produced record is either handled or dead-lettered, exactly once, with the right reason.
 */
import { startEmulator } from '../../shared/emulator/emulator';
import { quietOutput } from '../support/emulation';
import { analyse, describeMissing, expectSound, report, settle } from './support/checks';
import {
  APP,
  clusterBrokers,
  createTopicsAndTable,
  deadLettersOf,
  expectDurable,
  freshApp,
  handledOf,
  kafkaClient,
  keepingLogger,
  ledgerPrefix,
  readBalances,
  readOutput,
  RELIABILITY_ENV,
  summarize,
  Timeline,
} from './support/scenario';
import { handleable, Traffic, type Kind } from './support/traffic';

const brokers = clusterBrokers();
const kafka = kafkaClient(brokers);

/** Exactly 1 in 100 throws and 1 in 100 is malformed (alternately not JSON and not the schema). */
const kindOf = (index: number): Kind => {
  if (index % 100 === 37) return 'fail';
  if (index % 100 === 73) return index % 200 === 73 ? 'decode' : 'schema';
  return 'ok';
};

it('handled + dead-lettered equals produced, exactly, with 1% malformed and 1% throwing records', async () => {
  const timeline = new Timeline();
  const app = freshApp('bad-input');
  expectDurable(await createTopicsAndTable(kafka));
  const reader = await readOutput(kafka, app);
  const { log, lines } = keepingLogger();
  const logLevel = process.env.LOG_LEVEL;
  process.env.LOG_LEVEL = 'error'; // the adapter logs every failed record at warn; the dead letters tell it here
  process.env.RELIABILITY_LEDGER = ledgerPrefix(app.prefix);
  const notes: string[] = [];
  const emulator = await startEmulator({
    appDir: APP,
    brokers,
    log,
    only: ['projection'],
    passEnvironment: RELIABILITY_ENV,
    output: quietOutput,
  });
  timeline.mark('emulator started');
  let traffic: Traffic;
  try {
    traffic = Traffic.start({
      brokers,
      topic: app.changes,
      durationMs: 15_000,
      ratePerSecond: 300,
      keys: 120,
      workers: 8,
      kindOf,
    });
    await traffic.done;
    timeline.mark('traffic ended');
    await settle(kafka, app, reader, traffic, notes);
    timeline.mark('all handled and committed');
  } finally {
    await emulator.stop(); // waits for invocations in flight, whose reports the stats include
    Reflect.deleteProperty(process.env, 'RELIABILITY_LEDGER');
    if (logLevel === undefined) Reflect.deleteProperty(process.env, 'LOG_LEVEL');
    else process.env.LOG_LEVEL = logLevel;
  }
  await reader.drain();
  await reader.stop();

  const handled = handledOf(reader.items);
  const deadLetters = deadLettersOf(reader.items);
  const a = await analyse(traffic, handled, deadLetters, await readBalances(app));
  const expectedKinds = new Map<Kind, number>();
  for (const s of traffic.acked) expectedKinds.set(s.kind, (expectedKinds.get(s.kind) ?? 0) + 1);
  const letterKinds = new Map<string, number>();
  for (const d of deadLetters) letterKinds.set(d.info.kind, (letterKinds.get(d.info.kind) ?? 0) + 1);
  const stats = emulator.stats.get('projection')!;
  console.log(
    report('bad input (1% malformed, 1% throwing)', a, {
      'sent by kind': [...expectedKinds].map(([k, n]) => `${k} ${n}`).join(', '),
      'dead letters by reason': [...letterKinds].map(([k, n]) => `${k} ${n}`).join(', '),
      'emulator stats': `handled ${stats.handled}, dead-lettered ${stats.deadLettered}, invocation errors ${stats.invocationErrors}, invocations ${stats.invocations}`,
      'emulator warnings': summarize(lines),
      missing: await describeMissing(kafka, app.changes.name, a, app.prefix),
      timeline: timeline.toString(),
      ...(notes.length ? { notes: notes.join(' / ') } : {}),
    }),
  );

  expectSound(a);
  const good = traffic.acked.filter((s) => handleable(s.kind)).length;
  const bad = traffic.acked.length - good;
  expect(a.counts.rejected).toBe(0); // no fault injected: every publish is acknowledged
  expect(a.counts.duplicates).toBe(0);
  expect(a.counts.handled).toBe(good);
  expect(a.counts.deadLettered).toBe(bad);
  expect(a.counts.handled + a.counts.deadLettered).toBe(a.counts.produced);
  expect(Object.fromEntries(letterKinds)).toEqual({
    handler: expectedKinds.get('fail'),
    decode: expectedKinds.get('decode'),
    schema: expectedKinds.get('schema'),
  });
  for (const d of deadLetters) expect(d.info.attempts).toBe(d.info.kind === 'handler' ? 3 : 1);
  expect(stats).toMatchObject({ handled: good, deadLettered: bad, invocationErrors: 0 });
});
