// @vitest-environment happy-dom
// Message search in a DOM (issue 18): the panel (SearchPanel.vue) over the real SearchApi and
// SearchSession, whose fetch answers from a script; the header's launcher (SearchLauncher.vue),
// which fetches the panel's chunk on first use. Results grouped by room with author, time and the
// words found marked (English, Chinese, HTML kept as text); ↑/↓, Enter and clicks open the room at
// the message; Ctrl+K, `/` and Escape; the hint, no results and error states in both languages;
// "Load more"; axe on all of it. happy-dom lays nothing out, so axe's colour contrast is left to
// the Chromium audits of the whole page.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import axe from 'axe-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ChatHeader from '../src/components/ChatHeader.vue';
import SearchLauncher from '../src/components/SearchLauncher.vue';
import SearchPanel from '../src/components/SearchPanel.vue';
import { chat, client, ui } from '../src/chat.js';
import { setLocale } from '../src/i18n.js';
import { LOBBY, newRoom } from '../src/lib/chat-client.js';
import { SearchApi, type SearchFetch } from '../src/lib/search-api.js';
import { messageUi } from '../src/message-ui.js';

const ALICE = { id: 'u-alice', nick: 'alice' };
const BOB = { id: 'u-bob', nick: 'bob' };
const TS = Date.UTC(2026, 10, 20, 9, 30);

const row = (room: string, seq: number, text: string, from = ALICE) => ({
  room,
  message: { type: 'message', room, seq, id: `${room}-${seq}`, clientId: `c${seq}`, from, text, ts: TS + seq * 60_000 },
});

type Reply = { status: number; body?: unknown; headers?: Record<string, string> } | 'network' | 'hang';

/** A SearchApi whose fetch answers from `answer`, recording each query string; 'hang' answers only an abort. */
function scripted(answer: (query: URLSearchParams) => Reply) {
  const calls: URLSearchParams[] = [];
  const aborted: string[] = [];
  const fetchFn: SearchFetch = (url, init) => {
    const query = new URL(url).searchParams;
    calls.push(query);
    const reply = answer(query);
    if (reply === 'network') return Promise.reject(new TypeError('Failed to fetch'));
    if (reply === 'hang') {
      return new Promise((_resolve, reject) =>
        init.signal.addEventListener('abort', () => {
          aborted.push(query.get('q') ?? '');
          reject(new DOMException('aborted', 'AbortError'));
        }),
      );
    }
    const headers = new Map(Object.entries(reply.headers ?? {}));
    return Promise.resolve({ ok: reply.status < 300, status: reply.status, headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null }, json: async () => reply.body });
  };
  return { api: new SearchApi({ url: (path) => `http://chat.test/${path}`, fetch: fetchFn, guestToken: () => null }), calls, aborted };
}

const results = (rows: unknown[], next: string | null = null): Reply => ({ status: 200, body: { results: rows, next } });

const $ = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
const $$ = (testid: string) => [...document.querySelectorAll<HTMLElement>(`[data-testid="${testid}"]`)];
const input = () => $('search-input') as HTMLInputElement;

function mountPanel(api: SearchApi) {
  return mount(SearchPanel, { props: { api }, attachTo: document.body });
}

/** Types into the field and presses Enter (the search goes at once). */
async function search(text: string): Promise<void> {
  input().value = text;
  input().dispatchEvent(new Event('input'));
  key('Enter');
  await flushPromises();
}

function key(name: string, init: KeyboardEventInit = {}, target: EventTarget = input()): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true, ...init });
  target.dispatchEvent(event);
  return event;
}

/** The panel's chunk is fetched on first use: waits until the panel is there and has taken focus. */
async function panelOpened(): Promise<void> {
  await vi.waitFor(() => expect(document.activeElement).toBe(input()));
}

async function audit(): Promise<string[]> {
  const result = await axe.run(document.body, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

enableAutoUnmount(afterEach);
beforeEach(() => {
  setLocale('en');
  Object.assign(chat, { me: { id: 'u-me', nick: 'me', account: true }, account: true, status: 'online', activeRoom: LOBBY, rooms: new Map([[LOBBY, newRoom(LOBBY)]]), roomOrder: [LOBBY] });
  messageUi.jump = null;
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  document.body.innerHTML = '';
  ui.search = false;
});

describe('SearchPanel', () => {
  it('starts with focus in the field and a hint, and asks nothing until something is typed', async () => {
    const { api, calls } = scripted(() => results([]));
    mountPanel(api);
    expect(document.activeElement).toBe(input());
    expect($('search-hint')!.textContent).toContain('from:nick');
    expect(input().getAttribute('role')).toBe('combobox');
    expect(input().getAttribute('aria-expanded')).toBe('false');
    key('Enter');
    await flushPromises();
    expect(calls).toHaveLength(0);
    expect(await audit()).toEqual([]);
  });

  it('groups results by room in the order rooms first appear, with author, time and the words marked', async () => {
    const { api, calls } = scripted(() =>
      results([
        row('dev', 9, 'Deploy the Release today'),
        row(LOBBY, 5, '我们明天在北京开会', BOB),
        row('dev', 3, '<b>release</b> notes <img src=x onerror="window.__xss=1">', BOB),
        row('dm-u-alice-u-me', 2, 'release 北京'),
      ]),
    );
    mountPanel(api);
    await search('release 北京');
    expect(calls.map((q) => q.toString())).toEqual(['q=release+%E5%8C%97%E4%BA%AC&limit=20']);
    expect($$('search-room').map((el) => el.textContent)).toEqual(['#dev', `#${LOBBY}`, '#dm-u-alice-u-me']);
    const options = $$('search-result');
    expect(options.map((el) => `${el.dataset.room}:${el.dataset.seq}`)).toEqual(['dev:9', 'dev:3', `${LOBBY}:5`, 'dm-u-alice-u-me:2']);
    expect(options[0]!.querySelector('.search-author')!.textContent).toBe('alice');
    expect(options[0]!.querySelector('time')!.getAttribute('datetime')).toBe(new Date(TS + 9 * 60_000).toISOString());
    const marks = (el: HTMLElement) => [...el.querySelectorAll('mark')].map((m) => m.textContent);
    expect(marks(options[0]!)).toEqual(['Release']);
    expect(marks(options[2]!)).toEqual(['北京']);
    expect(options[2]!.querySelector('.search-text')!.textContent).toBe('我们明天在北京开会');
    // Message text is text: the tags are shown, not made.
    expect(options[1]!.querySelector('b, img')).toBeNull();
    expect(options[1]!.querySelector('.search-text')!.textContent).toBe('<b>release</b> notes <img src=x onerror="window.__xss=1">');
    expect(marks(options[1]!)).toEqual(['release']);
    expect($('search-status')!.textContent!.trim()).toBe('4 messages found');
    expect(input().getAttribute('aria-expanded')).toBe('true');
    expect(await audit()).toEqual([]);
  });

  it('never shows a deleted message, whatever the server sends', async () => {
    const deleted = row('dev', 4, '');
    Object.assign(deleted.message, { deleted: true });
    const { api } = scripted(() => results([row('dev', 5, 'kept'), deleted]));
    mountPanel(api);
    await search('kept');
    expect($$('search-result').map((el) => el.dataset.seq)).toEqual(['5']);
  });

  it('moves through results with ↑/↓ (the active one announced), and Enter opens the room at that message', async () => {
    const open = vi.spyOn(client, 'openRoom').mockImplementation(() => {});
    const { api } = scripted(() => results([row('dev', 9, 'one'), row(LOBBY, 5, 'two'), row('dev', 3, 'three')]));
    const wrapper = mountPanel(api);
    await search('t');
    expect(input().hasAttribute('aria-activedescendant')).toBe(false);
    const selected = () => $$('search-result').filter((el) => el.getAttribute('aria-selected') === 'true').map((el) => el.dataset.seq);
    key('ArrowDown');
    await flushPromises();
    expect(input().getAttribute('aria-activedescendant')).toBe($$('search-result')[0]!.id);
    expect(selected()).toEqual(['9']);
    for (const name of ['ArrowDown', 'ArrowDown', 'ArrowDown']) key(name);
    await flushPromises();
    expect(selected()).toEqual(['5']); // the list's order: dev 9, dev 3, lobby 5; no wrapping
    key('ArrowUp');
    await flushPromises();
    expect(selected()).toEqual(['3']);
    expect(await audit()).toEqual([]);
    const enter = key('Enter');
    expect(enter.defaultPrevented).toBe(true);
    expect(open).toHaveBeenCalledWith('dev');
    expect(messageUi.jump).toEqual({ room: 'dev', seq: 3 });
    expect(wrapper.emitted('close')).toHaveLength(1);
  });

  it('a click opens the result; in the room being read no room is opened, the list just jumps', async () => {
    const open = vi.spyOn(client, 'openRoom').mockImplementation(() => {});
    const { api } = scripted(() => results([row(LOBBY, 42, 'here')]));
    const wrapper = mountPanel(api);
    await search('here');
    $$('search-result')[0]!.click();
    expect(open).not.toHaveBeenCalled();
    expect(messageUi.jump).toEqual({ room: LOBBY, seq: 42 });
    expect(wrapper.emitted('close')).toHaveLength(1);
  });

  it('searches once typing pauses, and aborts a search still in flight when another goes', async () => {
    vi.useFakeTimers();
    const { api, calls, aborted } = scripted((q) => (q.get('q') === 'slow' ? 'hang' : results([row('dev', 1, q.get('q')!)])));
    mountPanel(api);
    for (const typed of ['d', 'de', 'dev']) {
      input().value = typed;
      input().dispatchEvent(new Event('input'));
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(calls).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(calls.map((q) => q.get('q'))).toEqual(['dev']);
    input().value = 'slow';
    input().dispatchEvent(new Event('input'));
    await vi.advanceTimersByTimeAsync(300);
    expect($('search-status')!.textContent!.trim()).toBe('Searching…');
    input().value = 'fast';
    input().dispatchEvent(new Event('input'));
    key('Enter'); // at once, without waiting for the pause
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map((q) => q.get('q'))).toEqual(['dev', 'slow', 'fast']);
    expect(aborted).toEqual(['slow']);
    expect($$('search-result').map((el) => el.textContent)).toEqual([expect.stringContaining('fast')]);
  });

  it('says when nothing matches, in English and Chinese', async () => {
    const { api } = scripted(() => results([]));
    mountPanel(api);
    await search('zzz');
    expect($('search-empty')!.textContent).toBe('No messages match “zzz”.');
    expect($('search-results')).toBeNull();
    expect(await audit()).toEqual([]);
    setLocale('zh-CN');
    await flushPromises();
    expect($('search-empty')!.textContent).toBe('没有消息匹配“zzz”。');
  });

  it('says a network failure and a rate limit, in English and Chinese, and Retry searches again', async () => {
    let reply: Reply = 'network';
    const { api, calls } = scripted(() => reply);
    mountPanel(api);
    await search('x');
    expect($('search-error')!.textContent).toContain('Search failed: the server cannot be reached.');
    expect($('search-error')!.getAttribute('role')).toBe('alert');
    expect(await audit()).toEqual([]);
    reply = { status: 429, body: { error: 'rate_limited' }, headers: { 'retry-after': '2' } };
    await search('xy');
    expect($('search-error')!.textContent).toContain('Too many searches, wait a moment');
    setLocale('zh-CN');
    await flushPromises();
    expect($('search-error')!.textContent).toContain('搜索太频繁，请稍等片刻');
    expect(await audit()).toEqual([]);
    reply = results([row('dev', 1, 'xy')]);
    $('search-error')!.querySelector('button')!.click();
    await flushPromises();
    expect(calls.at(-1)!.get('q')).toBe('xy');
    expect($('search-error')).toBeNull();
    expect($$('search-result')).toHaveLength(1);
  });

  it('after "too many searches" searches again by itself once the server says it may', async () => {
    vi.useFakeTimers();
    let reply: Reply = { status: 429, body: { error: 'rate_limited' }, headers: { 'retry-after': '1' } };
    const { api, calls } = scripted(() => reply);
    mountPanel(api);
    input().value = 'deploy';
    input().dispatchEvent(new Event('input'));
    key('Enter');
    await vi.advanceTimersByTimeAsync(0);
    expect($('search-error')!.textContent).toContain('Too many searches, wait a moment');
    reply = results([row('dev', 1, 'deploy done')]);
    await vi.advanceTimersByTimeAsync(999);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls.map((q) => q.get('q'))).toEqual(['deploy', 'deploy']);
    expect($('search-error')).toBeNull();
    expect($$('search-result')).toHaveLength(1);
  });

  it('loads the next page with the cursor, under the rooms already shown', async () => {
    const { api, calls } = scripted((q) => (q.get('cursor') === 'P2' ? results([row(LOBBY, 2, 'b'), row('dev', 1, 'c')]) : results([row('dev', 5, 'a')], 'P2')));
    mountPanel(api);
    await search('abc');
    expect($('search-status')!.textContent!.trim()).toBe('More than 1 messages found');
    $('search-more')!.click();
    await flushPromises();
    expect(calls.map((q) => q.get('cursor'))).toEqual([null, 'P2']);
    expect($$('search-room').map((el) => el.dataset.room)).toEqual(['dev', LOBBY]);
    expect($$('search-result').map((el) => el.dataset.seq)).toEqual(['5', '1', '2']);
    expect($('search-more')).toBeNull();
  });

  it('↓ past the last result loads the next page and moves on to it', async () => {
    const { api } = scripted((q) => (q.get('cursor') ? results([row('dev', 1, 'older')]) : results([row('dev', 2, 'newer')], 'P2')));
    mountPanel(api);
    await search('e');
    key('ArrowDown');
    key('ArrowDown');
    await flushPromises();
    expect(input().getAttribute('aria-activedescendant')).toBe($$('search-result')[1]!.id);
  });

  it('Escape closes and gives focus back to where it was', async () => {
    const before = document.createElement('button');
    document.body.append(before);
    before.focus();
    const { api } = scripted(() => results([row('dev', 1, 'x')]));
    const wrapper = mountPanel(api);
    expect(document.activeElement).toBe(input());
    await search('x');
    key('Escape');
    expect(wrapper.emitted('close')).toHaveLength(1);
    expect(document.activeElement).toBe(before);
  });
});

describe('SearchLauncher', () => {
  it('Ctrl+K or Cmd+K anywhere, even in a text field, opens the panel with focus in its field', async () => {
    const composer = document.createElement('textarea');
    composer.setAttribute('aria-label', 'Message');
    document.body.append(composer);
    const wrapper = mount(SearchLauncher, { attachTo: document.body });
    expect($('search-panel')).toBeNull();
    composer.focus();
    expect(key('k', { ctrlKey: true }, composer).defaultPrevented).toBe(true);
    await panelOpened();
    expect($('search-panel')).not.toBeNull();
    expect(document.activeElement).toBe(input());
    expect($('search-open')!.getAttribute('aria-expanded')).toBe('true');
    expect(await audit()).toEqual([]);
    key('Escape');
    await flushPromises();
    expect($('search-panel')).toBeNull();
    expect(document.activeElement).toBe(composer);
    key('K', { metaKey: true }, document.body);
    await panelOpened();
    expect($('search-panel')).not.toBeNull();
    expect(wrapper.find('[data-testid="search-open"]').exists()).toBe(true);
  });

  it('`/` opens it when the reader is not typing, and is typed as usual in a text field', async () => {
    const composer = document.createElement('textarea');
    composer.setAttribute('aria-label', 'Message');
    document.body.append(composer);
    mount(SearchLauncher, { attachTo: document.body });
    composer.focus();
    expect(key('/', {}, composer).defaultPrevented).toBe(false);
    await vi.dynamicImportSettled();
    await flushPromises();
    expect($('search-panel')).toBeNull();
    composer.blur();
    expect(key('/', {}, document.body).defaultPrevented).toBe(true);
    await panelOpened();
    expect(document.activeElement).toBe(input());
    // Escape with nothing focused before: focus goes to the search button.
    key('Escape');
    await flushPromises();
    expect(document.activeElement).toBe($('search-open'));
  });

  it('the button opens the panel, and a click outside closes it', async () => {
    mount(SearchLauncher, { attachTo: document.body });
    $('search-open')!.click();
    await panelOpened();
    expect($('search-panel')).not.toBeNull();
    document.body.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    await flushPromises();
    expect($('search-panel')).toBeNull();
  });

  it('is in the header only when the server says it has search', async () => {
    const header = mount(ChatHeader, { props: { roomsOpen: false, membersOpen: false }, attachTo: document.body });
    expect(header.find('[data-testid="search-open"]').exists()).toBe(false);
    ui.search = true;
    await flushPromises();
    expect(header.get('[data-testid="search-open"]').text()).toBe('Search messages');
    setLocale('zh-CN');
    await flushPromises();
    expect(header.get('[data-testid="search-open"]').text()).toBe('搜索消息');
    expect(await audit()).toEqual([]);
  });
});
