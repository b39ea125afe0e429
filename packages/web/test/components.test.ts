// @vitest-environment happy-dom
// Components in a DOM: the composer's keys, safe rendering of user text, the bounded message list.
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { describe, expect, it } from 'vitest';
import MessageComposer from '../src/components/MessageComposer.vue';
import MessageItem from '../src/components/MessageItem.vue';
import MessageList from '../src/components/MessageList.vue';
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
    expect(wrapper.emitted('send')).toEqual([['line one']]);
    expect((textarea.element as HTMLTextAreaElement).value).toBe('');

    await textarea.setValue('by button');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('send')?.[1]).toEqual(['by button']);
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
