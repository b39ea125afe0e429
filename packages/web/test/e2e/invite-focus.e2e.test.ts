// End-to-end, in real Chromium: Escape closes the invite bar and gives focus back to the Invite
// button that opened it (it used to fall to the page body, so a keyboard user started over).
import { describe, expect, it } from 'vitest';
import { authenticate, createPrivateRoom } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { openPage, poll, server, useBrowser } from './people.js';

const available = browserAvailable();

const focusedTestId = (page: import('playwright-core').Page) => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName);

describe.skipIf(!available)('invite bar in Chromium', () => {
  useBrowser();

  it('Escape and Cancel close the invite bar and focus the Invite button again', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await authenticate(alice, 'register', 'alice', 'alice-password-1');
    const page = alice.page;
    await createPrivateRoom(page, 'club');

    for (const close of ['Escape', 'Cancel'] as const) {
      await page.getByTestId('invite').click();
      await poll(() => focusedTestId(page)).toBe('invite-username');
      if (close === 'Escape') await page.getByTestId('invite-username').press('Escape');
      else await page.getByRole('button', { name: 'Cancel' }).click();
      await poll(() => page.getByTestId('invite-username').count()).toBe(0);
      expect(await focusedTestId(page), close).toBe('invite');
      expect(await page.getByTestId('invite').getAttribute('aria-expanded')).toBe('false');
    }
    expect(alice.errors).toEqual([]);
  });
});
