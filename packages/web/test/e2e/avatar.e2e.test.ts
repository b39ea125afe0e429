// End-to-end, in real Chromium: a message's avatar shows initials on one line inside its square,
// however long the name (it used to wrap a long name mid-word), by graphemes for CJK and emoji.
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, PHONE, poll, raw, say, server, useBrowser } from './people.js';

const available = browserAvailable();

/** The avatar beside a bubble: its text, how many lines it takes, and whether it overflows. */
function avatarOf(message: Locator): Promise<{ text: string; lines: number; overflows: boolean; whiteSpace: string }> {
  return message.evaluate((el) => {
    const avatar = el.closest('.chat-msg')!.querySelector<HTMLElement>('.user')!;
    const range = document.createRange();
    range.selectNodeContents(avatar);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    const box = avatar.getBoundingClientRect();
    const text = range.getBoundingClientRect();
    return {
      text: avatar.innerText.trim(),
      lines: tops.size,
      overflows: avatar.scrollWidth > avatar.clientWidth || text.left < box.left - 0.5 || text.right > box.right + 0.5,
      whiteSpace: getComputedStyle(avatar).whiteSpace,
    };
  });
}

describe.skipIf(!available)('avatars in Chromium', () => {
  useBrowser();

  it('shows initials of up to two characters on one line, never overflowing, at desktop and phone size', { timeout: 60_000 }, async () => {
    const s = await server();
    const cases: Array<[nick: string, initials: string]> = [
      ['Bartholomewlongfellowsmithson', 'BA'],
      ['Mary Ann Evans', 'MA'],
      ['jean-luc_picard', 'JL'],
      ['欧阳娜娜', '欧阳'],
      ['👍🏽 thumbs', '👍🏽T'],
      ['x', 'X'],
    ];
    for (const [nick] of cases) {
      const sender = await raw(s.wsUrl({ nick }));
      await sender.request({ type: 'join', room: 'lobby' });
      await sender.request({ type: 'send', room: 'lobby', id: 'a1', text: `hello from ${nick}` });
    }
    for (const viewport of [undefined, PHONE]) {
      const person = await openPage(s.httpUrl + '/', viewport ? { viewport, isMobile: true, hasTouch: true } : {});
      // The reader's own avatar too, with the longest name there may be.
      const own = 'Wolfeschlegelsteinhausenberger' + (viewport ? 'p' : 'd');
      await enterChat(person, own);
      await say(person.page, `hello from ${own}`);
      await poll(() => bubble(person.page, `hello from ${own}`).getAttribute('data-status')).toBe('sent');
      for (const [nick, initials] of [...cases, [own, 'WO'] as [string, string]]) {
        const avatar = await avatarOf(bubble(person.page, `hello from ${nick}`));
        expect(avatar, `${nick} ${viewport ? 'phone' : 'desktop'}`).toMatchObject({ text: initials, lines: 1, overflows: false, whiteSpace: 'nowrap' });
      }
      expect(person.errors).toEqual([]);
    }
  });
});
