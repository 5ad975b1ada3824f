/**
 * The example application end to end in the console: an anomaly alert, followed from the topic browser, leads back
 * to the item change that raised it, through the handlers that processed it (and the console shows the functions'
 * own metrics). Saves the README's screenshot of a followed record.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startConsole, type RunningConsole } from '../../console/server';
import { loadApp } from '../../shared/declarations/app';
import { loadModule } from '../../shared/declarations/load-module';
import { followRecord, startEmulator, type Emulator } from '../../shared/emulator';
import { emulatorTools } from '../../cli/tools';
import { emulatorFigures } from '../../console/figures';
import { createLogger } from '../../shared/lambda/logger';
import { createProducer } from '../../shared/producer';
import { createDocumentClient } from '../../shared/state/dynamodb';
import { ensureTables } from '../../launcher/dynamodb/tables';
import { testBrokers } from '../support/brokers';
import { launchChromium, screenshot } from '../support/browser';
import { quietOutput, REPO } from '../support/emulation';
import { formatTraceParent } from '../../shared/observability/trace-context';
import { newSpanId, newTraceId } from '../../shared/observability/trace-ids';

type ExampleTopics = typeof import('../../functions/topics');

const APP = resolve(REPO, 'functions');

/** The parts of the DOM the tree check reads in the page (the test project compiles without the DOM's types). */
interface DomNode {
  readonly children: ArrayLike<DomNode>;
  querySelector(selector: string): DomNode | null;
  readonly dataset: Record<string, string | undefined>;
  readonly classList: { contains(name: string): boolean };
}
const brokers = testBrokers();

describe('following a record of the example application in the console', () => {
  let topics: ExampleTopics;
  let emulator: Emulator;
  let web: RunningConsole;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    topics = loadModule<ExampleTopics>(resolve(APP, 'topics'));
    const client = createDocumentClient();
    await ensureTables(client, loadApp(APP).tables);
    client.destroy();
    emulator = await startEmulator({
      appDir: APP,
      brokers,
      log: createLogger({}, 'silent'),
      output: quietOutput,
    });
    web = await startConsole({
      tools: emulatorTools(emulator),
      figures: emulatorFigures(emulator),
      follow: (target) => followRecord(emulator, target),
      port: 0,
      tickMs: 500,
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  });

  afterAll(async () => {
    await browser?.close();
    await web?.stop();
    await emulator?.stop();
  });

  it('an anomaly alert leads back to its item_change, through the handlers that saw it', async () => {
    const userId = `user-${randomUUID().slice(0, 8)}`;
    // the producer's own trace context (as an instrumented game server would send it), so the test knows the trace
    const traceId = newTraceId();
    const producerSpan = newSpanId();
    {
      const producer = createProducer({ brokers });
      // an overdraft: the anomaly detector raises a negative-balance alert for it
      await producer.publish(
        topics.itemChange.of('eu1'),
        { userId, itemId: 'potion', delta: -3, balance: -2, reason: 'consume' as const, time: Date.now() },
        { headers: { traceparent: formatTraceParent(traceId, producerSpan, 1) } },
      );
      await producer.disconnect();
    }
    {
      // every handler has seen the item change (server-stats within its 5 s batch window) before it is followed
      const seen = (handler: string): boolean =>
        emulator.stats.get(handler)!.spans.ofTrace(traceId).length > 0;
      for (const handler of ['anomaly-detector', 'inventory-projection', 'server-stats']) {
        const until = Date.now() + 60_000;
        while (!seen(handler)) {
          if (Date.now() > until) throw new Error(`${handler} never processed trace ${traceId}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      // the detector's span continues the producer's context
      expect(emulator.stats.get('anomaly-detector')!.spans.ofTrace(traceId)[0]!.parentSpanId).toBe(
        producerSpan,
      );

      // the handlers page shows what the functions' metrics documents said
      await page.goto(web.url);
      const received = page.locator(
        'section[data-handler="anomaly-detector"] [data-metric="RecordsReceived"] b',
      );
      await received.filter({ hasText: /^[1-9]\d*$/ }).waitFor({ timeout: 60_000 });

      // from the topic browser: the alert, then "follow"
      await page.goto(`${web.url}#topics`);
      await page.getByRole('link', { name: 'alerts', exact: true }).click();
      await page.locator('.browse-form input[name=key]').fill(userId);
      await page.locator('.browse-form button').click();
      const row = page.locator('table.records-table tr', { hasText: 'negative-balance' });
      await row.waitFor({ timeout: 30_000 });
      await row.locator('a[data-follow]').click();

      const tree = page.locator('.follow-result > .trace-tree');
      const change = tree.locator(':scope > li > .node[data-node="record"][data-topic="eu1_item_change"]');
      await change.waitFor({ timeout: 60_000 });
      // the tree as the page draws it: each node's handler or topic, indented by depth
      const shape = await tree.evaluate((root) => {
        const lines: string[] = [];
        const walk = (ul: DomNode, depth: number): void => {
          for (const li of Array.from(ul.children)) {
            const node = li.querySelector(':scope > .node')!;
            const label = node.dataset.handler ?? node.dataset.topic ?? '?';
            lines.push(
              `${'  '.repeat(depth)}${label}${node.classList.contains('origin') ? ' (followed)' : ''}`,
            );
            const children = li.querySelector(':scope > ul');
            if (children) walk(children, depth + 1);
          }
        };
        walk(root as unknown as DomNode, 0);
        return lines;
      });
      expect(shape).toEqual([
        'eu1_item_change',
        '  anomaly-detector',
        '    alerts (followed)',
        '  inventory-projection',
        '  server-stats',
        '    server_stats',
      ]);
      await expect(change.textContent()).resolves.toContain(userId);
      await screenshot(page, 'follow');
    }
  });
});
