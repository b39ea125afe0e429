// @vitest-environment happy-dom
// Version 1.1 (issue 16) in a DOM: a message's action bar (hover, focus, long press), its
// reactions, the edited and deleted markers, the editor's keys and the reply quote; permalinks and
// the emoji list's search (lib/urls.ts, lib/emoji-data.ts).
import { mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import MessageEditor from '../src/components/MessageEditor.vue';
import MessageItem from '../src/components/MessageItem.vue';
import ReplyQuote from '../src/components/ReplyQuote.vue';
import { chat, client } from '../src/chat.js';
import { newRoom, type DisplayMessage, type RoomState } from '../src/lib/chat-client.js';
import { searchEmoji, toEntries } from '../src/lib/emoji-data.js';
import { parsePermalink, permalink } from '../src/lib/urls.js';
import { messageUi } from '../src/message-ui.js';
import data from 'emojibase-data/en/compact.json';

const ME = { id: 'u-me', nick: 'me', account: true as const };
const BOB = { id: 'u-bob', nick: 'bob', account: true as const };

const message = (seq: number, text: string, from = BOB, extra: Partial<DisplayMessage> = {}): DisplayMessage => ({
  key: `${from.id}:${seq}`,
  seq,
  clientId: String(seq),
  from,
  text,
  ts: Date.UTC(2026, 10, 26, 9, 0, seq),
  status: 'sent',
  ...extra,
});

function roomWith(role: RoomState['role'] = null): RoomState {
  const room = newRoom('team');
  room.role = role;
  room.members = [ME, BOB];
  return room;
}

const mountItem = (m: DisplayMessage, room = roomWith(), mine = m.from.id === ME.id) =>
  mount(MessageItem, { props: { message: m, mine, grouped: false, room }, attachTo: document.body });
const labels = (w: ReturnType<typeof mountItem>) => w.findAll('[data-testid="message-actions"] button').map((b) => b.attributes('aria-label'));

chat.me = ME;
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  document.body.innerHTML = '';
  messageUi.editing = null;
  messageUi.replying = null;
});

describe('the action bar', () => {
  it('shows on hover and on focus within, with named buttons: edit only for mine, delete for mine or a moderator', async () => {
    const others = mountItem(message(1, 'from bob'));
    expect(others.find('[data-testid="message-actions"]').exists()).toBe(false);
    await others.get('li').trigger('mouseenter');
    expect(labels(others)).toEqual(['Add reaction', 'Reply', 'Copy link']);
    await others.get('li').trigger('mouseleave');
    expect(others.find('[data-testid="message-actions"]').exists()).toBe(false);
    (others.get('li').element as HTMLElement).focus();
    await nextTick();
    expect(others.get('[data-testid="message-actions"]').attributes('role')).toBe('toolbar');

    const mine = mountItem(message(2, 'from me', ME));
    await mine.get('li').trigger('mouseenter');
    expect(labels(mine)).toEqual(['Add reaction', 'Reply', 'Edit message', 'Delete message', 'Copy link']);

    const moderated = mountItem(message(3, 'from bob'), roomWith('moderator'));
    await moderated.get('li').trigger('mouseenter');
    expect(labels(moderated)).toEqual(['Add reaction', 'Reply', 'Delete message', 'Copy link']);
  });

  it('opens after a 500 ms touch, not after a shorter one', async () => {
    vi.useFakeTimers();
    const w = mountItem(message(1, 'press me'));
    await w.get('li').trigger('touchstart');
    vi.advanceTimersByTime(300);
    await w.get('li').trigger('touchend');
    vi.advanceTimersByTime(500);
    await nextTick();
    expect(w.find('[data-testid="message-actions"]').exists()).toBe(false);
    await w.get('li').trigger('touchstart');
    vi.advanceTimersByTime(500);
    await nextTick();
    expect(w.find('[data-testid="message-actions"]').exists()).toBe(true);
  });

  it('reacts from the quick row, toggling mine off when it is there', async () => {
    const react = vi.spyOn(client, 'react').mockReturnValue(true);
    const w = mountItem(message(1, 'react to me', BOB, { reactions: [{ emoji: '❤️', count: 1, users: [ME.id] }] }));
    await w.get('li').trigger('mouseenter');
    await w.get('[data-testid="action-react"]').trigger('click');
    const quick = w.findAll('[data-testid="quick-emoji"]');
    expect(quick.map((b) => b.text())).toEqual(['👍', '❤️', '😂', '🎉', '😮', '🙏']);
    await quick[0]!.trigger('click');
    expect(react).toHaveBeenLastCalledWith('team', 1, '👍', true);
    await w.get('[data-testid="action-react"]').trigger('click');
    await w.findAll('[data-testid="quick-emoji"]')[1]!.trigger('click');
    expect(react).toHaveBeenLastCalledWith('team', 1, '❤️', false);
  });

  it('is not offered on a deleted or unsent message', async () => {
    const deleted = mountItem(message(1, '', BOB, { deleted: true }));
    await deleted.get('li').trigger('mouseenter');
    expect(deleted.find('[data-testid="message-actions"]').exists()).toBe(false);
    const pending = mountItem({ ...message(2, 'on its way', ME), seq: null, status: 'pending' });
    await pending.get('li').trigger('mouseenter');
    expect(pending.find('[data-testid="message-actions"]').exists()).toBe(false);
  });
});

describe('how a message shows its state', () => {
  it('a deleted message is a short "message deleted" line, without its text or reactions', () => {
    const w = mountItem(message(1, '', BOB, { deleted: true }));
    expect(w.find('[data-testid="message"]').exists()).toBe(false);
    expect(w.get('[data-testid="message-deleted"]').text()).toBe('message deleted');
  });

  it('"(edited)" beside the time, with the edit time in its tooltip and for screen readers', () => {
    const at = Date.UTC(2026, 10, 26, 10, 30);
    const w = mountItem(message(1, 'fixed', BOB, { edited: at }));
    const edited = w.get('[data-testid="edited"]');
    expect(edited.text()).toContain('(edited)');
    expect(edited.attributes('title')).toMatch(/^Edited /);
    expect(edited.get('.visually-hidden').text()).toBe(edited.attributes('title'));
  });

  it('reaction chips: count, mine pressed, who reacted by nick with the rest counted; a click toggles mine', async () => {
    const react = vi.spyOn(client, 'react').mockReturnValue(true);
    const w = mountItem(message(1, 'popular', BOB, { reactions: [{ emoji: '👍', count: 5, users: [ME.id, BOB.id, 'u-unknown'] }, { emoji: '🎉', count: 1, users: [BOB.id] }] }));
    const chips = w.findAll('[data-testid="reaction"]');
    expect(chips.map((c) => c.text().replace(/\s+/g, ' '))).toEqual(['👍 5', '🎉 1']);
    expect(chips[0]!.attributes('aria-pressed')).toBe('true');
    expect(chips[1]!.attributes('aria-pressed')).toBe('false');
    expect(chips[0]!.attributes('title')).toBe('you, bob and 3 others reacted with 👍');
    expect(chips[1]!.attributes('title')).toBe('bob reacted with 🎉');
    await chips[0]!.trigger('click');
    expect(react).toHaveBeenLastCalledWith('team', 1, '👍', false);
    await chips[1]!.trigger('click');
    expect(react).toHaveBeenLastCalledWith('team', 1, '🎉', true);
  });

  it('a reply shows the quoted sender and first line above its text, as a button to the original', async () => {
    const w = mountItem(message(5, 'yes', BOB, { replyTo: { seq: 2, from: ME, text: 'first line\nsecond line' } }));
    const quote = w.get('[data-testid="reply-quote"]');
    expect(quote.text()).toContain('me');
    expect(quote.text()).toContain('first line');
    expect(quote.text()).not.toContain('second line');
    await quote.trigger('click');
    expect(messageUi.jump).toEqual({ room: 'team', seq: 2 });
    messageUi.jump = null;
    const gone = mount(ReplyQuote, { props: { reply: { seq: 2, from: ME, text: '' } } });
    expect(gone.text()).toContain('message deleted');
  });
});

describe('editing in place', () => {
  it('Enter saves, Shift+Enter does not, Escape cancels', async () => {
    const w = mount(MessageEditor, { props: { text: 'old' }, attachTo: document.body });
    const field = w.get('textarea');
    expect((field.element as HTMLTextAreaElement).value).toBe('old');
    await field.setValue('new');
    await field.trigger('keydown', { key: 'Enter', shiftKey: true });
    expect(w.emitted('save')).toBeUndefined();
    await field.trigger('keydown', { key: 'Enter' });
    expect(w.emitted('save')).toEqual([['new']]);
    await field.trigger('keydown', { key: 'Escape' });
    expect(w.emitted('cancel')).toHaveLength(1);
  });

  it('the bubble becomes the editor for the message being edited, and Save edits it', async () => {
    const edit = vi.spyOn(client, 'edit').mockReturnValue(true);
    const w = mountItem(message(4, 'typo', ME));
    messageUi.editing = { room: 'team', seq: 4 };
    await nextTick();
    expect(w.find('[data-testid="message"]').exists()).toBe(false);
    await w.get('[data-testid="edit-input"]').setValue('fixed');
    await w.get('form').trigger('submit');
    expect(edit).toHaveBeenCalledWith('team', 4, 'fixed');
    expect(messageUi.editing).toBeNull();
  });
});

describe('permalinks', () => {
  it('are the page URL with a fragment, under any prefix, and read back', () => {
    expect(permalink('http://host/wsline/?x=1#old', 'team', 42)).toBe('http://host/wsline/?x=1#room=team&seq=42');
    expect(parsePermalink('#room=team&seq=42')).toEqual({ room: 'team', seq: 42 });
    expect(parsePermalink('#room=Team&seq=42')).toBeNull();
    expect(parsePermalink('#room=team&seq=0')).toBeNull();
    expect(parsePermalink('#room=team&seq=1.5')).toBeNull();
    expect(parsePermalink('')).toBeNull();
  });
});

describe('the emoji list', () => {
  it('leaves out skin-tone components, keeps the usual order, and finds by name or keyword', () => {
    const all = toEntries(data);
    expect(all.length).toBeGreaterThan(1500);
    expect(data.some((e) => e.label === 'light skin tone')).toBe(true);
    expect(all.some((e) => e.label === 'light skin tone')).toBe(false);
    expect(all[0]!.label).toBe('grinning face');
    expect(searchEmoji(all, 'party popper').map((e) => e.label)).toEqual(['party popper']);
    expect(searchEmoji(all, 'thumbs').map((e) => e.label)).toContain('thumbs up');
    expect(searchEmoji(all, '').length).toBe(all.length);
  });
});
