// @vitest-environment happy-dom
// Components in a DOM: the composer's keys, safe rendering of user text (Markdown too), the bounded
// message list.
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { describe, expect, it } from 'vitest';
import MessageComposer from '../src/components/MessageComposer.vue';
import MessageItem from '../src/components/MessageItem.vue';
import MessageList from '../src/components/MessageList.vue';
import MessageText from '../src/components/MessageText.vue';
import { setLocale } from '../src/i18n.js';
import { newRoom, type DisplayMessage } from '../src/lib/chat-client.js';

const message = (seq: number, text: string, fromId = 'u1'): DisplayMessage => ({
  key: `${fromId}:${seq}`,
  seq,
  clientId: String(seq),
  from: { id: fromId, nick: `nick-${fromId}` },
  text,
  ts: Date.UTC(2026, 10, 26, 9, 0, seq),
  status: 'sent',
});

describe('MessageComposer', () => {
  it('sends on Enter, not on Shift+Enter or while an IME composes, and keeps Send inactive while empty', async () => {
    const wrapper = mount(MessageComposer, { props: { room: newRoom('lobby') } });
    const textarea = wrapper.get('[data-testid="composer"]');
    const send = wrapper.get('[data-testid="send"]');
    expect(send.attributes('disabled')).toBeDefined();
    expect(send.classes()).not.toContain('active');

    await textarea.setValue('   ');
    expect(send.attributes('disabled')).toBeDefined();

    await textarea.setValue('line one');
    expect(send.attributes('disabled')).toBeUndefined();
    expect(send.classes()).toContain('active');
    await textarea.trigger('keydown', { key: 'Enter', shiftKey: true });
    expect(wrapper.emitted('send')).toBeUndefined();
    await textarea.trigger('keydown', { key: 'Enter', isComposing: true });
    expect(wrapper.emitted('send')).toBeUndefined();

    await textarea.trigger('keydown', { key: 'Enter' });
    expect(wrapper.emitted('send')).toEqual([['line one', []]]);
    expect((textarea.element as HTMLTextAreaElement).value).toBe('');

    await textarea.setValue('by button');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('send')?.[1]).toEqual(['by button', []]);
  });
});

describe('MessageItem', () => {
  it('renders user text as text, never as HTML, and links only http(s)', () => {
    const text = '<img src=x onerror="window.__xss=1"> see https://example.org/a?b=1. not javascript:alert(1)';
    const wrapper = mount(MessageItem, { props: { message: message(1, text), mine: false, grouped: false } });
    const bubble = wrapper.get('[data-testid="message"]');
    expect(bubble.find('img').exists()).toBe(false);
    expect(bubble.text()).toContain('<img src=x onerror="window.__xss=1">');
    const links = bubble.findAll('a');
    expect(links).toHaveLength(1);
    expect(links[0]!.attributes('href')).toBe('https://example.org/a?b=1');
    expect(links[0]!.attributes('rel')).toBe('noopener noreferrer');
    expect(links[0]!.attributes('target')).toBe('_blank');
  });

  it('marks own messages, shows pending and failed states, and offers retry', async () => {
    const pending = { ...message(1, 'hi'), seq: null, status: 'pending' as const };
    const mine = mount(MessageItem, { props: { message: pending, mine: true, grouped: false } });
    expect(mine.get('.chat-msg').classes()).toContain('mine');
    expect(mine.get('[data-testid="message"]').attributes('data-status')).toBe('pending');
    const failed = mount(MessageItem, { props: { message: { ...pending, status: 'failed', error: 'invalid_text' }, mine: true, grouped: false } });
    const retry = failed.findAll('button').find((b) => b.text() === 'Retry');
    expect(retry).toBeDefined();
    await retry!.trigger('click');
    expect(failed.emitted('retry')).toHaveLength(1);
  });
});

/** What formatted text may create (MessageText.vue), and the attributes it may set. */
const ALLOWED_TAGS = new Set(['DIV', 'P', 'BR', 'STRONG', 'EM', 'S', 'CODE', 'PRE', 'BLOCKQUOTE', 'UL', 'OL', 'LI', 'A', 'SPAN']);
const ALLOWED_ATTRIBUTES = new Set(['dir', 'class', 'href', 'target', 'rel', 'start', 'tabindex']);

/** Fails unless the element holds only allowed tags and attributes, and http(s) hrefs. */
function expectSafe(root: Element, text: string): void {
  for (const el of [root, ...Array.from(root.querySelectorAll('*'))]) {
    expect(ALLOWED_TAGS.has(el.tagName), `${el.tagName} in ${text}`).toBe(true);
    for (const attr of Array.from(el.attributes)) {
      expect(attr.name.toLowerCase().startsWith('on'), `${attr.name} in ${text}`).toBe(false);
      expect(ALLOWED_ATTRIBUTES.has(attr.name), `${attr.name} in ${text}`).toBe(true);
    }
    if (el.tagName === 'A') {
      expect(new URL(el.getAttribute('href') ?? '').protocol, `${el.getAttribute('href')} in ${text}`).toMatch(/^https?:$/);
      expect(el.getAttribute('rel')).toBe('noopener noreferrer');
    }
  }
}

describe('MessageText', () => {
  it('renders Markdown as formatting tags, and never HTML, images or non-http(s) links', () => {
    const payloads = [
      '[x](javascript:alert(1))',
      '[x](JAVASCRIPT:alert(1))',
      '[x](jav&#x61;script:alert(1))',
      '[x](javascript&colon;alert(1))',
      '[x](data:text/html,<script>alert(1)</script>)',
      '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '![img](https://evil.example/x.png)',
      '![x](javascript:alert(1))',
      '![x](data:image/svg+xml,<svg onload=alert(1)>)',
      '<https://ok.example>',
      '<javascript:alert(1)>',
      '<img src=x onerror=alert(1)>',
      '<script>alert(1)</script>',
      '<div>\n<img src=x onerror=alert(1)>\n</div>',
      '<iframe src="javascript:alert(1)"></iframe>',
      '<a href="javascript:alert(1)">x</a>',
      '&lt;script&gt;alert(1)&lt;/script&gt;',
      '&#60;img src=x onerror=alert(1)&#62;',
      '[<img src=x onerror=alert(1)> **bold**](https://ok.example/)',
      '[x](https://ok.example/" onmouseover="alert(1))',
      '[x](https://ok.example/ "title\" onclick=\"alert(1)")',
      '`<img src=x onerror=alert(1)>`',
      '```html\n<script>alert(1)</script>\n```',
      '> <svg onload=alert(1)>\n- <b onclick=alert(1)>x</b>',
    ];
    for (const text of payloads) {
      const wrapper = mount(MessageText, { props: { text } });
      expectSafe(wrapper.element, text);
      expect(wrapper.find('img, script, iframe, svg, style').exists(), text).toBe(false);
    }
    // What an attempt shows is its text.
    const image = mount(MessageText, { props: { text: '<img src=x onerror=alert(1)>' } });
    expect(image.text()).toBe('<img src=x onerror=alert(1)>');
    const entity = mount(MessageText, { props: { text: '&lt;script&gt;' } });
    expect(entity.text()).toBe('&lt;script&gt;');
    const js = mount(MessageText, { props: { text: '[x](javascript:alert(1))' } });
    expect(js.find('a').exists()).toBe(false);
    expect(js.text()).toBe('[x](javascript:alert(1))');
    const autolink = mount(MessageText, { props: { text: '<https://ok.example>' } });
    expect(autolink.get('a').attributes()).toEqual({ href: 'https://ok.example/', target: '_blank', rel: 'noopener noreferrer' });
  });

  it('formats bold, italic, strike, code, blocks, quotes, lists and links; its direction follows its text', () => {
    const text = '**bold** _it_ ~~old~~ `code` [docs](https://example.org/docs)\n\n```\nblock\n```\n\n> quote\n\n- one\n- two\n\n1. first';
    const wrapper = mount(MessageText, { props: { text } });
    expectSafe(wrapper.element, text);
    expect(wrapper.attributes('dir')).toBe('auto');
    for (const selector of ['p strong', 'p em', 'p s', 'p code', 'pre code', 'blockquote p', 'ul li', 'ol li']) {
      expect(wrapper.find(selector).exists(), selector).toBe(true);
    }
    expect(wrapper.get('a').attributes('href')).toBe('https://example.org/docs');
    expect(wrapper.get('a').attributes('target')).toBe('_blank');
  });

  it("marks mentions, and the reader's own with a highlight and a hint for screen readers", () => {
    const wrapper = mount(MessageText, { props: { text: 'hi @Alice and @bob, not `@alice`', me: ['alice'] } });
    const mentions = wrapper.findAll('.mention');
    expect(mentions.map((m) => m.classes().includes('mention-me'))).toEqual([true, false]);
    expect(mentions[0]!.text()).toBe('@Alice (mentions you)');
    expect(mentions[0]!.get('.visually-hidden').text()).toBe('(mentions you)');
    expect(mentions[1]!.text()).toBe('@bob');
    expect(wrapper.get('code').text()).toBe('@alice');
    // Nobody signed in: mentions, none of them the reader's.
    const anonymous = mount(MessageText, { props: { text: '@alice' } });
    expect(anonymous.find('.mention').exists()).toBe(true);
    expect(anonymous.find('.mention-me').exists()).toBe(false);
  });
});

describe('guest tag', () => {
  const from = (account: boolean) => ({ id: account ? 'u-alice' : 'g-alice', nick: 'alice', ...(account ? { account: true } : {}) });
  const of = (account: boolean, mine = false, grouped = false) =>
    mount(MessageItem, { props: { message: { ...message(1, 'hi'), from: from(account) }, mine, grouped } });

  it("marks a guest's nick in messages with a visible, translated tag; an account's is not marked", async () => {
    setLocale('en');
    const guest = of(false);
    expect(guest.get('.sender').text()).toBe('alice guest');
    expect(guest.get('.sender .guest-tag').text()).toBe('guest');
    // Screen readers hear it too, with the text.
    expect(guest.get('[data-testid="message"]').text()).toContain('alice (guest): hi');
    const account = of(true);
    expect(account.get('.sender').text()).toBe('alice');
    expect(account.find('.guest-tag').exists()).toBe(false);
    expect(account.get('[data-testid="message"]').text()).toContain('alice: hi');
    setLocale('zh-CN');
    await nextTick();
    expect(of(false).get('.sender .guest-tag').text()).toBe('访客');
    setLocale('en');
  });
});

describe('MessageList', () => {
  it('keeps the DOM bounded with thousands of messages, showing the newest', async () => {
    const room = newRoom('big');
    room.joined = true;
    room.messages = Array.from({ length: 3000 }, (_, i) => message(i + 1, `message ${i + 1}`, i % 3 === 0 ? 'u1' : 'u2'));
    const wrapper = mount(MessageList, { props: { room } });
    await nextTick();
    const rendered = wrapper.findAll('[data-testid="message"]');
    expect(rendered.length).toBeGreaterThan(0);
    expect(rendered.length).toBeLessThanOrEqual(150);
    expect(rendered.at(-1)!.text()).toContain('message 3000');
  });

  it('groups consecutive messages of one sender (one avatar) and starts with a day separator', async () => {
    const room = newRoom('small');
    room.joined = true;
    room.messages = [message(1, 'a', 'u1'), message(2, 'b', 'u1'), message(3, 'c', 'u2')];
    const wrapper = mount(MessageList, { props: { room } });
    await nextTick();
    const items = wrapper.findAll('.chat-item');
    expect(items.map((i) => i.classes().includes('grouped'))).toEqual([false, true, false]);
    expect(wrapper.findAll('.day')).toHaveLength(1);
    expect(wrapper.find('.list-edge').text()).toContain('beginning');
  });
});
