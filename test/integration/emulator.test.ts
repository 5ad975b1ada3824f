import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { readDeadLetter } from '../../shared/lambda/dead-letter';
import { alignTopics } from '../../shared/emulator/align-topics';
import { loadApp } from '../../shared/declarations/app';
import { startEmulator, type Emulator } from '../../shared/emulator/emulator';
import { createLogger } from '../../shared/lambda/logger';
import { createProducer } from '../../shared/producer';
import { loadModule } from '../../shared/declarations/load-module';
import type { Handled } from '../fixtures/app/topics';
import {
  collect,
  createFixtureTopics,
  FIXTURE_APP,
  FIXTURE_ENV,
  kafkaClient,
  quietOutput,
  waitForStableGroup,
} from '../support/emulation';
import { testBrokers } from '../support/brokers';

type FixtureTopics = typeof import('../fixtures/app/topics');

const brokers = testBrokers();
const log = createLogger({}, 'silent');
const KEYS = 24;
const SEQS = 15;

/** Loads the fixture app's declarations under a fresh topic prefix, so every scenario has its own topics and groups. */
function fixtureWithPrefix(prefix: string): FixtureTopics {
  process.env.FIXTURE_PREFIX = prefix;
  jest.resetModules();
  return loadModule<FixtureTopics>(require.resolve('../fixtures/app/topics'));
}

const serverOf = (key: number): string => `s${(key % 3) + 1}`;

/** KEYS keys x SEQS sequence numbers, each key always on the same server's topic. */
async function produceInputs(fx: FixtureTopics, seqFrom = 0, seqTo = SEQS): Promise<void> {
  const producer = createProducer({ brokers, clientId: 'test-producer' });
  for (let seq = seqFrom; seq < seqTo; seq++) {
    for (let k = 0; k < KEYS; k++) {
      await producer.publish(fx.input.of(serverOf(k)), { key: `k${k}`, seq });
    }
  }
  await producer.disconnect();
}

function byHandler(items: Handled[], handler: string): Handled[] {
  return items.filter((h) => h.handler === handler);
}

function assertPerKeyOrder(items: Handled[]): void {
  const last = new Map<string, number>();
  for (const h of items) {
    expect(h.seq).toBeGreaterThan(last.get(h.key) ?? -1);
    last.set(h.key, h.seq);
  }
}

describe('the local emulator', () => {
  let kafka: Kafka;
  beforeAll(() => {
    kafka = kafkaClient(brokers);
  });

  describe('two groups over a topic family, with bad input', () => {
    let fx: FixtureTopics;
    let emulator: Emulator;
    let handled: Awaited<ReturnType<typeof collect<Handled>>>;

    beforeAll(async () => {
      fx = fixtureWithPrefix(`emu-${randomUUID().slice(0, 8)}`);
      emulator = await startEmulator({
        appDir: FIXTURE_APP,
        passEnvironment: FIXTURE_ENV,
        brokers,
        log,
        output: quietOutput,
        only: ['echo', 'audit'],
      });
      handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
      await produceInputs(fx);
      const raw = kafka.producer();
      await raw.connect();
      await raw.send({
        topic: fx.input.of('s1').name,
        messages: [{ key: 'bad-json', value: '{"key": "k0", "seq":' }],
      });
      await raw.send({
        topic: fx.input.of('s2').name,
        messages: [{ key: 'bad-schema', value: JSON.stringify({ key: 'x', seq: 'one' }) }],
      });
      await raw.disconnect();
      const failing = createProducer({ brokers });
      await failing.publish(fx.input.of('s3'), { key: 'boom', seq: 0, fail: true });
      await failing.disconnect();
    });

    let stopped = false;
    afterAll(async () => {
      if (!stopped) await emulator.stop();
      await handled.stop();
    });

    it('delivers every record once to each of two groups, in order per key, across all family members', async () => {
      const total = KEYS * SEQS;
      await handled.until(
        (items) => byHandler(items, 'echo').length >= total && byHandler(items, 'audit').length >= total,
        90_000,
        'both groups',
      );
      for (const name of ['echo', 'audit']) {
        const mine = byHandler(handled.items, name);
        const ids = new Set(mine.map((h) => `${h.key}/${h.seq}`));
        expect(ids.size).toBe(total);
        expect(mine).toHaveLength(total); // no duplicates without faults
        expect(new Set(mine.map((h) => h.topic))).toEqual(new Set(fx.input.topics.map((t) => t.name)));
        assertPerKeyOrder(mine);
      }
    });

    it('dead-letters malformed and failing records with their reasons while the rest flows', async () => {
      const dlqTopics = fx.input.topics.map((t) => `${t.name}.${process.env.FIXTURE_PREFIX}-echo.dlq`);
      const letters = await collect(kafka, dlqTopics, (value, headers) => ({
        value,
        info: readDeadLetter(headers),
      }));
      try {
        await letters.until((items) => items.length >= 3, 60_000, 'three dead letters');
        const kinds = letters.items.map((l) => `${l.info.kind}:${l.info.source.topic}`).sort();
        expect(kinds).toEqual([
          `decode:${fx.input.of('s1').name}`,
          `handler:${fx.input.of('s3').name}`,
          `schema:${fx.input.of('s2').name}`,
        ]);
        const failed = letters.items.find((l) => l.info.kind === 'handler')!;
        expect(failed.info.attempts).toBe(2);
        expect(failed.info.error).toContain('record boom/0 is marked to fail');
        expect(failed.value).toEqual({ key: 'boom', seq: 0, fail: true });
        expect(letters.items.find((l) => l.info.kind === 'schema')!.info.error).toMatch(/field seq/);
      } finally {
        await letters.stop();
      }
    });

    it('counts what each handler did once it has stopped', async () => {
      await emulator.stop(); // waits for invocations in flight, whose reports the counts include
      stopped = true;
      for (const name of ['echo', 'audit']) {
        expect(emulator.stats.get(name)).toMatchObject({
          handled: KEYS * SEQS,
          deadLettered: 3,
          invocationErrors: 0,
        });
      }
    });

    it('aligning topics again changes nothing', async () => {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const plans = await alignTopics(admin, loadApp(FIXTURE_APP).topics);
        expect(plans.filter((p) => p.action !== 'none' || p.drift.length > 0)).toEqual([]);
      } finally {
        await admin.disconnect();
      }
    });
  });

  describe('two instances of one group', () => {
    it('split the partitions and handle each record once', async () => {
      const fx = fixtureWithPrefix(`pair-${randomUUID().slice(0, 8)}`);
      const first = await startEmulator({
        appDir: FIXTURE_APP,
        passEnvironment: FIXTURE_ENV,
        brokers,
        log,
        output: quietOutput,
        only: ['echo'],
      });
      const second = await startEmulator({
        appDir: FIXTURE_APP,
        passEnvironment: FIXTURE_ENV,
        brokers,
        log,
        output: quietOutput,
        only: ['echo'],
      });
      const handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
      try {
        // Each topic of the family is its own mapping and group; produce once every one has split its partitions.
        for (const topic of fx.input.topics)
          await waitForStableGroup(kafka, `${process.env.FIXTURE_PREFIX}-echo.${topic.name}`, 2);
        await produceInputs(fx);
        await handled.until((items) => items.length >= KEYS * SEQS, 90_000, 'all records');
      } finally {
        // Stopping waits for invocations in flight, so their reports are counted before the checks below.
        await Promise.all([first.stop(), second.stop(), handled.stop()]);
      }
      expect(new Set(handled.items.map((h) => `${h.key}/${h.seq}`)).size).toBe(KEYS * SEQS);
      expect(handled.items).toHaveLength(KEYS * SEQS);
      const a = first.stats.get('echo')!.handled;
      const b = second.stats.get('echo')!.handled;
      expect(a + b).toBe(KEYS * SEQS);
      expect(a).toBeGreaterThan(0);
      expect(b).toBeGreaterThan(0);
      assertPerKeyOrder(handled.items);
    });
  });

  describe('partial failures (ReportBatchItemFailures) while later batches are already fetched', () => {
    it('goes back to each failed record and handles everything after it, in order, once', async () => {
      const fx = fixtureWithPrefix(`flaky-${randomUUID().slice(0, 8)}`);
      const emulator = await startEmulator({
        appDir: FIXTURE_APP,
        passEnvironment: FIXTURE_ENV,
        brokers,
        log,
        output: quietOutput,
        only: ['flaky'],
      });
      const handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
      try {
        await produceInputs(fx); // while the emulator consumes: each partition arrives in several fetches
        await handled.until((items) => items.length >= KEYS * SEQS, 90_000, 'all records');
      } finally {
        await Promise.all([emulator.stop(), handled.stop()]);
      }
      // Every key's seq 7 failed twice, was reported, and was delivered again; nothing after it was skipped.
      expect(new Set(handled.items.map((h) => `${h.key}/${h.seq}`)).size).toBe(KEYS * SEQS);
      expect(handled.items).toHaveLength(KEYS * SEQS);
      assertPerKeyOrder(handled.items);
      const stats = emulator.stats.get('flaky')!;
      expect(stats.handled).toBe(KEYS * SEQS);
      expect(stats.reportedFailures).toBe(2 * KEYS); // each seq 7 failed on exactly its first two deliveries
    });
  });

  describe('starting positions of a new group', () => {
    async function runLatecomer(
      start: string,
      fx: FixtureTopics,
      before: () => Promise<void>,
    ): Promise<Handled[]> {
      process.env.FIXTURE_START = start;
      jest.resetModules();
      const emulator = await startEmulator({
        appDir: FIXTURE_APP,
        passEnvironment: FIXTURE_ENV,
        brokers,
        log,
        output: quietOutput,
        only: ['latecomer'],
      });
      const handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
      try {
        await before();
        const name = `latecomer-${start}`;
        // Each key's marker comes last on its partition: once all markers are in, everything before them is too.
        await handled.until(
          (items) => byHandler(items, name).filter((h) => h.seq === SEQS + 1).length === KEYS,
          60_000,
          'every marker',
        );
        return byHandler(handled.items, name);
      } finally {
        await Promise.all([emulator.stop(), handled.stop()]);
      }
    }

    it('earliest reads the backlog, latest only what comes after it joined, a timestamp what came after it', async () => {
      const fx = fixtureWithPrefix(`start-${randomUUID().slice(0, 8)}`);
      await createFixtureTopics(kafka);
      await produceInputs(fx, 0, 2); // backlog: seq 0 and 1
      // The mapping takes a timestamp in whole seconds (mapping-settings.ts), so the cut is on a second's boundary.
      const cut = Math.ceil((Date.now() + 1) / 1000) * 1000;
      while (Date.now() < cut) await new Promise(setImmediate); // every record after this is stamped at or after `cut`
      await produceInputs(fx, 2, 3); // seq 2, after the cut
      const marker = async (): Promise<void> => produceInputs(fx, SEQS + 1, SEQS + 2);

      const latest = await runLatecomer('latest', fx, marker);
      expect(new Set(latest.map((h) => h.seq))).toEqual(new Set([SEQS + 1]));

      const earliest = await runLatecomer('earliest', fx, async () => {});
      expect(new Set(earliest.map((h) => h.seq))).toEqual(new Set([0, 1, 2, SEQS + 1]));

      const fromCut = await runLatecomer(String(cut), fx, async () => {});
      expect(new Set(fromCut.map((h) => h.seq))).toEqual(new Set([2, SEQS + 1]));
    });
  });
});
