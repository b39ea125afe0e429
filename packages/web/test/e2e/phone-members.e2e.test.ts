// End-to-end, in real Chromium at phone size: the member panel opens over a dimmed backdrop (it
// used to cover the composer with nothing to tap away); tapping the backdrop or pressing Escape
// closes it and gives focus back to the members button. The open panel passes an axe audit.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { audit, noAnimations } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { enterChat, openPage, PHONE, poll, server, useBrowser } from './people.js';

const available = browserAvailable();

const membersButton = (page: Page) => page.getByRole('button', { name: /^(Show|Hide) members$/ });
const focusedLabel = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.tagName);

describe.skipIf(!available)('member panel on a phone in Chromium', () => {
  useBrowser();

  it('opens over a backdrop that closes it when tapped; Escape closes it too', { timeout: 60_000 }, async () => {
    const s = await server();
    const phone = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true, bypassCSP: true });
    await enterChat(phone, 'jo');
    const page = phone.page;
    const panel = page.getByTestId('member-list');
    const backdrop = page.getByTestId('members-backdrop');
    expect(await panel.isVisible()).toBe(false);

    await membersButton(page).tap();
    await panel.waitFor({ state: 'visible' });
    await backdrop.waitFor({ state: 'visible' });
    // The backdrop dims the page behind the panel, composer included.
    const dim = await backdrop.boundingBox();
    expect(dim).toMatchObject({ x: 0, width: PHONE.width });
    expect(await backdrop.evaluate((el) => getComputedStyle(el).backgroundColor)).not.toBe('rgba(0, 0, 0, 0)');
    await noAnimations(page);
    expect(await audit(page)).toEqual([]);

    // Tapping the dimmed part left of the panel closes it.
    await page.touchscreen.tap(20, PHONE.height / 2);
    await poll(() => panel.isVisible()).toBe(false);
    expect(await backdrop.count()).toBe(0);
    expect(await focusedLabel(page)).toBe('Show members');

    await membersButton(page).tap();
    await panel.waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await poll(() => panel.isVisible()).toBe(false);
    expect(await focusedLabel(page)).toBe('Show members');
    // The composer is usable again.
    await page.getByTestId('composer').tap();
    expect(phone.errors).toEqual([]);
  });
});
