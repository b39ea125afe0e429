// @vitest-environment happy-dom
// Mentions and read state in the components: the composer's `@` list (keys, click, ARIA), the
// sidebar's badges and their words in both languages, and the "unread" line of the message list.
import { mount } from '@vue/test-utils';
import { nextTick, reactive } from 'vue';
import { afterEach, describe, expect, it } from 'vitest';
import type { User } from '@chat/protocol';
import MessageComposer from '../src/components/MessageComposer.vue';
import MessageList from '../src/components/MessageList.vue';
import RoomSidebar from '../src/components/RoomSidebar.vue';
import { chat } from '../src/chat.js';
import { roomCountsText, setLocale } from '../src/i18n.js';
import { LOBBY, newRoom, type DisplayMessage, type RoomState } from '../src/lib/chat-client.js';

const ALICE: User = { id: 'u-alice', nick: 'alice', account: true };
const ALBERT: User = { id: 'u-albert', nick: 'albert' };
const BOB: User = { id: 'u-bob', nick: 'bob', account: true };

const message = (seq: number, from: User): DisplayMessage => ({
  key: `${from.id}:${seq}`,
  seq,
  clientId: String(seq),
  from,
  text: `message ${seq}`,
  ts: Date.UTC(2026, 10, 26, 9, 0, seq),
  status: 'sent',
});

afterEach(() => {
  setLocale('en');
  chat.me = null;
});

describe('the @ list in the composer', () => {
  async function composer() {
    chat.me = BOB;
    const room = reactive({ ...newRoom('design'), members: [BOB, ALICE, ALBERT] }) as RoomState;
    const wrapper = mount(MessageComposer, { props: { room }, attachTo: document.body });
    await nextTick(); // the list gets the field once it is rendered
    const field = wrapper.get('[data-testid="composer"]');
    const el = field.element as HTMLTextAreaElement;
    const type = async (text: string) => {
      el.value = text;
      el.setSelectionRange(text.length, text.length);
      await field.trigger('input');
    };
    return { wrapper, field, el, type, options: () => wrapper.findAll('[data-testid="mention-option"]').map((o) => o.text()) };
  }

  it('opens on @ and a letter with the members so named (not me), moves with the arrows, picks with Enter without sending', async () => {
    const c = await composer();
    await c.type('hi @');
    expect(c.options()).toEqual([]);
    expect(c.field.attributes('aria-expanded')).toBe('false');
    await c.type('hi @A');
    expect(c.options()).toEqual(['ALalbertguest', 'ALalice']);
    expect(c.field.attributes()).toMatchObject({ role: 'combobox', 'aria-expanded': 'true', 'aria-controls': 'mention-suggest', 'aria-activedescendant': 'mention-option-0' });
    expect(c.wrapper.get('#mention-option-0').attributes('aria-selected')).toBe('true');
    await c.field.trigger('keydown', { key: 'ArrowDown' });
    expect(c.field.attributes('aria-activedescendant')).toBe('mention-option-1');
    await c.field.trigger('keydown', { key: 'Enter' });
    expect(c.el.value).toBe('hi @alice ');
    expect(c.wrapper.emitted('send')).toBeUndefined();
    expect(c.options()).toEqual([]);
    // Enter now sends, as ever.
    await c.field.trigger('keydown', { key: 'Enter' });
    expect(c.wrapper.emitted('send')).toEqual([['hi @alice ', []]]);
    c.wrapper.unmount();
  });

  it('Tab picks too; Escape closes the list until another letter; a click picks', async () => {
    const c = await composer();
    await c.type('@al');
    await c.field.trigger('keydown', { key: 'Tab' });
    expect(c.el.value).toBe('@albert ');
    await c.type('@ali');
    await c.field.trigger('keydown', { key: 'Escape' });
    expect(c.options()).toEqual([]);
    expect(c.el.value).toBe('@ali');
    await c.type('@al');
    expect(c.options()).toHaveLength(2);
    await c.wrapper.findAll('[data-testid="mention-option"]')[1]!.trigger('click');
    expect(c.el.value).toBe('@alice ');
    c.wrapper.unmount();
  });
});

describe('room badges', () => {
  it('say the counts in words, in English and Chinese', () => {
    expect(roomCountsText(3, 1)).toBe('3 unread, 1 mention');
    expect(roomCountsText(3, 2)).toBe('3 unread, 2 mentions');
    expect(roomCountsText(4, 0)).toBe('4 unread');
    expect(roomCountsText(0, 0)).toBe('');
    setLocale('zh-CN');
    expect(roomCountsText(3, 1)).toBe('3 条未读，1 条提及你');
  });

  it('say "more than 99" above 99, where the server\'s cap of 100 a room may hide more', () => {
    expect(roomCountsText(99, 99)).toBe('99 unread, 99 mentions');
    expect(roomCountsText(100, 1)).toBe('more than 99 unread, 1 mention');
    expect(roomCountsText(100, 100)).toBe('more than 99 unread, more than 99 mentions');
    expect(roomCountsText(0, 250)).toBe('more than 99 mentions');
    setLocale('zh-CN');
    expect(roomCountsText(100, 100)).toBe('超过 99 条未读，超过 99 条提及你');
  });

  it('show a mention badge beside the unread count, none on the room being read', async () => {
    chat.rooms = new Map([
      [LOBBY, { ...newRoom(LOBBY), unread: 2 }],
      ['design', { ...newRoom('design'), unread: 3, mentions: 1 }],
      ['quiet', { ...newRoom('quiet'), unread: 5 }],
    ]);
    chat.roomOrder = [LOBBY, 'design', 'quiet'];
    chat.activeRoom = LOBBY;
    const wrapper = mount(RoomSidebar, { props: { open: false }, global: { stubs: { UserMenu: true, RoomDirectory: true, LanguageSelect: true } } });
    const entry = (i: number) => wrapper.findAll('.room-entry')[i]!;
    expect(entry(0).find('[data-testid="unread-badge"]').exists()).toBe(false);
    expect(entry(1).get('[data-testid="mention-badge"]').text()).toBe('@1');
    expect(entry(1).get('[data-testid="unread-badge"]').text()).toBe('3');
    expect(entry(1).get('.room-button').text()).toContain('3 unread, 1 mention');
    expect(entry(2).find('[data-testid="mention-badge"]').exists()).toBe(false);
    setLocale('zh-CN');
    await nextTick();
    expect(entry(1).get('.room-button').text()).toContain('3 条未读，1 条提及你');
    wrapper.unmount();
  });

  it('show 99+ from 100 on (the server\'s cap), and 99 as is', async () => {
    chat.rooms = new Map([
      [LOBBY, newRoom(LOBBY)],
      ['backlog', { ...newRoom('backlog'), unread: 100, mentions: 100 }],
      ['live', { ...newRoom('live'), unread: 104, mentions: 2 }], // the server's 100 and 4 that came since
      ['edge', { ...newRoom('edge'), unread: 99, mentions: 99 }],
    ]);
    chat.roomOrder = [LOBBY, 'backlog', 'live', 'edge'];
    chat.activeRoom = LOBBY;
    const wrapper = mount(RoomSidebar, { props: { open: false }, global: { stubs: { UserMenu: true, RoomDirectory: true, LanguageSelect: true } } });
    const entry = (i: number) => wrapper.findAll('.room-entry')[i]!;
    const badges = (i: number) => [entry(i).get('[data-testid="mention-badge"]').text(), entry(i).get('[data-testid="unread-badge"]').text()];
    expect(badges(1)).toEqual(['@99+', '99+']);
    expect(entry(1).get('.room-button').text()).toContain('more than 99 unread, more than 99 mentions');
    expect(badges(2)).toEqual(['@2', '99+']);
    expect(entry(2).get('.room-button').text()).toContain('more than 99 unread, 2 mentions');
    expect(badges(3)).toEqual(['@99', '99']);
    expect(entry(3).get('.room-button').text()).toContain('99 unread, 99 mentions');
    wrapper.unmount();
  });
});

describe('the unread line', () => {
  it('sits above the first message after the marker that is not mine, and stays as the marker rises', async () => {
    chat.me = ALICE;
    const room = reactive({ ...newRoom('design'), joined: true, readSeq: 1, messages: [message(1, BOB), message(2, ALICE), message(3, BOB), message(4, BOB)] }) as RoomState;
    const wrapper = mount(MessageList, { props: { room } });
    await nextTick();
    const line = wrapper.get('[data-testid="unread-line"]');
    expect(line.text()).toContain('Unread messages start here');
    expect((line.element.nextElementSibling as HTMLElement).querySelector('[data-seq]')!.getAttribute('data-seq')).toBe('3');
    room.readSeq = 4;
    await nextTick();
    expect(wrapper.findAll('[data-testid="unread-line"]')).toHaveLength(1);
    wrapper.unmount();
    // Opened again, read: no line.
    const again = mount(MessageList, { props: { room } });
    await nextTick();
    expect(again.find('[data-testid="unread-line"]').exists()).toBe(false);
  });
});
