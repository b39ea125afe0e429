// End-to-end, in real Chromium: text as people write it. Arabic and Hebrew read right to left,
// with their punctuation on the left: message text, names and the composer take their direction
// from their own text (dir="auto"), not from the page's left-to-right layout. Links keep their
// balanced parentheses (a Wikipedia title) and leave out the one that closes a remark.
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, poll, raw, server, useBrowser } from './people.js';

const available = browserAvailable();

/** The direction of the element that holds `text` as its own text (not the bubble around it). */
function directionOf(container: Locator, text: string): Promise<string | null> {
  return container.evaluate((root, wanted) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.textContent?.includes(wanted)) return getComputedStyle(node.parentElement!).direction;
    }
    return null;
  }, text);
}

describe.skipIf(!available)('text in Chromium', () => {
  useBrowser();

  it('right-to-left messages, names and drafts read right to left; left-to-right ones stay', async () => {
    const s = await server();
    const nasser = await raw(s.wsUrl({ nick: 'ناصر' }));
    await nasser.request({ type: 'join', room: 'lobby' });
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const page = alice.page;

    await nasser.request({ type: 'send', room: 'lobby', id: 'rtl-1', text: 'مرحبا بالعالم!' });
    await nasser.request({ type: 'send', room: 'lobby', id: 'ltr-1', text: 'hello, world!' });
    await poll(() => bubble(page, 'hello, world!').count()).toBe(1);

    expect(await directionOf(bubble(page, 'مرحبا'), 'مرحبا بالعالم!')).toBe('rtl');
    expect(await directionOf(bubble(page, 'hello, world!'), 'hello, world!')).toBe('ltr');
    // The sender's name above the bubble, and in the member list.
    expect(await directionOf(page.locator('.sender').first(), 'ناصر')).toBe('rtl');
    expect(await directionOf(page.getByTestId('member-list'), 'ناصر')).toBe('rtl');
    expect(await directionOf(page.getByTestId('member-list'), 'alice')).toBe('ltr');

    // The composer follows what is typed into it.
    const composer = page.getByTestId('composer');
    await composer.fill('שלום לכולם');
    await poll(() => composer.evaluate((el) => getComputedStyle(el).direction)).toBe('rtl');
    await composer.fill('hi all');
    await poll(() => composer.evaluate((el) => getComputedStyle(el).direction)).toBe('ltr');
    nasser.close();
  });

  it('a link keeps the parentheses of its own and leaves out the one closing a remark', async () => {
    const s = await server();
    const bob = await raw(s.wsUrl({ nick: 'bob' }));
    await bob.request({ type: 'join', room: 'lobby' });
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const page = alice.page;

    const wiki = 'https://en.wikipedia.org/wiki/Foo_(bar)';
    await bob.request({ type: 'send', room: 'lobby', id: 'wiki-1', text: `read this (${wiki}) first` });
    const link = bubble(page, 'read this').locator('a');
    await poll(() => link.count()).toBe(1);
    expect(await link.getAttribute('href')).toBe(wiki);
    expect(await link.innerText()).toBe(wiki);
    expect(await bubble(page, 'read this').locator('.msg-text').innerText()).toBe(`read this (${wiki}) first`);
    bob.close();
  });
});
