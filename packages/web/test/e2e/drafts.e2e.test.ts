// End-to-end, in real Chromium: what is typed in the composer stays with its room, through a
// reload and a switch to another room and back, and is gone once sent.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openRoom } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, poll, server, useBrowser, waitOnline } from './people.js';

const available = browserAvailable();

const composerText = (page: Page) => page.getByTestId('composer').inputValue();
const roomButton = (page: Page, name: string) => page.getByTestId('room-list').locator('button', { hasText: name }).first();

describe.skipIf(!available)('drafts in Chromium', () => {
  useBrowser();

  it('keeps each room its own draft through a reload and room switches; sending clears it', { timeout: 60_000 }, async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const page = alice.page;

    await page.getByTestId('composer').pressSequentially('half a thought');
    await page.reload();
    await waitOnline(page);
    await poll(() => composerText(page)).toBe('half a thought');

    await openRoom(page, 'second');
    expect(await composerText(page)).toBe('');
    await page.getByTestId('composer').fill('a draft for second');
    await roomButton(page, 'lobby').click();
    await poll(() => composerText(page)).toBe('half a thought');
    await roomButton(page, 'second').click();
    await poll(() => composerText(page)).toBe('a draft for second');

    await page.reload();
    await waitOnline(page);
    await poll(() => composerText(page)).toBe('a draft for second');
    await page.getByTestId('composer').press('Enter');
    await poll(() => bubble(page, 'a draft for second').getAttribute('data-status')).toBe('sent');
    expect(await composerText(page)).toBe('');
    await page.reload();
    await waitOnline(page);
    await bubble(page, 'a draft for second').waitFor();
    expect(await composerText(page)).toBe('');
    await roomButton(page, 'lobby').click();
    await poll(() => composerText(page)).toBe('half a thought');
    expect(alice.errors).toEqual([]);
  });
});
