// End-to-end, in real Chromium: the composer near the length limit, and the guest-name hint. A
// draft over the limit stays in the composer to be edited (the server would refuse it, so a failed
// bubble's Retry could never work); an invalid guest name shows its hint as an error.
import { DEFAULT_LIMITS } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { enterChat, openPage, poll, server, useBrowser } from './people.js';

const available = browserAvailable();
const LIMIT = DEFAULT_LIMITS.maxMessageChars;

describe.skipIf(!available)('composer in Chromium', () => {
  useBrowser();

  it('counts down near the limit; over it Send and Enter do nothing and the draft stays to be edited', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const page = alice.page;
    const composer = page.getByTestId('composer');
    const counter = page.getByTestId('composer-counter');
    const send = page.getByTestId('send');
    const bubbles = page.getByTestId('message');

    await composer.fill('short');
    expect(await counter.innerText()).toBe('');

    await composer.fill('a'.repeat(LIMIT - 10));
    await poll(() => counter.isVisible()).toBe(true);
    await poll(() => counter.innerText()).toBe('10 left');
    expect(await send.isDisabled()).toBe(false);

    // Emoji count as one character each, as the server counts them.
    const over = 'a'.repeat(LIMIT) + '😀'.repeat(5);
    await composer.fill(over);
    await poll(() => counter.innerText()).toBe('5 too many');
    expect(await counter.getAttribute('aria-live')).toBe('polite');
    expect(await send.isDisabled()).toBe(true);
    await composer.press('Enter');
    await page.waitForTimeout(500);
    expect(await composer.inputValue()).toBe(over);
    expect(await bubbles.count()).toBe(0);

    await composer.press('End');
    for (let i = 0; i < 6; i++) await composer.press('Backspace');
    expect(await composer.inputValue()).toBe('a'.repeat(LIMIT - 1));
    expect(await send.isDisabled()).toBe(false);
    await composer.press('Enter');
    await poll(() => bubbles.count()).toBe(1);
    await poll(() => bubbles.first().getAttribute('data-status')).toBe('sent');
    expect(await composer.inputValue()).toBe('');
  });

  it('an invalid guest name shows its hint as an error and does not open the chat', async () => {
    const s = await server();
    const guest = await openPage(s.httpUrl + '/');
    const page = guest.page;
    const hint = page.locator('#nick-hint');
    const colour = () => hint.evaluate((el) => getComputedStyle(el).color);
    const normal = await colour();
    const danger = await page.evaluate(() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--danger)';
      document.body.append(probe);
      const c = getComputedStyle(probe).color;
      probe.remove();
      return c;
    });
    expect(normal).not.toBe(danger);

    // A zero-width space is invisible, so the rule refuses it; 40 characters is over 32.
    for (const bad of ['two\u200bwords', 'x'.repeat(40)]) {
      const input = page.getByTestId('nick-input');
      await input.fill(bad);
      await input.press('Enter');
      await poll(colour).toBe(danger);
      expect(await hint.isVisible()).toBe(true);
      expect(await input.getAttribute('aria-invalid')).toBe('true');
      await page.waitForTimeout(300);
      expect(await page.getByTestId('composer').count()).toBe(0);
    }
  });
});
