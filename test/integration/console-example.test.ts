/**
 * The console on the example game app a reader has just started (`npm start`): its load generator running, its
 * three handlers, their dead letters. The README's screenshots come from here (UPDATE_SCREENSHOTS=1 rewrites
 * docs/console-*.png). Then the same console on the local stack (`console --stack local`): the same pages, through
 * the operations function, with a banner naming the stack and its account and figures from committed offsets.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { emulatorTools } from '../../cli/tools';
import { stackTools } from '../../cli/stack';
import { runSimulation } from '../../cli/simulation-runner';
import { CommittedOffsetFigures, emulatorFigures } from '../../console/figures';
import { startConsole, type RunningConsole } from '../../console/server';
import { ensureTables } from '../../launcher/dynamodb/tables';
import { startEmulator, type Emulator } from '../../shared/emulator';
import { startLocalStack, type LocalStack } from '../../shared/emulator/local-stack';
import { createLogger } from '../../shared/lambda/logger';
import type { ClusterTools } from '../../shared/operations';
import { createDocumentClient } from '../../shared/state/dynamodb';
import { testBrokers } from '../support/brokers';
import { launchChromium, screenshot } from '../support/browser';
import { REPO } from '../support/emulation';

const brokers = testBrokers();
const APP = join(REPO, 'functions');

let emulator: Emulator;
let stack: LocalStack;
let tools: ClusterTools;
let web: RunningConsole;
let browser: Browser;
let page: Page;
const simulation = new AbortController();
let simulating: Promise<unknown>;

beforeAll(async () => {
  emulator = await startEmulator({ appDir: APP, brokers, log: createLogger({}, 'silent'), output: () => {} });
  const client = createDocumentClient();
  await ensureTables(client, emulator.manifest.tables);
  client.destroy();
  simulating = runSimulation(APP, brokers, simulation.signal, () => {}, { rate: 300 });
  tools = emulatorTools(emulator);
  web = await startConsole({ tools, figures: emulatorFigures(emulator), port: 0, tickMs: 1000 });
  stack = await startLocalStack({ emulator, output: () => {} });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
}, 120_000);

afterAll(async () => {
  simulation.abort();
  await simulating?.catch(() => undefined);
  await browser?.close();
  await web?.stop();
  await stack?.stop();
  await tools?.close();
  await emulator?.stop();
});

describe('the console on the example app', () => {
  test('handlers: records/s over time, counts and lag per partition for each handler', async () => {
    await page.goto(web.url);
    for (const name of ['anomaly-detector', 'inventory-projection', 'server-stats'])
      await page.locator(`section[data-handler="${name}"]`).waitFor();
    // Enough history for the chart to show the simulated load, and a malformed record dead-lettered.
    await page
      .locator('section[data-handler="inventory-projection"] [data-count="dead-lettered"] b')
      .filter({ hasText: /^[1-9]\d*$/ })
      .waitFor({ timeout: 90_000 });
    await page.waitForTimeout(10_000); // ten more samples on the chart: what a reader sees after a few seconds
    expect(
      Number(
        await page
          .locator('section[data-handler="inventory-projection"] [data-count="handled"] b')
          .textContent(),
      ),
    ).toBeGreaterThan(0);
    await screenshot(page, 'handlers', { docs: true });
  });

  test('topics: every declared topic against the cluster; a game server’s records, decoded', async () => {
    await page.goto(`${web.url}#topics`);
    await page.getByRole('link', { name: 'eu1_item_change', exact: true }).click();
    await page.locator('table.records-table tr').nth(5).waitFor({ timeout: 30_000 });
    await screenshot(page, 'topics', { docs: true });
  });

  test('dead letters: opens on the handler with the most, says how many each has; one opened', async () => {
    await page.goto(`${web.url}#dead-letters`);
    const options = page.locator('select[name=handler] option');
    await options.first().waitFor({ state: 'attached' });
    const labels = await options.allTextContents();
    expect(labels.every((l) => /^[\w-]+ \(\d+\)$/.test(l))).toBe(true);
    const count = (label: string): number => Number(/\((\d+)\)$/.exec(label)![1]);
    const selected = await page.locator('select[name=handler]').inputValue();
    expect(count(labels.find((l) => l.startsWith(`${selected} `))!)).toBe(Math.max(...labels.map(count)));
    await page
      .locator('table.letters tr[data-letter]')
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n${await page.locator('main').innerText()}`);
      });
    await page.locator('table.letters tr[data-letter] td.reason').first().click();
    await page.locator('.letter h3').waitFor();
    await screenshot(page, 'dead-letters', { docs: true });
  });

  test('consumer groups: each mapping’s group, its member, assignment and lag', async () => {
    await page.goto(`${web.url}#groups`);
    await page.locator('section.group', { hasText: 'Stable' }).first().waitFor({ timeout: 30_000 });
    await screenshot(page, 'groups', { docs: true });
  });
});

describe('the console on the local stack (console --stack local)', () => {
  let remote: ClusterTools;
  let stackConsole: RunningConsole;

  beforeAll(async () => {
    remote = await stackTools('local');
    stackConsole = await startConsole({
      tools: remote,
      figures: new CommittedOffsetFigures(remote),
      port: 0,
      tickMs: 1000,
    });
  });

  afterAll(async () => {
    await stackConsole?.stop();
    await remote?.close();
  });

  test('the same pages, a banner naming the stack and its account, records/s from committed offsets', async () => {
    await page.goto(stackConsole.url);
    await page.locator('.target', { hasText: 'stack local (account 000000000000' }).waitFor();
    expect(await page.locator('.target').textContent()).toContain('records/s and lag from committed offsets');
    const rate = page.locator('section[data-handler="inventory-projection"] [data-count="records/s"] b');
    await rate.filter({ hasText: /^[1-9]\d*$/ }).waitFor({ timeout: 60_000 });
    // Offsets committed stand for records handled; what only the emulator counts is not shown for a stack.
    const counted = (name: string) =>
      page.locator(`section[data-handler="inventory-projection"] [data-count="${name}"]`).count();
    expect(await counted('committed')).toBe(1);
    expect(
      await page.locator('section[data-handler="inventory-projection"] [data-count="retried"]').count(),
    ).toBe(0);
    await screenshot(page, 'stack-handlers');

    await page.goto(`${stackConsole.url}#dead-letters`);
    await page.locator('table.letters tr[data-letter]').first().waitFor({ timeout: 30_000 });
    await page.goto(`${stackConsole.url}#topics`);
    await page.getByRole('link', { name: 'alerts', exact: true }).waitFor();
    await page.goto(`${stackConsole.url}#groups`);
    await page.locator('section.group').first().waitFor({ timeout: 30_000 });
  });
});
