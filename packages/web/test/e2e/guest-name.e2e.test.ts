// End-to-end, in real Chromium: a guest name that an account owns is no dead end. The welcome
// screen asks the server (`api/nicks/check`) before entering and says the name belongs to an
// account, with a way to sign in instead; a stored name (or an expired token with its name) that
// the server now refuses brings the welcome screen back with that message instead of an endless
// "Offline". The welcome screen with the message passes an axe audit and fits the screen, on a
// desktop and a phone.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { api } from '../../../server/test/http/http-helpers.js';
import { audit } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { enterChat, openPage, PHONE, poll, server, useBrowser, waitOnline } from './people.js';

const available = browserAvailable();

/** What the browser logs for the refused upgrade and the check's answers. */
const EXPECTED_ERRORS = /Failed to load resource: the server responded with a status of (401|409)|WebSocket connection to .* failed/;


async function register(httpUrl: string, username: string): Promise<void> {
  const res = await api(httpUrl, 'POST', '/api/auth/register', { body: { username, password: `${username}-password-1` } });
  expect(res.status).toBe(201);
}

/** Every WebSocket the page opens. */
function countSockets(page: Page): () => number {
  let n = 0;
  page.on('websocket', () => n++);
  return () => n;
}

const NAME_TAKEN = /belongs to an account: sign in or choose another/;

describe.skipIf(!available)('a guest name that an account owns, in Chromium', () => {
  useBrowser();

  it('the welcome screen says so before entering, offers sign-in, and another name enters', { timeout: 60_000 }, async () => {
    const s = await server();
    await register(s.httpUrl, 'alice');
    for (const [options, other] of [[{}, 'bob'], [{ viewport: PHONE, isMobile: true, hasTouch: true }, 'bob-phone']] as const) {
      const person = await openPage(s.httpUrl + '/', { bypassCSP: true, ...options });
      const page = person.page;
      const sockets = countSockets(page);
      const input = page.getByTestId('nick-input');
      await input.fill('Alice');
      await input.press('Enter');
      await poll(() => page.getByTestId('nick-error').innerText()).toMatch(NAME_TAKEN);
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      expect(await page.getByTestId('composer').count()).toBe(0);
      expect(sockets()).toBe(0);
      expect(await audit(page)).toEqual([]);
      // The card with its message fits the screen (on a phone it stuck out on the right).
      const overflow = await page.locator('.welcome-card').evaluate((card) => Math.round(card.getBoundingClientRect().right - window.innerWidth));
      expect(overflow).toBeLessThan(0);

      // The message's sign-in button switches to the sign-in form with the name filled in.
      await page.getByTestId('nick-sign-in').click();
      expect(await page.getByTestId('auth-mode-signin').getAttribute('aria-pressed')).toBe('true');
      expect(await page.getByTestId('auth-username').inputValue()).toBe('alice');
      await page.getByTestId('auth-mode-guest').click();

      // Another name enters.
      await enterChat(person, other);
      expect(person.errors.filter((e) => !EXPECTED_ERRORS.test(e))).toEqual([]);
    }
  });

  it('a stored name that an account now owns brings the welcome screen back, not an endless "Offline"', { timeout: 60_000 }, async () => {
    const s = await server();
    await register(s.httpUrl, 'bob');
    // As the client stores a guest that has a name and no token yet.
    const person = await openPage(s.httpUrl + '/', { bypassCSP: true });
    const page = person.page;
    await page.evaluate(() => localStorage.setItem('chat.nick', 'bob'));
    await page.reload();
    await poll(() => page.locator('.welcome-notice').innerText()).toMatch(/“bob” belongs to an account: sign in or choose another/);
    await page.getByTestId('nick-input').waitFor();
    expect(await page.evaluate(() => localStorage.getItem('chat.nick'))).toBeNull();
    expect(await audit(page)).toEqual([]);

    // It stays there (no more attempts), and a reload does not bring the name back.
    const sockets = countSockets(page);
    await page.waitForTimeout(2500);
    expect(sockets()).toBe(0);
    await page.reload();
    await page.getByTestId('nick-input').waitFor();
    expect(await page.getByTestId('composer').count()).toBe(0);

    // Another name enters, and the message is gone.
    await enterChat(person, 'bobby');
    expect(await page.locator('.welcome-notice').count()).toBe(0);
    expect(person.errors.filter((e) => !EXPECTED_ERRORS.test(e))).toEqual([]);
  });

  it('an expired token whose name an account took since: identity lost, then the welcome screen, no loop', { timeout: 60_000 }, async () => {
    const s = await server();
    await register(s.httpUrl, 'carol');
    const person = await openPage(s.httpUrl + '/');
    const page = person.page;
    await page.evaluate(() => {
      localStorage.setItem('chat.token', 'g_unknowntoken0123456789');
      localStorage.setItem('chat.nick', 'carol');
    });
    const sockets = countSockets(page);
    await page.reload();
    await poll(() => page.locator('.welcome-notice').innerText()).toMatch(/“carol” belongs to an account/);
    await page.getByTestId('nick-input').waitFor();
    const tried = sockets();
    expect(tried).toBeLessThanOrEqual(2);
    await page.waitForTimeout(2500);
    expect(sockets()).toBe(tried);
    expect(await page.evaluate(() => [localStorage.getItem('chat.token'), localStorage.getItem('chat.nick')])).toEqual([null, null]);
    await enterChat(person, 'caroline');
    await waitOnline(page);
  });
});
