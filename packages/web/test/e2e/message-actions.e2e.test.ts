// Message actions in real Chromium against the real server (Version 1.1, issue 16, "The room
// log"): reactions with counts and who reacted, replies whose quote leads to the original, edits
// in place with "(edited)", deletions after a confirmation (by the author, and by a moderator of
// someone else's message), an edit made offline that goes out once on reconnect, and a permalink
// that opens the room at the message. The action bar, the quick picker, the emoji list and the
// delete dialog pass axe. Screenshots of each state go to docs/screenshots/ with UPDATE_SCREENSHOTS=1.
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import type { ChangedFrame, JoinedFrame } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { audit, authenticate, createRoom, memberActions, noAnimations, openRoom, roomList } from './account-steps.js';
import { browserAvailable } from './browser.js';
import { bubble, DESKTOP, NETWORK_NOISE, openPage, PHONE, poll, raw, say, server, useBrowser, waitOnline, type Person } from './people.js';

const available = browserAvailable();

const SHOTS =
  process.env.UPDATE_SCREENSHOTS === '1' ? fileURLToPath(new URL('../../../../docs/screenshots/', import.meta.url)) : `${mkdtempSync(join(tmpdir(), 'chat-shots-'))}/`;
mkdirSync(SHOTS, { recursive: true });
if (process.env.SHOW_SHOTS === '1') console.log(`screenshots: ${SHOTS}`);

/** The bubble whose own text (not a reply's quote of another) holds `text`. */
const own = (page: Page, text: string) => bubble(page, text).filter({ hasNot: page.getByTestId('reply-quote').filter({ hasText: text }) });
/** The row of that message. */
const row = (page: Page, text: string) => page.locator('.chat-item', { has: own(page, text) });
/** Hovers a message and clicks one of its actions (`action-react`, `action-reply`…). */
async function act(page: Page, text: string, action: string): Promise<void> {
  await own(page, text).hover();
  await row(page, text).getByTestId(action).click();
}
/** A message's reaction chips as "emoji count". */
const chips = (page: Page, text: string) =>
  row(page, text).getByTestId('reaction').evaluateAll((els) => els.map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()));
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}message-actions-${name}.png` });
const OFFLINE_NOISE = /ERR_INTERNET_DISCONNECTED|ERR_NAME_NOT_RESOLVED/;

async function twoInRoom(room = 'team'): Promise<{ alice: Person; bob: Person; url: string; wsUrl: (q?: Record<string, string>) => string }> {
  const s = await server({ rateLimit: 0, rateLimitPerIp: 0 });
  // The audit injects axe over CDP, which the page's CSP would refuse as a script.
  const alice = await openPage(s.httpUrl + '/', { bypassCSP: true });
  await authenticate(alice, 'register', 'alice', 'alice-password-1');
  await noAnimations(alice.page);
  await createRoom(alice.page, room);
  const bob = await openPage(s.httpUrl + '/', { bypassCSP: true });
  await authenticate(bob, 'register', 'bob', 'bob-password-1');
  await noAnimations(bob.page);
  await openRoom(bob.page, room);
  return { alice, bob, url: s.httpUrl + '/', wsUrl: (q) => s.wsUrl(q) };
}

describe.skipIf(!available)('message actions in Chromium', () => {
  useBrowser();

  it('react, reply, edit and delete between two people, a moderator deletes, and every open state passes axe', { timeout: 180_000 }, async () => {
    const { alice, bob } = await twoInRoom();
    const a = alice.page;
    const b = bob.page;

    // ---- a reaction: alice reacts to bob's message, bob sees the chip, its count and who ----------
    await say(b, 'the plan for friday');
    await bubble(a, 'the plan for friday').waitFor();
    await bubble(a, 'the plan for friday').hover();
    const bar = row(a, 'the plan for friday').getByTestId('message-actions');
    await bar.waitFor();
    expect(await bar.getAttribute('role')).toBe('toolbar');
    // bob's message: alice may react, reply and copy its link; edit is the author's; alice owns the room, so she may delete it.
    expect(await bar.getByRole('button').evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')))).toEqual(['Add reaction', 'Reply', 'Delete message', 'Copy link']);
    expect(await audit(a)).toEqual([]);
    await shot(a, 'bar');
    // On a phone there is no room beside the bubble: the bar sits over its top edge, inside the list.
    await b.setViewportSize(PHONE);
    // The member list is an overlay there: Escape closes it.
    if (await b.getByTestId('members-backdrop').count()) await b.getByTestId('composer').press('Escape');
    await b.getByTestId('members-backdrop').waitFor({ state: 'detached' });
    await bubble(b, 'the plan for friday').hover();
    const phoneBar = row(b, 'the plan for friday').getByTestId('message-actions');
    await phoneBar.waitFor();
    const inList = await phoneBar.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const list = el.closest('.chat-box')!.getBoundingClientRect();
      return box.left >= list.left && box.right <= list.right;
    });
    expect(inList).toBe(true);
    expect(await audit(b)).toEqual([]);
    await shot(b, 'phone');
    await b.mouse.move(0, 0);
    await b.setViewportSize(DESKTOP);
    await bar.getByTestId('action-react').click();
    await bar.getByTestId('quick-emoji').first().waitFor();
    expect(await bar.getByTestId('quick-emoji').allInnerTexts()).toEqual(['👍', '❤️', '😂', '🎉', '😮', '🙏']);
    expect(await audit(a)).toEqual([]);
    await shot(a, 'quick-picker');
    await bar.getByRole('button', { name: 'React with 👍' }).click();
    const bobsChip = row(b, 'the plan for friday').getByTestId('reaction');
    await poll(() => chips(b, 'the plan for friday')).toEqual(['👍 1']);
    expect(await bobsChip.getAttribute('title')).toBe('alice reacted with 👍');
    expect(await bobsChip.getAttribute('aria-pressed')).toBe('false');
    const alicesChip = row(a, 'the plan for friday').getByTestId('reaction');
    expect(await alicesChip.getAttribute('aria-pressed')).toBe('true');
    // bob adds his by clicking the chip: two, both named, his pressed.
    await bobsChip.click();
    await poll(() => chips(a, 'the plan for friday')).toEqual(['👍 2']);
    expect(await alicesChip.getAttribute('title')).toBe('you, bob reacted with 👍');
    expect(await bobsChip.getAttribute('aria-pressed')).toBe('true');

    // The full list, loaded when opened, searchable.
    await act(a, 'the plan for friday', 'action-react');
    await row(a, 'the plan for friday').getByTestId('more-emoji').click();
    const picker = a.getByTestId('emoji-picker');
    await picker.getByTestId('emoji-list').waitFor();
    await picker.getByTestId('emoji-search').fill('party popper');
    await poll(() => picker.locator('.emoji-button').count()).toBe(1);
    expect(await audit(a)).toEqual([]);
    await shot(a, 'emoji-list');
    await picker.locator('.emoji-button').first().click();
    await picker.waitFor({ state: 'detached' });
    await poll(() => chips(b, 'the plan for friday')).toEqual(['👍 2', '🎉 1']);

    // ---- a reply: bob answers alice, alice sees the quote and follows it to the original ----------
    await say(a, 'who brings the cake?');
    await own(b, 'who brings the cake?').waitFor();
    await act(b, 'who brings the cake?', 'action-reply');
    await b.getByTestId('reply-bar').waitFor();
    expect(await b.getByTestId('reply-bar').innerText()).toContain('who brings the cake?');
    expect(await b.evaluate(() => document.activeElement?.id)).toBe('composer');
    await shot(b, 'reply-composer');
    await say(b, 'I will bring it');
    await b.getByTestId('reply-bar').waitFor({ state: 'detached' });
    const quote = bubble(a, 'I will bring it').getByTestId('reply-quote');
    await quote.waitFor();
    expect(await quote.innerText()).toContain('alice');
    expect(await quote.innerText()).toContain('who brings the cake?');
    await quote.click();
    await poll(() => row(a, 'who brings the cake?').evaluate((el) => el.classList.contains('highlighted'))).toBe(true);
    await shot(a, 'reply-highlight');
    // Briefly: the highlight goes.
    await poll(() => row(a, 'who brings the cake?').evaluate((el) => el.classList.contains('highlighted')), 5_000).toBe(false);

    // ---- an edit: alice edits in place, bob sees the new text and "(edited)" ----------------------
    await act(a, 'who brings the cake?', 'action-edit');
    const editor = a.getByTestId('edit-input');
    await editor.waitFor();
    expect(await editor.inputValue()).toBe('who brings the cake?');
    await shot(a, 'edit');
    // Escape cancels; ↑ in the empty composer edits the last message of mine again.
    await editor.press('Escape');
    await editor.waitFor({ state: 'detached' });
    await a.getByTestId('composer').focus();
    await a.getByTestId('composer').press('ArrowUp');
    await editor.waitFor();
    await editor.fill('who brings the chocolate cake?');
    await editor.press('Enter');
    await own(b, 'who brings the chocolate cake?').waitFor();
    const edited = row(b, 'who brings the chocolate cake?').getByTestId('edited');
    await edited.waitFor();
    expect(await edited.innerText()).toContain('(edited)');
    expect(await edited.getAttribute('title')).toMatch(/^Edited /);
    // bob's reply quotes the new text.
    await poll(() => bubble(b, 'I will bring it').getByTestId('reply-quote').innerText()).toContain('chocolate');

    // ---- a deletion: alice deletes her message after confirming, bob sees "message deleted" -------
    await act(a, 'who brings the chocolate cake?', 'action-delete');
    const dialog = a.getByTestId('delete-message-dialog');
    await dialog.waitFor();
    expect(await a.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('delete-message-cancel');
    expect(await audit(a)).toEqual([]);
    await shot(a, 'delete-confirm');
    await dialog.getByTestId('delete-message-confirm').click();
    await dialog.waitFor({ state: 'detached' });
    await poll(() => b.getByTestId('message-deleted').count()).toBe(1);
    expect(await b.getByText('who brings the chocolate cake?').count()).toBe(0);
    await poll(() => bubble(b, 'I will bring it').getByTestId('reply-quote').innerText()).toContain('message deleted');

    // ---- a moderator deletes someone else's message ---------------------------------------------
    await say(a, 'an announcement from alice');
    await bubble(b, 'an announcement from alice').waitFor();
    await bubble(b, 'an announcement from alice').hover();
    await row(b, 'an announcement from alice').getByTestId('action-reply').waitFor();
    expect(await row(b, 'an announcement from alice').getByTestId('action-delete').count()).toBe(0);
    expect(await row(b, 'an announcement from alice').getByTestId('action-edit').count()).toBe(0);
    await memberActions(a, 'bob').click();
    await a.getByTestId('member-action-op').click();
    await poll(async () => {
      await bubble(b, 'an announcement from alice').hover();
      return row(b, 'an announcement from alice').getByTestId('action-delete').count();
    }).toBe(1);
    await row(b, 'an announcement from alice').getByTestId('action-delete').click();
    await b.getByTestId('delete-message-confirm').click();
    await poll(() => a.getByTestId('message-deleted').count()).toBe(2);
    expect(await a.getByText('an announcement from alice').count()).toBe(0);
    await a.mouse.move(0, 0);
    await shot(a, 'states');

    // Keyboard: focus on a message shows its bar, and Tab goes on into it (past the reply's quote).
    await a.keyboard.press('Shift'); // keyboard modality, as if tabbed to
    await row(a, 'I will bring it').evaluate((el) => (el as HTMLElement).focus());
    await row(a, 'I will bring it').getByTestId('message-actions').waitFor();
    await a.keyboard.press('Tab');
    expect(await a.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('reply-quote');
    await a.keyboard.press('Tab');
    expect(await a.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Add reaction');
    await a.keyboard.press('Enter');
    expect(await a.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('React with 👍');
    await a.keyboard.press('Escape');
    expect(await a.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Add reaction');

    for (const p of [alice, bob]) expect(p.errors).toEqual([]);
  });

  it('an edit made offline goes out once on reconnect', { timeout: 90_000 }, async () => {
    const { alice, bob, wsUrl } = await twoInRoom('offline');
    const a = alice.page;
    const sent: string[] = [];
    a.on('websocket', (ws) => ws.on('framesent', (f) => typeof f.payload === 'string' && sent.push(f.payload)));
    const watcher = await raw(wsUrl({ nick: 'watcher' }));
    await watcher.request<JoinedFrame>({ type: 'join', room: 'offline' });
    await say(a, 'typo in thsi message');
    await poll(() => bubble(a, 'typo in thsi message').getAttribute('data-status')).toBe('sent');
    await bubble(bob.page, 'typo in thsi message').waitFor();

    await alice.context.setOffline(true);
    await a.waitForSelector('[data-testid="connection-status"]:not([data-state="online"])', { state: 'attached', timeout: 5_000 });
    await act(a, 'typo in thsi message', 'action-edit');
    await a.getByTestId('edit-input').fill('typo in this message');
    await a.getByTestId('edit-input').press('Enter');
    // Shown at once, marked as not saved yet.
    await bubble(a, 'typo in this message').waitFor();
    expect(await row(a, 'typo in this message').getByTestId('change-pending').innerText()).toBe('Saving…');

    await alice.context.setOffline(false);
    await waitOnline(a, 20_000);
    await bubble(bob.page, 'typo in this message').waitFor({ timeout: 20_000 });
    await poll(() => row(a, 'typo in this message').getByTestId('change-pending').count()).toBe(0);
    await poll(() => row(bob.page, 'typo in this message').getByTestId('edited').count()).toBe(1);
    const edits = () => sent.map((p) => JSON.parse(p) as { type: string }).filter((f) => f.type === 'edit').length;
    const changes = () => watcher.frames.filter((f) => f.type === 'changed' && (f as ChangedFrame).action === 'edit').length;
    await poll(changes).toBe(1);
    // A moment later still once: nothing went out twice.
    await new Promise((r) => setTimeout(r, 1000));
    expect(edits()).toBe(1);
    expect(changes()).toBe(1);
    expect(alice.errors.filter((e) => !NETWORK_NOISE.test(e) && !OFFLINE_NOISE.test(e))).toEqual([]);
  });

  it('a permalink opened in a new page shows the message, loading older history, and highlights it', { timeout: 120_000 }, async () => {
    const { alice, url, wsUrl } = await twoInRoom('links');
    const a = alice.page;
    await alice.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(url).origin });
    await say(a, 'the message worth linking');
    await poll(() => bubble(a, 'the message worth linking').getAttribute('data-status')).toBe('sent');
    await act(a, 'the message worth linking', 'action-copy-link');
    await poll(() => row(a, 'the message worth linking').getByTestId('message-actions').innerText()).toContain('Link copied');
    const link = await a.evaluate(() => navigator.clipboard.readText());
    const seq = await bubble(a, 'the message worth linking').getAttribute('data-seq');
    expect(link).toBe(`${url}#room=links&seq=${seq}`);

    // More than a page of history after it: the new page must load older messages to reach it.
    const other = await raw(wsUrl({ nick: 'chatty' }));
    await other.request({ type: 'join', room: 'links' });
    for (let i = 1; i <= 70; i++) await other.request({ type: 'send', room: 'links', id: `m${i}`, text: `filler ${i}` });

    // A new page of the same account (its session cookie) opened at the link; the room last open was the lobby.
    await roomList(a).locator('.room-button', { hasText: 'lobby' }).click();
    await poll(() => a.locator('.room-title').innerText()).toContain('lobby');
    const page = await alice.context.newPage();
    page.on('pageerror', (e) => alice.errors.push(`pageerror: ${e.message}`));
    await page.goto(link);
    await waitOnline(page);
    await noAnimations(page);
    const target = page.locator('.chat-item', { has: page.getByTestId('message').filter({ hasText: 'the message worth linking' }) });
    await poll(() => target.evaluate((el) => el.classList.contains('highlighted')).catch(() => false), 20_000).toBe(true);
    expect(await target.isVisible()).toBe(true);
    expect(await page.locator('.room-title').innerText()).toContain('links');
    // The fragment is taken off the address once followed.
    expect(page.url()).toBe(url);
    await shot(page, 'permalink');
    expect(alice.errors).toEqual([]);
  });
});
