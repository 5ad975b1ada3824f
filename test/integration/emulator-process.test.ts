import { randomUUID } from 'node:crypto';
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createProducer } from '../../shared/producer';
import { loadModule } from '../../shared/declarations/load-module';
import type { Handled } from '../fixtures/app/topics';
import {
  collect,
  createFixtureTopics,
  exited,
  FIXTURE_APP,
  kafkaClient,
  spawnEmulator,
  waitForOutput,
} from '../support/emulation';
import { testBrokers } from '../support/brokers';

type FixtureTopics = typeof import('../fixtures/app/topics');

const brokers = testBrokers();
const kafka = kafkaClient(brokers);

function fixtureWithPrefix(prefix: string): FixtureTopics {
  process.env.FIXTURE_PREFIX = prefix;
  jest.resetModules();
  return loadModule<FixtureTopics>(require.resolve('../fixtures/app/topics'));
}

async function produce(fx: FixtureTopics, keys: number, seqs: number[]): Promise<void> {
  const producer = createProducer({ brokers });
  for (const seq of seqs) {
    for (let k = 0; k < keys; k++)
      await producer.publish(fx.input.of(`s${(k % 3) + 1}`), { key: `k${k}`, seq });
  }
  await producer.disconnect();
}

const env = (prefix: string, extra: Record<string, string> = {}): Record<string, string> => ({
  KAFKA_BROKERS: brokers.join(','),
  FIXTURE_PREFIX: prefix,
  ...extra,
});

describe('the emulator as a process', () => {
  it('killed mid-batch (SIGKILL) and restarted, loses nothing', async () => {
    const prefix = `kill-${randomUUID().slice(0, 8)}`;
    const fx = fixtureWithPrefix(prefix);
    const keys = 24;
    const seqs = Array.from({ length: 15 }, (_, i) => i);
    const total = keys * seqs.length;
    await createFixtureTopics(kafka);
    const handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
    try {
      // Slow handler: 40 ms a record, 16 keys at a time, so the kill lands with batches in flight.
      const first = spawnEmulator(env(prefix, { FIXTURE_DELAY_MS: '40' }), ['--only', 'echo', '--no-watch']);
      await waitForOutput(first, /emulating echo/);
      await produce(fx, keys, seqs);
      await handled.until((items) => items.length >= 60, 60_000, 'some progress');
      first.kill('SIGKILL');
      await exited(first);
      const beforeRestart = handled.items.length;
      expect(beforeRestart).toBeLessThan(total);

      const second = spawnEmulator(env(prefix), ['--only', 'echo', '--no-watch']);
      try {
        await handled.until(
          (items) => new Set(items.map((h) => `${h.key}/${h.seq}`)).size === total,
          90_000,
          'every record',
        );
      } finally {
        second.kill('SIGTERM');
        await exited(second);
      }
      const unique = new Set(handled.items.map((h) => `${h.key}/${h.seq}`));
      const duplicates = handled.items.length - unique.size;
      console.log(
        `kill test: produced ${total}, handled before kill ${beforeRestart}, unique handled ${unique.size}, duplicates ${duplicates}`,
      );
      expect(unique.size).toBe(total);
      // Duplicates come only from the uncommitted window: records the killed process handled whose offsets it
      // had not committed, handled once more by the second process. Nothing is handled twice by one process.
      const pidsById = new Map<string, number[]>();
      for (const h of handled.items)
        pidsById.set(`${h.key}/${h.seq}`, [...(pidsById.get(`${h.key}/${h.seq}`) ?? []), h.pid]);
      for (const pids of pidsById.values()) expect(new Set(pids).size).toBe(pids.length);
      expect(duplicates).toBeLessThanOrEqual(beforeRestart);
      expect(new Set(handled.items.map((h) => h.pid)).size).toBe(2);
    } finally {
      await handled.stop();
    }
  });

  it('reloads an edited handler without a restart, and on Ctrl-C leaves its group and exits cleanly', async () => {
    const prefix = `reload-${randomUUID().slice(0, 8)}`;
    const fx = fixtureWithPrefix(prefix);
    const app = resolve(FIXTURE_APP, '..', `reload-${prefix}`);
    cpSync(FIXTURE_APP, app, { recursive: true });
    await createFixtureTopics(kafka);
    const handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
    const child = spawnEmulator(env(prefix), ['--app', app, '--only', 'echo']);
    try {
      await waitForOutput(child, /emulating echo/);
      await produce(fx, 6, [0]);
      await handled.until(
        (items) => items.filter((h) => h.handler === 'echo').length === 6,
        60_000,
        'first version',
      );

      const file = join(app, 'handlers', 'echo.ts');
      writeFileSync(
        file,
        readFileSync(file, 'utf8').replace("recordHandled('echo'", "recordHandled('echo-v2'"),
      );
      await waitForOutput(child, /reloaded handlers/);
      await produce(fx, 6, [1]);
      await handled.until(
        (items) => items.filter((h) => h.handler === 'echo-v2').length === 6,
        60_000,
        'edited version',
      );
      expect(handled.items.filter((h) => h.handler === 'echo-v2').map((h) => h.seq)).toEqual([
        1, 1, 1, 1, 1, 1,
      ]);

      child.kill('SIGINT');
      expect(await exited(child)).toBe(0);
      expect(child.output()).toMatch(/stopped; Kafka keeps running/);
      const admin = kafka.admin();
      await admin.connect();
      const groupIds = fx.input.topics.map((t) => `${prefix}-echo.${t.name}`); // one group per topic, as on AWS
      const { groups } = await admin.describeGroups(groupIds);
      await admin.disconnect();
      expect(groups.map((g) => [g.groupId, g.members.length, g.state]).sort()).toEqual(
        groupIds.map((id) => [id, 0, 'Empty']).sort(),
      );
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      await handled.stop();
      rmSync(app, { recursive: true, force: true });
    }
  });
});
