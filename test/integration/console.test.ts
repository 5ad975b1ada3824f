import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Browser, Page } from 'playwright-core';
import { emulatorTools } from '../../cli/tools';
import { emulatorFigures } from '../../console/figures';
import { startConsole, type RunningConsole } from '../../console/server';
import { TOKEN_HEADER } from '../../console/protocol';
import { loadModule } from '../../shared/declarations/load-module';
import { partitionForKey, startEmulator, type Emulator } from '../../shared/emulator';
import { createLogger } from '../../shared/lambda/logger';
import type { ClusterTools } from '../../shared/operations';
import { createProducer } from '../../shared/producer';
import type { Handled } from '../fixtures/app/topics';
import { testBrokers } from '../support/brokers';
import { launchChromium, screenshot } from '../support/browser';
import {
  collect,
  createFixtureTopics,
  FIXTURE_APP,
  FIXTURE_ENV,
  kafkaClient,
  quietOutput,
} from '../support/emulation';

type FixtureTopics = typeof import('../fixtures/app/topics');

const brokers = testBrokers();

describe('the web console in a real browser', () => {
  let kafka: Kafka;
  let fx: FixtureTopics;
  let emulator: Emulator;
  let tools: ClusterTools;
  let web: RunningConsole;
  let browser: Browser;
  let page: Page;
  let handled: Awaited<ReturnType<typeof collect<Handled>>>;

  beforeAll(async () => {
    process.env.FIXTURE_PREFIX = `console-${randomUUID().slice(0, 8)}`;
    jest.resetModules();
    fx = loadModule<FixtureTopics>(require.resolve('../fixtures/app/topics'));
    kafka = kafkaClient(brokers);
    await createFixtureTopics(kafka);
    handled = await collect(kafka, [fx.handled.name], (v) => v as Handled);
    emulator = await startEmulator({
      appDir: FIXTURE_APP,
      passEnvironment: FIXTURE_ENV,
      brokers,
      log: createLogger({}, 'silent'),
      output: quietOutput,
      only: ['echo'],
    });
    tools = emulatorTools(emulator);
    web = await startConsole({ tools, figures: emulatorFigures(emulator), port: 0, tickMs: 500 });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  });

  afterAll(async () => {
    delete process.env.FIXTURE_FIXED;
    await browser?.close();
    await web?.stop();
    await tools?.close();
    await emulator?.stop();
    await handled?.stop();
  });

  it('handlers page: the records/s chart and counts rise while records flow', async () => {
    const missing: string[] = [];
    page.on('response', (r) => void (r.status() === 404 && missing.push(r.url())));
    await page.goto(web.url);
    const rate = page.locator('section[data-handler="echo"] [data-count="records/s"] b');
    await rate.waitFor();
    expect(await rate.textContent()).toBe('0');

    const producer = createProducer({ brokers });
    let producing = true;
    const load = (async () => {
      for (let seq = 0; producing; seq++)
        await Promise.all(
          Array.from({ length: 20 }, (_, k) => producer.publish(fx.input.of('s1'), { key: `k${k}`, seq })),
        );
    })();
    try {
      const count = (name: string) => page.locator(`section[data-handler="echo"] [data-count="${name}"] b`);
      await count('records/s')
        .filter({ hasText: /^[1-9]\d*$/ })
        .waitFor({ timeout: 60_000 });
      const before = await count('handled').textContent();
      await count('handled')
        .filter({ hasText: new RegExp(`^(?!${before}$)\\d+$`) })
        .waitFor({ timeout: 30_000 });
      expect(Number(await count('handled').textContent())).toBeGreaterThan(Number(before));
      expect(await page.locator('section[data-handler="echo"] .uplot').count()).toBe(1);
      expect(missing).toEqual([]); // nothing the page asks for on load answers 404 (the icon was one)
      expect(await page.locator('.target').textContent()).toBe(`showing cluster ${brokers.join(',')}`);
      await screenshot(page, 'fixture-handlers');
    } finally {
      producing = false;
      await load;
      await producer.disconnect();
    }
  });

  it('topics page: a record just published, on the partition its key goes to', async () => {
    const key = `user-${randomUUID().slice(0, 6)}`;
    const topic = fx.input.of('s2');
    const producer = createProducer({ brokers });
    await producer.publish(topic, { key, seq: 4242 });
    await producer.disconnect();
    const expected = partitionForKey(key, topic.partitions);

    await page.goto(`${web.url}#topics`);
    await page.getByRole('link', { name: topic.name, exact: true }).click();
    await page.locator('.key-form input[name=key]').fill(key);
    await page.locator('.key-form button').click();
    await expect(page.locator('.key-answer [data-partition]').textContent()).resolves.toBe(String(expected));

    await page.locator('.browse-form input[name=key]').fill(key);
    await page.locator('.browse-form button').click();
    const row = page.locator('table.records-table tr', { hasText: '4242' });
    await row.waitFor({ timeout: 30_000 });
    expect(await row.locator('td').first().textContent()).toBe(String(expected));
    await screenshot(page, 'fixture-topics');
  });

  it('dead letters page: a malformed record shows up; replay reaches the handler once, the ledger stops the second', async () => {
    const raw = kafka.producer();
    await raw.connect();
    await raw.send({
      topic: fx.input.of('s3').name,
      messages: [{ key: 'malformed', value: '{"key": "x", "seq":' }],
    });
    await raw.disconnect();
    const producer = createProducer({ brokers });
    await producer.publish(fx.input.of('s3'), { key: 'broken', seq: 7, fail: true });
    await producer.disconnect();
    // The dead letters are written before their invocation ends, and the handlers page counts them then.
    await page.goto(web.url);
    await page
      .locator('section[data-handler="echo"] [data-count="dead-lettered"] b', { hasText: /^2$/ })
      .waitFor({ timeout: 60_000 });

    await page.goto(`${web.url}#dead-letters`);
    const malformed = page.locator('table.letters tr', { hasText: 'value is not valid json' });
    await malformed.waitFor({ timeout: 30_000 });
    expect(await malformed.locator('td').nth(3).textContent()).toBe('decode');
    await malformed.locator('td').nth(5).click();
    await expect(page.locator('.letter').textContent()).resolves.toContain('{"key": "x", "seq":');

    process.env.FIXTURE_FIXED = '1'; // the fix: records marked `fail` now succeed
    emulator.functions.get('echo')!.reload(); // deployed: the function's new containers run it
    const broken = page.locator('table.letters tr', { hasText: 'marked to fail' });
    await broken.locator('input[type=checkbox]').check();
    await page.locator('button.replay-selected').click();
    await page.locator('.outcome', { hasText: 'replayed 1' }).waitFor({ timeout: 60_000 });
    await handled.until((items) => items.some((h) => h.key === 'broken'), 30_000, 'the replayed record');
    expect(handled.items.filter((h) => h.key === 'broken').map((h) => [h.handler, h.seq])).toEqual([
      ['echo', 7],
    ]);

    await page.locator('.outcome').evaluate((el) => (el.textContent = ''));
    await page.locator('button.replay-selected').click();
    await page.locator('.outcome', { hasText: 'replayed 0' }).waitFor({ timeout: 60_000 });
    expect(await page.locator('.outcome').textContent()).toContain('1 already replayed before');
    await screenshot(page, 'fixture-dead-letters');
  });

  it('consumer groups page: the handler group, its member, assignment and lag', async () => {
    await page.goto(`${web.url}#groups`);
    const group = page.locator('section.group', {
      hasText: `${process.env.FIXTURE_PREFIX}-echo.${fx.input.of('s1').name}`,
    });
    await group.waitFor({ timeout: 30_000 });
    expect(await group.textContent()).toContain('Stable');
    await screenshot(page, 'fixture-groups');
  });

  it('refuses a replay without the token, from another origin, or with bad input', async () => {
    const replay = (headers: Record<string, string>, body = '{}'): Promise<Response> =>
      fetch(`${web.url}api/handlers/echo/replay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const noToken = await replay({});
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toEqual({ error: expect.stringContaining('token') });
    const wrongToken = await replay({ [TOKEN_HEADER]: 'guess' });
    expect(wrongToken.status).toBe(403);
    const foreign = await replay({ [TOKEN_HEADER]: web.token, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    const badIds = await replay({ [TOKEN_HEADER]: web.token }, '{"ids": ["../etc"]}');
    expect(badIds.status).toBe(400);
    expect(await badIds.json()).toEqual({ error: expect.stringContaining('ids must be') });
    const badKind = await replay({ [TOKEN_HEADER]: web.token }, '{"kind": "nope"}');
    expect(badKind.status).toBe(400);
    const unknown = await fetch(`${web.url}api/handlers/nope/replay`, {
      method: 'POST',
      headers: { [TOKEN_HEADER]: web.token, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
    // The refused replays left the ledger as it was: a real one still finds nothing new to do.
    const real = await replay({ [TOKEN_HEADER]: web.token }, '{"kind": "handler"}');
    expect(await real.json()).toEqual({ replayed: 0, skipped: 1 });
  });
});
