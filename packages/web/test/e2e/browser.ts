// Real Chromium for end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core.
// Absent browser: a clear "skipped: …" locally, a failure in CI (CI=true).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether e2e tests can run here; prints the skip reason once, and throws in CI. */
export function browserAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `chromium not found at ${CHROMIUM} (apt-get install chromium)`;
  if (process.env.CI === 'true') throw new Error(`CI needs the browser: ${why}`);
  console.log(`skipped: ${why}`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}
