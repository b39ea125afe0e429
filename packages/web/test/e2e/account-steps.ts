// Steps of the account tests shared by several end-to-end files: register or sign in on the
// welcome screen, the sidebar and member list as a signed-in person sees them, rooms made from
// the sidebar's form, invitations, and an axe-core audit.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { poll, waitOnline, type Person } from './people.js';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/** Registers or signs in on the welcome screen and waits for the chat to be online. */
export async function authenticate(person: Person, mode: 'register' | 'signin', username: string, password: string): Promise<void> {
  const page = person.page;
  await page.getByTestId(`auth-mode-${mode}`).click();
  await page.getByTestId('auth-username').fill(username);
  await page.getByTestId('auth-password').fill(password);
  await page.getByTestId('auth-submit').click();
  await waitOnline(page);
  await page.getByTestId('composer').waitFor({ state: 'visible' });
}

export const roomTitle = (page: Page) => page.locator('.room-title').innerText();
export const roomList = (page: Page) => page.getByTestId('room-list');
export const noticeText = (page: Page) => page.getByTestId('notice').innerText();
export const confirmationText = (page: Page) => page.getByTestId('confirmation').innerText();
export const memberActions = (page: Page, nick: string) => page.locator('.member-row', { hasText: nick }).getByTestId('member-actions');

/**
 * Types a room name into the sidebar's form (an account creates it as its owner, or joins it if it
 * exists; a guest joins it) and waits until it is the open one.
 */
export async function openRoom(page: Page, name: string): Promise<void> {
  await page.getByTestId('new-room').fill(name);
  await page.getByTestId('new-room').press('Enter');
  await poll(() => roomTitle(page)).toContain(name);
}

/** Creates a room from the sidebar's form (private when asked) and waits until it is open. */
export async function createRoom(page: Page, name: string, options: { private?: boolean } = {}): Promise<void> {
  if (options.private) await page.getByTestId('new-room-private').check();
  await openRoom(page, name);
  if (options.private) await page.getByTestId('new-room-private').uncheck();
}

export const createPrivateRoom = (page: Page, name: string) => createRoom(page, name, { private: true });

/** Invites a username to the open private room from its invite bar. */
export async function invite(page: Page, username: string): Promise<void> {
  if ((await page.getByTestId('invite-username').count()) === 0) await page.getByTestId('invite').click();
  await page.getByTestId('invite-username').fill(username);
  await page.getByTestId('invite-username').press('Enter');
}

/** WCAG 2.1 A/AA violations on the page as "impact id: targets". */
export async function audit(page: Page): Promise<string[]> {
  // Evaluated over CDP, once per page: the page's CSP (script-src 'self') refuses an injected <script>.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return result.violations;
  });
  return violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Animations off, so that axe measures colours at rest (an adopted sheet: the page's CSP allows it). */
export function noAnimations(page: Page): Promise<void> {
  return page.evaluate(() => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('*, *::before, *::after { animation: none !important; }');
    document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  });
}
