// End-to-end tests of the web client in real Chromium against the real server: two
// people chat, XSS stays text, a reload keeps identity and history, kill -9 and restart of the
// server with an offline message, rooms and unread badges, a phone viewport, and the README's
// screenshots. Only the stable data-testid hooks are used (listed in CONTRIBUTING.md).
import { isMessage } from '@chat/protocol';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { AckFrame, ChatMessage, JoinedFrame } from '@chat/protocol';
import { freePort, startChild } from '../../../server/test/child-server.js';
import { sleep, TestClient } from '../../../server/test/helpers.js';
import { browserAvailable } from './browser.js';
import {
  bubble,
  bubbleColour,
  bubblesAs,
  connectionState,
  edgeGaps,
  enterChat,
  greenish,
  isMine,
  NETWORK_NOISE,
  openPage,
  ownRowText,
  PHONE,
  poll,
  raw,
  say,
  server,
  trackedDataDir,
  useBrowser,
  visibleBubble,
  waitOnline,
} from './people.js';

const available = browserAvailable();

// The README's screenshots are refreshed with UPDATE_SCREENSHOTS=1; otherwise they go to a temp
// folder, so a test run never changes tracked files.
const DOCS =
  process.env.UPDATE_SCREENSHOTS === '1'
    ? fileURLToPath(new URL('../../../../docs/', import.meta.url))
    : `${mkdtempSync(join(tmpdir(), 'chat-shots-'))}/`;


describe.skipIf(!available)('web client in Chromium', () => {
  useBrowser();

  // ---- 1 --------------------------------------------------------------------------------------

  it('two people chat in the lobby: own bubbles right and mine, others left, online count, typing', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    const bob = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    await enterChat(bob, 'bob');

    for (const p of [alice.page, bob.page]) {
      await poll(() => p.getByTestId('online-count').innerText()).toMatch(/\b2\b/);
      // Desktop: the member list is visible and names both.
      const members = p.getByTestId('member-list');
      await members.waitFor({ state: 'visible' });
      await poll(() => members.innerText()).toMatch(/alice[\s\S]*bob|bob[\s\S]*alice/);
    }

    // The send button is inactive while the composer is empty or only whitespace.
    const send = alice.page.getByTestId('send');
    expect(await send.isDisabled()).toBe(true);
    await alice.page.getByTestId('composer').fill('   \n ');
    expect(await send.isDisabled()).toBe(true);
    await alice.page.getByTestId('composer').fill('');

    // Typing shows on the other side.
    await alice.page.getByTestId('composer').pressSequentially('hel');
    const typing = bob.page.getByText(/is typing/).filter({ visible: true }).first();
    await typing.waitFor({ state: 'visible' });
    expect(await typing.innerText()).toContain('alice');
    expect(await send.isDisabled()).toBe(false);

    await alice.page.getByTestId('composer').fill('hello from alice');
    await send.click();
    await bubble(bob.page, 'hello from alice').waitFor();
    await poll(() => bubble(alice.page, 'hello from alice').getAttribute('data-status')).toBe('sent');
    await say(bob.page, 'hi alice, bob here');
    await bubble(alice.page, 'hi alice, bob here').waitFor();
    expect(await alice.page.getByTestId('composer').inputValue()).toBe('');

    // Own bubbles: class mine, right-aligned, green; the other's: left, not green.
    for (const [page, own, other] of [
      [alice.page, 'hello from alice', 'hi alice, bob here'],
      [bob.page, 'hi alice, bob here', 'hello from alice'],
    ] as const) {
      await poll(() => bubble(page, own).getAttribute('data-status')).toBe('sent');
      expect(await bubble(page, own).count()).toBe(1);
      expect(await bubble(page, other).count()).toBe(1);
      expect(await isMine(bubble(page, own))).toBe(true);
      expect(await isMine(bubble(page, other))).toBe(false);
      const mine = await edgeGaps(bubble(page, own));
      const theirs = await edgeGaps(bubble(page, other));
      expect(mine.right, `own bubble near the right edge: ${JSON.stringify(mine)}`).toBeLessThan(mine.left);
      expect(mine.right).toBeLessThan(mine.width * 0.2);
      expect(theirs.left, `other's bubble near the left edge: ${JSON.stringify(theirs)}`).toBeLessThan(theirs.right);
      expect(theirs.left).toBeLessThan(theirs.width * 0.2);
      const ownColour = await bubbleColour(bubble(page, own));
      expect(greenish(ownColour), `own bubble colour ${JSON.stringify(ownColour)}`).toBe(true);
      const otherColour = await bubbleColour(bubble(page, other));
      expect(greenish(otherColour), `other's bubble colour ${JSON.stringify(otherColour)}`).toBe(false);
    }

    // Shift+Enter makes a new line; Enter sends the two lines as one message.
    const composer = alice.page.getByTestId('composer');
    await composer.pressSequentially('first line');
    await composer.press('Shift+Enter');
    await composer.pressSequentially('second line');
    expect(await composer.inputValue()).toBe('first line\nsecond line');
    expect(await bubble(alice.page, 'first line').count()).toBe(0);
    await composer.press('Enter');
    await bubble(bob.page, 'second line').waitFor();
    expect(await bubble(bob.page, 'second line').innerText()).toContain('first line\nsecond line');
    await poll(() => composer.inputValue()).toBe('');

    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 40_000);

  // ---- 2 --------------------------------------------------------------------------------------

  it('shows an XSS payload as text, links only http(s) with rel noopener noreferrer', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    const bob = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    await enterChat(bob, 'bob');

    const payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    await say(alice.page, payload);
    await say(alice.page, 'see https://example.org/x for details');
    await say(alice.page, 'javascript:alert(1)');

    for (const page of [alice.page, bob.page]) {
      await bubble(page, 'javascript:alert(1)').waitFor();
      const shown = bubble(page, 'window.__xss=2');
      expect(await shown.count()).toBe(1);
      expect(await shown.innerText()).toContain(payload);
      expect(await page.locator('[data-testid="message"] img').count()).toBe(0);
      expect(await page.locator('[data-testid="message"] script').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();

      const link = bubble(page, 'for details').locator('a');
      expect(await link.count()).toBe(1);
      expect(await link.getAttribute('href')).toBe('https://example.org/x');
      expect(await link.innerText()).toBe('https://example.org/x');
      const rel = (await link.getAttribute('rel')) ?? '';
      expect(rel.split(/\s+/)).toEqual(expect.arrayContaining(['noopener', 'noreferrer']));

      const notLink = bubble(page, 'javascript:alert(1)');
      expect(await notLink.locator('a').count()).toBe(0);
      expect(await notLink.innerText()).toContain('javascript:alert(1)');
    }
    // Nothing ran later either (an onerror fires asynchronously).
    await sleep(300);
    for (const page of [alice.page, bob.page]) {
      expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
    }

    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 30_000);

  // ---- 3 --------------------------------------------------------------------------------------

  it('a reload keeps the identity and the history, and own messages stay mine', async () => {
    const s = await server();
    const dave = await raw(s.wsUrl({ nick: 'dave' }));
    await dave.request({ type: 'join', room: 'lobby' });
    const carol = await openPage(s.httpUrl + '/');
    await enterChat(carol, 'carol');

    await say(carol.page, 'carol first words');
    const first = (await dave.next((f) => f.type === 'message' && f.text === 'carol first words')) as ChatMessage;
    expect(first.from.nick).toBe('carol');
    await dave.request({ type: 'send', room: 'lobby', id: 'd1', text: 'dave answers carol' });
    await say(carol.page, 'carol second words');
    await dave.next((f) => f.type === 'message' && f.text === 'carol second words');
    const before = ['carol first words', 'dave answers carol', 'carol second words'];
    await poll(() => bubblesAs(carol.page, before)).toEqual(before);
    expect(await carol.page.evaluate(() => localStorage.length), 'identity kept in localStorage').toBeGreaterThan(0);

    await carol.page.reload();
    await waitOnline(carol.page);
    await carol.page.getByTestId('composer').waitFor({ state: 'visible' });
    expect(await carol.page.getByTestId('nick-input').count()).toBe(0);

    await poll(() => bubblesAs(carol.page, before)).toEqual(before);
    expect(await isMine(bubble(carol.page, 'carol first words'))).toBe(true);
    expect(await isMine(bubble(carol.page, 'carol second words'))).toBe(true);
    expect(await isMine(bubble(carol.page, 'dave answers carol'))).toBe(false);
    // Own messages still carry carol's name (avatar or label), not a generated one.
    for (const text of ['carol first words', 'carol second words']) expect(await ownRowText(bubble(carol.page, text))).toContain('carol');
    // Same user, so still two people online, and carol listed once.
    await poll(() => carol.page.getByTestId('online-count').innerText()).toMatch(/\b2\b/);
    await poll(async () => ((await carol.page.getByTestId('member-list').innerText()).match(/carol/g) ?? []).length).toBe(1);

    // The server sees the same user id and nick after the reload.
    await say(carol.page, 'carol after the reload');
    const after = (await dave.next((f) => f.type === 'message' && f.text === 'carol after the reload')) as ChatMessage;
    expect(after.from).toEqual(first.from);
    await poll(() => bubble(carol.page, 'carol after the reload').getAttribute('data-status')).toBe('sent');
    expect(await isMine(bubble(carol.page, 'carol after the reload'))).toBe(true);

    expect(carol.errors).toEqual([]);
  }, 30_000);

  // ---- 4 --------------------------------------------------------------------------------------

  it('survives kill -9 and a restart: offline state, a queued message delivered once, nothing missed or doubled', async () => {
    const dataDir = trackedDataDir();
    const port = await freePort();
    const wsUrl = (q: Record<string, string>) => `ws://127.0.0.1:${port}/ws?${new URLSearchParams(q)}`;
    let proc = await startChild(dataDir, { port });

    const erin = await openPage(`http://127.0.0.1:${port}/`);
    await enterChat(erin, 'erin');
    const frank = await raw(wsUrl({ nick: 'frank' }));
    await frank.request({ type: 'join', room: 'lobby' });
    await frank.request({ type: 'send', room: 'lobby', id: 'f-before', text: 'frank before the crash' });
    await bubble(erin.page, 'frank before the crash').waitFor();
    await say(erin.page, 'erin before the crash');
    await poll(() => bubble(erin.page, 'erin before the crash').getAttribute('data-status')).toBe('sent');

    // Crash.
    proc.child.kill('SIGKILL');
    await proc.exited;
    await frank.closed;
    await poll(() => connectionState(erin.page)).toMatch(/^(offline|connecting)$/);
    await expect(TestClient.connect(wsUrl({ nick: 'gus' }))).rejects.toThrow();

    // Written while the server is down: shown as pending.
    const offlineText = 'erin typed this while the server was down';
    await say(erin.page, offlineText);
    await bubble(erin.page, offlineText).waitFor();
    expect(await bubble(erin.page, offlineText).getAttribute('data-status')).toBe('pending');
    expect(await isMine(bubble(erin.page, offlineText))).toBe(true);
    await poll(() => erin.page.getByTestId('composer').inputValue()).toBe('');
    expect(await connectionState(erin.page)).not.toBe('online');

    // While the page is still cut off, frank talks: the data dir is brought up on a side port (the
    // page only knows its own port), frank says three things, and that server stops again.
    const sidePort = await freePort();
    const side = await startChild(dataDir, { port: sidePort });
    const frank2 = await raw(`ws://127.0.0.1:${sidePort}/ws?${new URLSearchParams({ token: frank.welcome.token! })}`);
    expect(frank2.welcome.user).toEqual(frank.welcome.user);
    await frank2.request<JoinedFrame>({ type: 'join', room: 'lobby', since: 2 });
    const missed = ['missed alpha', 'missed bravo', 'missed charlie'];
    const acks = await Promise.all(missed.map((text, i) => frank2.request<AckFrame>({ type: 'send', room: 'lobby', id: `f-missed-${i}`, text })));
    expect(acks.map((a) => a.type)).toEqual(['ack', 'ack', 'ack']);
    side.child.kill('SIGTERM');
    await side.exited;
    await frank2.closed;
    expect(await connectionState(erin.page)).not.toBe('online');
    expect(await bubble(erin.page, 'missed alpha').count()).toBe(0);
    expect(await bubble(erin.page, offlineText).getAttribute('data-status')).toBe('pending');

    // Restart on the same data dir and the same port. A watcher is there from the start.
    proc = await startChild(dataDir, { port });
    const watcher = await raw(wsUrl({ nick: 'watcher' }));
    const watched = await watcher.request<JoinedFrame>({ type: 'join', room: 'lobby' });

    // The page reconnects by itself, catches up, and delivers the queued message once.
    await waitOnline(erin.page, 30_000);
    await poll(() => bubble(erin.page, offlineText).getAttribute('data-status'), 20_000).toBe('sent');
    const offlineSeen = () =>
      watched.history.filter(isMessage).filter((m) => m.text === offlineText).length +
      watcher.frames.filter((f) => f.type === 'message' && f.text === offlineText).length;
    await poll(offlineSeen).toBeGreaterThanOrEqual(1);

    // The server's history: every message once, in order, the offline one exactly once.
    const checker = await raw(wsUrl({ nick: 'checker' }));
    const joined = await checker.request<JoinedFrame>({ type: 'join', room: 'lobby' });
    const history = joined.history.filter(isMessage).map((m) => m.text);
    expect(history).toEqual(['frank before the crash', 'erin before the crash', ...missed, offlineText]);
    expect(joined.history.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(offlineSeen()).toBe(1);

    // The page shows exactly the server's history, in seq order, nothing doubled or missing.
    await poll(() => bubblesAs(erin.page, history)).toEqual(history);
    expect(await isMine(bubble(erin.page, offlineText))).toBe(true);
    expect(await isMine(bubble(erin.page, 'missed alpha'))).toBe(false);

    // And the conversation goes on.
    await watcher.request({ type: 'send', room: 'lobby', id: 'w-after', text: 'watcher after the restart' });
    await say(erin.page, 'erin after the restart');
    const all = [...history, 'watcher after the restart', 'erin after the restart'];
    await poll(() => bubblesAs(erin.page, all)).toEqual(all);

    expect(erin.errors.filter((e) => !NETWORK_NOISE.test(e))).toEqual([]);
  }, 60_000);

  // ---- 5 --------------------------------------------------------------------------------------

  it('rooms: create and switch, messages stay in their room, unread badge on the lobby', async () => {
    const s = await server();
    const hank = await raw(s.wsUrl({ nick: 'hank' }));
    await hank.request({ type: 'join', room: 'lobby' });
    const gina = await openPage(s.httpUrl + '/');
    await enterChat(gina, 'gina');
    const page = gina.page;

    await hank.request({ type: 'send', room: 'lobby', id: 'h0', text: 'hank says hello in the lobby' });
    await visibleBubble(page, 'hank says hello in the lobby').waitFor();

    const roomList = page.getByTestId('room-list');
    await roomList.waitFor({ state: 'visible' });
    const lobbyEntry = roomList.locator('button', { hasText: 'lobby' }).first();
    await lobbyEntry.waitFor();

    const newRoom = page.getByTestId('new-room');
    await newRoom.fill('team-a');
    await newRoom.press('Enter');
    const teamEntry = roomList.locator('button', { hasText: 'team-a' }).first();
    await teamEntry.waitFor({ state: 'visible' });
    // team-a is the active room now: the lobby's message is gone from view.
    await poll(() => visibleBubble(page, 'hank says hello in the lobby').count()).toBe(0);
    await waitOnline(page);

    await say(page, 'only for team-a');
    await poll(() => visibleBubble(page, 'only for team-a').getAttribute('data-status')).toBe('sent');

    // The server stored it in team-a, not in the lobby.
    const peek = await raw(s.wsUrl({ nick: 'peek' }));
    const team = await peek.request<JoinedFrame>({ type: 'join', room: 'team-a' });
    expect(team.history.filter(isMessage).map((m) => m.text)).toEqual(['only for team-a']);
    const lobby = await peek.request<JoinedFrame>({ type: 'join', room: 'lobby' });
    expect(lobby.history.filter(isMessage).map((m) => m.text)).toEqual(['hank says hello in the lobby']);
    expect(hank.frames.some((f) => f.type === 'message' && f.text === 'only for team-a')).toBe(false);

    // Someone posts in the lobby while team-a is active: an unread badge with the count.
    for (const i of [1, 2, 3]) await hank.request({ type: 'send', room: 'lobby', id: `h${i}`, text: `lobby news ${i}` });
    await poll(async () => (await lobbyEntry.innerText()).replace(/lobby/g, ''), 10_000).toMatch(/\b3\b/);
    expect(await visibleBubble(page, 'lobby news').count()).toBe(0);

    // Back to the lobby: the news is there, the badge is gone, team-a's message is not.
    await lobbyEntry.click();
    await visibleBubble(page, 'lobby news 3').waitFor();
    await poll(() => visibleBubble(page, 'lobby news').count()).toBe(3);
    expect(await visibleBubble(page, 'only for team-a').count()).toBe(0);
    await poll(async () => (await lobbyEntry.innerText()).replace(/lobby/g, '')).not.toMatch(/\b3\b/);

    // `constructor` (an Object.prototype member) is an ordinary room: listed, joined,
    // its messages sent and received.
    await hank.request({ type: 'join', room: 'constructor' });
    await newRoom.fill('constructor');
    await newRoom.press('Enter');
    const constructorEntry = roomList.locator('button', { hasText: 'constructor' }).first();
    await constructorEntry.waitFor({ state: 'visible' });
    await waitOnline(page);
    await say(page, 'hello constructor');
    await poll(() => visibleBubble(page, 'hello constructor').getAttribute('data-status')).toBe('sent');
    await hank.request({ type: 'send', room: 'constructor', id: 'c1', text: 'hank in constructor' });
    await visibleBubble(page, 'hank in constructor').waitFor();
    const constructorRoom = await peek.request<JoinedFrame>({ type: 'join', room: 'constructor' });
    expect(constructorRoom.history.filter(isMessage).map((m) => m.text)).toEqual(['hello constructor', 'hank in constructor']);

    expect(gina.errors).toEqual([]);
  }, 30_000);

  // ---- 6 --------------------------------------------------------------------------------------

  it('phone viewport 375x667: no horizontal overflow, composer works, rooms behind a menu button', async () => {
    const s = await server();
    const ivan = await raw(s.wsUrl({ nick: 'ivan' }));
    await ivan.request({ type: 'join', room: 'lobby' });
    const jo = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true });
    const page = jo.page;
    const scrollWidth = () => page.evaluate(() => document.documentElement.scrollWidth);

    await page.getByTestId('nick-input').waitFor({ state: 'visible' });
    expect(await scrollWidth()).toBeLessThanOrEqual(PHONE.width);
    await enterChat(jo, 'jo');
    expect(await scrollWidth()).toBeLessThanOrEqual(PHONE.width);

    // Composer and send button are on screen and usable by touch.
    for (const id of ['composer', 'send']) {
      const box = await page.getByTestId(id).boundingBox();
      expect(box, id).not.toBeNull();
      expect(box!.x, id).toBeGreaterThanOrEqual(0);
      expect(box!.x + box!.width, id).toBeLessThanOrEqual(PHONE.width);
      expect(box!.y + box!.height, id).toBeLessThanOrEqual(PHONE.height);
    }
    await page.getByTestId('composer').tap();
    await page.getByTestId('composer').fill('hello from a phone');
    await page.getByTestId('send').tap();
    await poll(() => bubble(page, 'hello from a phone').getAttribute('data-status')).toBe('sent');
    await ivan.next((f) => f.type === 'message' && f.text === 'hello from a phone');
    await ivan.request({ type: 'send', room: 'lobby', id: 'i1', text: 'hi jo, ivan here' });
    await bubble(page, 'hi jo, ivan here').waitFor();

    // Long unbreakable text does not widen the page, and no bubble leaves the screen.
    const longWord = 'W'.repeat(200);
    const longUrl = `https://example.org/${'a'.repeat(300)}`;
    await say(page, longWord);
    await ivan.request({ type: 'send', room: 'lobby', id: 'i2', text: longUrl });
    await bubble(page, longWord).waitFor();
    await bubble(page, 'aaaaaaaaaa').waitFor();
    expect(await scrollWidth()).toBeLessThanOrEqual(PHONE.width);
    const rights = await page.getByTestId('message').evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().right)));
    for (const r of rights) expect(r).toBeLessThanOrEqual(PHONE.width);
    const mine = await edgeGaps(bubble(page, 'hello from a phone'));
    const theirs = await edgeGaps(bubble(page, 'hi jo, ivan here'));
    expect(mine.right).toBeLessThan(mine.left);
    expect(theirs.left).toBeLessThan(theirs.right);

    // The room list is reachable through a menu button.
    const menu = page.locator('button[aria-label*="rooms" i], button[aria-label*="menu" i]').filter({ visible: true }).first();
    await menu.waitFor({ state: 'visible' });
    await menu.tap();
    const roomList = page.getByTestId('room-list');
    await roomList.waitFor({ state: 'visible' });
    await roomList.locator('button', { hasText: 'lobby' }).first().waitFor({ state: 'visible' });
    const box = await roomList.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(PHONE.width);
    expect(await scrollWidth()).toBeLessThanOrEqual(PHONE.width);

    expect(jo.errors).toEqual([]);
  }, 30_000);

  // ---- 7 --------------------------------------------------------------------------------------

  it('saves the README screenshots (desktop 1280x800, phone 375x667)', async () => {
    const s = await server();
    const alice = await openPage(s.httpUrl + '/');
    await enterChat(alice, 'alice');
    const bob = await openPage(s.httpUrl + '/', { viewport: PHONE, isMobile: true, hasTouch: true });
    await enterChat(bob, 'bob');
    const carol = await raw(s.wsUrl({ nick: 'carol' }));
    await carol.request({ type: 'join', room: 'lobby' });

    const script: Array<[string, string]> = [
      ['alice', 'Hi both! The new chat server is up.'],
      ['carol', 'Nice. The protocol notes are at https://example.org/docs/protocol'],
      ['bob', '你好，世界'],
      ['alice', 'Messages survive a restart, and typing while offline just queues them.'],
      ['carol', 'Shift+Enter makes a new line,\nEnter sends.'],
      ['bob', 'Works on my phone too.'],
    ];
    for (const [who, text] of script) {
      if (who === 'carol') await carol.request({ type: 'send', room: 'lobby', id: `c-${text.length}`, text });
      else await say(who === 'alice' ? alice.page : bob.page, text);
      for (const p of [alice.page, bob.page]) await bubble(p, text.split('\n')[0]!).waitFor();
    }
    for (const p of [alice.page, bob.page]) {
      await poll(() => p.locator('[data-testid="message"][data-status="pending"]').count()).toBe(0);
      await poll(() => p.getByTestId('online-count').innerText()).toMatch(/\b3\b/);
    }
    const link = bubble(alice.page, 'protocol notes').locator('a');
    expect(await link.getAttribute('href')).toBe('https://example.org/docs/protocol');

    // carol is typing: shown in both screenshots.
    carol.send({ type: 'typing', room: 'lobby' });
    for (const p of [alice.page, bob.page]) await p.getByText(/is typing/).filter({ visible: true }).first().waitFor();
    // No hover, no focus ring, no half-finished fade-in in the pictures.
    for (const p of [alice.page, bob.page]) {
      await p.mouse.move(0, 0);
      await p.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    }

    mkdirSync(DOCS, { recursive: true });
    await alice.page.screenshot({ path: `${DOCS}screenshot-desktop.png`, animations: 'disabled' });
    await bob.page.screenshot({ path: `${DOCS}screenshot-phone.png`, animations: 'disabled' });
    expect(existsSync(`${DOCS}screenshot-desktop.png`)).toBe(true);
    expect(existsSync(`${DOCS}screenshot-phone.png`)).toBe(true);

    expect(alice.errors).toEqual([]);
    expect(bob.errors).toEqual([]);
  }, 40_000);
});
