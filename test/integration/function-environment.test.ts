/**
 * A function's environment when `dev` runs as a user starts it, from a shell of its own: a variable exported in
 * that shell does not reach a handler unless passed through by name, and the handler's clock reads UTC, as on
 * Lambda, whatever the shell's time zone. (event-source-fidelity.test.ts checks the whole variable list.)
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { testBrokers } from '../support/brokers';
import { exited, kafkaClient, spawnEmulator, waitForOutput } from '../support/emulation';

const APP = resolve(__dirname, '../fixtures/fidelity');
const brokers = testBrokers();

interface ProbeEntry {
  env: Record<string, string | undefined>;
  envNames: string[];
  runtimeEnv: Record<string, string | undefined>;
  time: { offset: number; zone: string; text: string };
}

describe('a function’s environment under `dev`', () => {
  it('has nothing from the shell but what is passed through, and runs in UTC whatever the shell’s time zone', async () => {
    const prefix = `env-${randomUUID().slice(0, 8)}`;
    const out = mkdtempSync(join(tmpdir(), 'function-environment-'));
    const child = spawnEmulator(
      {
        KAFKA_BROKERS: brokers.join(','),
        FIDELITY_PREFIX: prefix,
        FIDELITY_OUT: out,
        // The developer's shell: a time zone east of Greenwich, and two exported variables.
        TZ: 'Asia/Tokyo',
        FIDELITY_SHELL: 'exported in the shell',
        FIDELITY_PASSED: 'passed through on purpose',
      },
      [
        '--app',
        APP,
        '--only',
        'probe',
        '--no-watch',
        '--pass-env',
        'FIDELITY_PREFIX,FIDELITY_OUT,FIDELITY_PASSED',
      ],
    );
    const producer = kafkaClient(brokers).producer();
    try {
      await waitForOutput(child, /emulating probe/);
      await producer.connect();
      await producer.send({ topic: `${prefix}_probe`, acks: -1, messages: [{ value: 'hello' }] });
      const journal = join(out, 'probe.jsonl');
      const deadline = Date.now() + 60_000;
      while (!existsSync(journal)) {
        if (Date.now() > deadline) throw new Error(`the probe was never invoked:\n${child.output()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const [entry] = readFileSync(journal, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as ProbeEntry);
      expect(entry!.envNames).not.toContain('FIDELITY_SHELL');
      expect(entry!.envNames).toContain('FIDELITY_PASSED');
      expect(entry!.runtimeEnv.TZ).toBe(':UTC');
      // The shell said Asia/Tokyo (UTC+9); the function's clock reads UTC.
      expect(entry!.time).toEqual({ offset: 0, zone: 'UTC', text: expect.stringContaining('GMT+0000') });
    } finally {
      await producer.disconnect();
      child.kill('SIGINT');
      await exited(child);
    }
  });
});
