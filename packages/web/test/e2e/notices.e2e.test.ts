// End-to-end, in real Chromium: a passing notice goes away by itself after a few seconds, and any
// notice can be dismissed at once (notices used to stay until the next one replaced them).
import { describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { enterChat, openPage, poll, server, useBrowser } from './people.js';

const available = browserAvailable();

describe.skipIf(!available)('notices in Chromium', () => {
  useBrowser();

  it('a refused join says why, then the notice goes by itself; the Dismiss button removes one at once', { timeout: 60_000 }, async () => {
    const s = await server();
    const guest = await openPage(s.httpUrl + '/');
    await enterChat(guest, 'guest');
    const page = guest.page;
    const notice = page.getByTestId('notice');
    const refusedJoin = async (room: string) => {
      await page.getByTestId('new-room').fill(room);
      await page.getByTestId('new-room').press('Enter');
      await poll(() => notice.innerText()).toContain(room);
    };

    await refusedJoin('dm-nobody');
    const shown = Date.now();
    await page.waitForTimeout(3_000);
    expect(await notice.isVisible()).toBe(true);
    await poll(() => notice.count(), 15_000).toBe(0);
    expect(Date.now() - shown).toBeGreaterThanOrEqual(5_000);

    await refusedJoin('dm-someone');
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await poll(() => notice.count()).toBe(0);
    expect(guest.errors).toEqual([]);
  });
});
