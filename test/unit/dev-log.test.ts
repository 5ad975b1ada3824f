import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDevLog } from '../../cli/dev-log';

async function route(tty: boolean, verbose: boolean): Promise<{ file: string; terminal: string[] }> {
  const path = join(mkdtempSync(join(tmpdir(), 'dev-log-')), 'logs', 'dev.log');
  const terminal: string[] = [];
  const log = openDevLog({ tty, verbose, path, level: 'warn', terminal: (chunk) => terminal.push(chunk) });
  log.log.warn('record failed', { topic: 't', partition: 1, offset: 2 });
  log.log.info('below the floor');
  log.output('handler says hi\n', 'stdout', 'orders');
  await log.close();
  return { file: readFileSync(path, 'utf8'), terminal };
}

describe('the dev log routing', () => {
  it('on a terminal, writes failed-record lines and handler output to the log file only', async () => {
    const { file, terminal } = await route(true, false);
    const [first, second] = file.trimEnd().split('\n');
    expect(JSON.parse(first!)).toMatchObject({ level: 'warn', msg: 'record failed', topic: 't', offset: 2 });
    expect(second).toBe('handler says hi');
    expect(file).not.toContain('below the floor');
    expect(terminal).toEqual([]);
  });

  it('with --verbose, or when stdout is no terminal, writes them to the terminal as well', async () => {
    for (const [tty, verbose] of [
      [true, true],
      [false, false],
    ] as const) {
      const { file, terminal } = await route(tty, verbose);
      expect(terminal.join('')).toBe(file);
    }
  });

  it("keeps the functions' metrics lines in the file, and off a terminal that is not verbose", async () => {
    const emf = '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"Handler":"orders"}';
    const run = async (verbose: boolean): Promise<{ file: string; terminal: string }> => {
      const path = join(mkdtempSync(join(tmpdir(), 'dev-log-')), 'dev.log');
      const terminal: string[] = [];
      const log = openDevLog({ tty: false, verbose, path, terminal: (chunk) => terminal.push(chunk) });
      // a metrics line split across two chunks, between two lines of handler output
      log.output(`first\n${emf.slice(0, 20)}`, 'stdout', 'orders');
      log.output(`${emf.slice(20)}\nsecond\n`, 'stdout', 'orders');
      await log.close();
      return { file: readFileSync(path, 'utf8'), terminal: terminal.join('') };
    };
    const quiet = await run(false);
    expect(quiet.file).toBe(`first\n${emf}\nsecond\n`);
    expect(quiet.terminal).toBe('first\nsecond\n');
    const verbose = await run(true);
    expect(verbose.terminal).toBe(verbose.file);
  });
});
