// Shared by the end-to-end files: people in Chromium pages, raw protocol participants, servers,
// and cleanup after each test. Each test file runs in its own worker, so this module's lists are
// per file.
import { existsSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { killChildren } from '../../../server/test/child-server.js';
import { startServer, tempDir, TestClient, type TestServer } from '../../../server/test/helpers.js';
import { launchBrowser } from './browser.js';

export const WEB_INDEX = fileURLToPath(new URL('../../dist/index.html', import.meta.url));
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 667 };
export const WAIT = 15_000;

let browser: Browser;
const contexts: BrowserContext[] = [];
const clients: TestClient[] = [];
const servers: TestServer[] = [];
const dirs: string[] = [];

/** Launches the browser for the file and cleans up after each test; call inside the describe. */
export function useBrowser(): void {
  beforeAll(async () => {
    if (!existsSync(WEB_INDEX)) throw new Error(`${WEB_INDEX} is missing: run \`npm run build\` first`);
    browser = await launchBrowser();
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
  });

  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
    for (const c of clients.splice(0)) await c.close().catch(() => {});
    for (const s of servers.splice(0)) await s.close();
    killChildren();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  }, 30_000);
}

/** A data dir removed after the test. */
export function trackedDataDir(): string {
  const dir = tempDir('chat-e2e-');
  dirs.push(dir);
  return dir;
}

export async function raw(url: string): Promise<TestClient> {
  const c = await TestClient.connect(url);
  clients.push(c);
  return c;
}

export async function server(overrides: Parameters<typeof startServer>[0] = {}): Promise<TestServer> {
  const s = await startServer(overrides);
  servers.push(s);
  return s;
}

/** Polls until the matcher holds; generous timeout for a noisy machine. */
export const poll = <T>(fn: () => T | Promise<T>, timeout = WAIT) => expect.poll(fn, { timeout, interval: 100 });

// ---- people in browsers -----------------------------------------------------------------------

export interface Person {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors, in order. */
  errors: string[];
}

export async function openPage(url: string, options: BrowserContextOptions = {}): Promise<Person> {
  const context = await browser.newContext({ locale: 'en-US', viewport: DESKTOP, ...options });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT);
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  await page.goto(url);
  return { context, page, errors };
}

/** The welcome screen: type a name, press Enter, wait for the chat to be online. */
export async function enterChat(person: Person, nick: string): Promise<void> {
  const input = person.page.getByTestId('nick-input');
  await input.fill(nick);
  await input.press('Enter');
  await waitOnline(person.page);
  await person.page.getByTestId('composer').waitFor({ state: 'visible' });
}

export async function waitOnline(page: Page, timeout = WAIT): Promise<void> {
  await page.waitForSelector('[data-testid="connection-status"][data-state="online"]', { state: 'attached', timeout });
}

export const connectionState = (page: Page) => page.getByTestId('connection-status').getAttribute('data-state');

/** Types into the composer and presses Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const composer = page.getByTestId('composer');
  await composer.fill(text);
  await composer.press('Enter');
}

/** Every message bubble containing text (substring; use unique texts). */
export const bubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text });
export const visibleBubble = (page: Page, text: string) => page.getByTestId('message').filter({ hasText: text, visible: true });

export const bubbleTexts = (page: Page) => page.getByTestId('message').evaluateAll((els) => els.map((e) => (e as HTMLElement).innerText));

/** Each bubble's text replaced by the first expected text it contains (so a mismatch shows the bubble). */
export async function bubblesAs(page: Page, expected: string[]): Promise<string[]> {
  return (await bubbleTexts(page)).map((t) => expected.find((x) => t.includes(x)) ?? t);
}

export const isMine = (loc: Locator) => loc.evaluate((el) => el.closest('.mine') !== null);
/** The text of an own message's `.mine` element (avatar or name, and the bubble); null when not mine. */
export const ownRowText = (loc: Locator) => loc.evaluate((el) => (el.closest('.mine') as HTMLElement | null)?.innerText ?? null);

/** Gaps between the bubble and the left/right edges of the scrolling message list around it. */
export function edgeGaps(loc: Locator): Promise<{ left: number; right: number; width: number }> {
  return loc.evaluate((el) => {
    const box = el.getBoundingClientRect();
    let list: HTMLElement | null = el.parentElement;
    while (list && list !== document.body && !/(auto|scroll)/.test(getComputedStyle(list).overflowY)) list = list.parentElement;
    const lb = (list ?? document.body).getBoundingClientRect();
    return { left: box.left - lb.left, right: lb.right - box.right, width: lb.width };
  });
}

/** The first non-transparent background colour on the bubble or inside it, as [r, g, b]. */
export function bubbleColour(loc: Locator): Promise<number[] | null> {
  return loc.evaluate((el) => {
    for (const node of [el, ...Array.from(el.querySelectorAll('*'))]) {
      const bg = getComputedStyle(node).backgroundColor;
      const m = bg.match(/rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/);
      if (m && (m[4] === undefined || Number(m[4]) > 0)) return [Number(m[1]), Number(m[2]), Number(m[3])];
    }
    return null;
  });
}
export const greenish = (c: number[] | null) => c !== null && c[1]! > c[0]! + 30 && c[1]! > c[2]! + 30;

/** Console errors a page may log while the server is really down (the browser's own network noise). */
export const NETWORK_NOISE = /WebSocket connection to .* failed|Failed to load resource|ERR_CONNECTION_REFUSED/;
