// End-to-end, in real Chromium: the typing indicator of a quick reply. The other person's message
// clears the line when it arrives, so the first keystroke of the next message must say "typing"
// again at once, not after the 3-second throttle of the previous message's typing.
import { describe, it } from 'vitest';
import { browserAvailable } from './browser.js';
import { bubble, enterChat, openPage, poll, server, useBrowser } from './people.js';

const available = browserAvailable();

describe.skipIf(!available)('typing indicator in Chromium', () => {
  useBrowser();

  it('a reply typed right after a message shows "is typing" to the other person', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const bob = await openPage(s.httpUrl + '/');
    await enterChat(bob, 'bob');
    const typingLine = bob.page.locator('.typing');
    const composer = alice.page.getByTestId('composer');

    await composer.pressSequentially('first thought');
    await poll(() => typingLine.innerText()).toContain('alice is typing');
    await composer.press('Enter');
    await bubble(bob.page, 'first thought').waitFor();
    // The message ends that typing at once.
    await poll(() => typingLine.innerText()).toBe('');

    // Well within 3 s of the first keystroke above: the old throttle said nothing here.
    await composer.pressSequentially('ok');
    await poll(() => typingLine.innerText(), 1500).toContain('alice is typing');
  });
});
