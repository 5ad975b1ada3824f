import { randomUUID } from 'node:crypto';
import { listDeadLetters, replayDeadLetters } from '../../shared/emulator/dead-letters';
import { loadApp } from '../../shared/declarations/app';
import { startEmulator } from '../../shared/emulator/emulator';
import { loadModule } from '../../shared/declarations/load-module';
import { createLogger } from '../../shared/lambda/logger';
import { createProducer } from '../../shared/producer';
import type { Handled } from '../fixtures/app/topics';
import { collect, createFixtureTopics, FIXTURE_APP, kafkaClient, quietOutput } from '../support/emulation';
import { testBrokers } from '../support/brokers';

type FixtureTopics = typeof import('../fixtures/app/topics');
const brokers = testBrokers();
const kafka = kafkaClient(brokers);

describe('dead letters: list and replay', () => {
  afterEach(() => {
    delete process.env.FIXTURE_FIXED;
  });

  it('lists them with their reasons, replays them to that handler alone, and never replays one twice', async () => {
    const prefix = `dlq-${randomUUID().slice(0, 8)}`;
    process.env.FIXTURE_PREFIX = prefix;
    jest.resetModules();
    const fx = loadModule<FixtureTopics>(require.resolve('../fixtures/app/topics'));
    await createFixtureTopics(kafka);
    const producer = createProducer({ brokers });
    await producer.publish(fx.input.of('s1'), { key: 'good', seq: 1 });
    await producer.publish(fx.input.of('s2'), { key: 'bad', seq: 2, fail: true });
    await producer.disconnect();

    const handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
    const emulator = await startEmulator({
      appDir: FIXTURE_APP,
      brokers,
      log: createLogger({}, 'silent'),
      output: quietOutput,
      only: ['echo', 'audit'],
    });
    let stopped = false;
    try {
      await handled.until((items) => items.length === 2, 60_000, 'the good record in both groups');
      const echo = loadApp(FIXTURE_APP).handlers.find((h) => h.definition.name === 'echo')!;
      // The dead letter is written before the invocation ends; stopping waits for invocations in flight.
      await emulator.stop();
      stopped = true;
      const listed = await listDeadLetters(kafka, echo);
      expect(listed).toHaveLength(1);
      expect(listed[0]!.info).toMatchObject({
        kind: 'handler',
        attempts: 2,
        source: { topic: fx.input.of('s2').name, offset: 0 },
      });
      expect(await listDeadLetters(kafka, echo, { error: 'no such text' })).toEqual([]);
      expect(await listDeadLetters(kafka, echo, { since: new Date(Date.now() + 60_000) })).toEqual([]);

      const sourceEnd = async (): Promise<number> => {
        const admin = kafka.admin();
        await admin.connect();
        const offsets = await admin.fetchTopicOffsets(fx.input.of('s2').name);
        await admin.disconnect();
        return offsets.reduce((n, p) => n + Number(p.high), 0);
      };
      const endBefore = await sourceEnd();
      process.env.FIXTURE_FIXED = '1'; // the fix
      const lines: string[] = [];
      const first = await replayDeadLetters({ kafka, brokers, module: echo, say: (l) => lines.push(l) });
      expect(first).toEqual({ replayed: 1, skipped: 0 });
      await handled.until((items) => items.some((h) => h.key === 'bad'), 30_000, 'the replayed record');
      const replayed = handled.items.filter((h) => h.key === 'bad');
      // Replayed to echo alone, with its original coordinates; audit (another group) never saw it again.
      expect(replayed.map((h) => [h.handler, h.topic, h.offset])).toEqual([
        ['echo', fx.input.of('s2').name, 0],
      ]);

      expect(await sourceEnd()).toBe(endBefore); // nothing was written back to the source topic
      const second = await replayDeadLetters({ kafka, brokers, module: echo });
      expect(second).toEqual({ replayed: 0, skipped: 1 });
    } finally {
      if (!stopped) await emulator.stop();
      await handled.stop();
    }
  });
});
