/**
 * A real Chromium for console tests: Debian's `chromium` package (installed by .ci/run), driven by playwright-core,
 * which downloads no browser of its own. CHROMIUM_PATH points at another binary.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const REPO = resolve(__dirname, '../..');
/** Where each test run leaves its screenshots (CI keeps them as artifacts; the README names this path). */
export const SCREENSHOT_DIR = join(REPO, 'test-artifacts', 'console');
/** The README's committed screenshots, rewritten only with UPDATE_SCREENSHOTS=1 so a test run leaves the tree clean. */
const DOCS_DIR = join(REPO, 'docs');

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!existsSync(path))
    throw new Error(
      `no Chromium at ${path}: install Debian's chromium package (apt-get install -y chromium, as .ci/run does) or set CHROMIUM_PATH`,
    );
  return path;
}

export function launchChromium(): Promise<Browser> {
  // --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}

/**
 * Saves a full-page screenshot under test-artifacts/console/; with `{ docs: true }` (the README's, of the example
 * app) also under docs/ when UPDATE_SCREENSHOTS=1.
 */
export async function screenshot(page: Page, name: string, o: { docs?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
  if (o.docs && process.env.UPDATE_SCREENSHOTS === '1')
    await page.screenshot({ path: join(DOCS_DIR, `console-${name}.png`), fullPage: true });
}
