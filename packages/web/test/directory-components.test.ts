// @vitest-environment happy-dom
// The room directory dialog and the user menu's new items in a DOM: rows with name, topic, online
// count and Join/Open (a click opens the room); "Change name" for guests only, its refusal said in
// the field; "Compact messages" kept in localStorage.
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import RoomDirectory from '../src/components/RoomDirectory.vue';
import UserMenu from '../src/components/UserMenu.vue';
import { api, chat, client, ui } from '../src/chat.js';
import { setLocale } from '../src/i18n.js';
import { LOBBY, newRoom } from '../src/lib/chat-client.js';

beforeEach(() => {
  setLocale('en');
  Object.assign(chat, {
    me: { id: 'g1', nick: 'visitor' },
    account: false,
    status: 'online',
    rooms: new Map([[LOBBY, newRoom(LOBBY)]]),
    roomOrder: [LOBBY],
    rename: { pending: false, error: null, done: 0 },
  });
  ui.compact = false;
  localStorage.clear();
});
afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

describe('RoomDirectory', () => {
  it('lists the first page: name, topic (dir=auto), N online, Join or Open; Join opens the room and closes', async () => {
    const load = vi.spyOn(api, 'publicRooms').mockResolvedValue({
      ok: true,
      value: { rooms: [{ name: 'dev', online: 3, topic: 'ship it' }, { name: LOBBY, online: 1, topic: null }], next: null },
    });
    const open = vi.spyOn(client, 'openRoom').mockImplementation(() => {});
    const wrapper = mount(RoomDirectory, { attachTo: document.body });
    await flushPromises();
    expect(load).toHaveBeenCalledWith('', null);
    const rows = document.querySelectorAll('[data-testid="directory-room"]');
    expect([...rows].map((r) => (r as HTMLElement).dataset.room)).toEqual(['dev', LOBBY]);
    expect(rows[0]!.querySelector('.directory-topic')!.textContent).toBe('ship it');
    expect(rows[0]!.querySelector('.directory-topic')!.getAttribute('dir')).toBe('auto');
    expect(rows[1]!.querySelector('.directory-topic')).toBeNull();
    expect(rows[0]!.querySelector('[data-testid="directory-online"]')!.textContent).toBe('3 online');
    expect(rows[0]!.querySelector('[data-testid="directory-join"]')!.textContent!.trim()).toBe('Join');
    expect(rows[1]!.querySelector('[data-testid="directory-join"]')!.textContent!.trim()).toBe('Open');
    expect(document.querySelector('[data-testid="directory-more"]')).toBeNull();
    (rows[0]!.querySelector('[data-testid="directory-join"]') as HTMLButtonElement).click();
    await flushPromises();
    expect(open).toHaveBeenCalledWith('dev');
    expect(wrapper.emitted('close')).toEqual([[true]]);
    wrapper.unmount();
  });

  it('searches after typing stops, and says when nothing matches', async () => {
    vi.useFakeTimers();
    try {
      const load = vi.spyOn(api, 'publicRooms').mockResolvedValue({ ok: true, value: { rooms: [], next: null } });
      const wrapper = mount(RoomDirectory, { attachTo: document.body });
      await flushPromises();
      const input = document.querySelector('[data-testid="directory-search"]') as HTMLInputElement;
      for (const typed of ['d', 'de', 'dev']) {
        input.value = typed;
        input.dispatchEvent(new Event('input'));
      }
      await vi.advanceTimersByTimeAsync(300);
      expect(load.mock.calls).toEqual([
        ['', null],
        ['dev', null],
      ]);
      expect(document.querySelector('[data-testid="directory-status"]')!.textContent).toBe('No public room matches “dev”.');
      wrapper.unmount();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('UserMenu', () => {
  it('a guest changes its name in a field of the menu; a refusal is said there', async () => {
    const rename = vi.spyOn(client, 'rename').mockImplementation(() => {
      chat.rename.error = 'nick_taken';
      return false;
    });
    const wrapper = mount(UserMenu, { attachTo: document.body });
    await wrapper.get('[data-testid="user-menu"]').trigger('click');
    await wrapper.get('[data-testid="rename-open"]').trigger('click');
    const input = wrapper.get('[data-testid="rename-input"]');
    expect((input.element as HTMLInputElement).value).toBe('visitor');
    await input.setValue('Carol');
    await wrapper.get('form').trigger('submit');
    expect(rename).toHaveBeenCalledWith('Carol');
    expect(wrapper.get('[data-testid="rename-error"]').text()).toBe('That name belongs to a registered account. Pick another one.');
    expect(input.attributes('aria-invalid')).toBe('true');
    await input.setValue('Caro');
    expect(wrapper.get('[data-testid="rename-error"]').text()).toBe('');
    wrapper.unmount();
  });

  it('an account has no "Change name"; everyone gets "Compact messages", kept in localStorage', async () => {
    Object.assign(chat, { account: true, me: { id: 'u1', nick: 'alice', account: true } });
    const wrapper = mount(UserMenu, { attachTo: document.body });
    await wrapper.get('[data-testid="user-menu"]').trigger('click');
    expect(wrapper.find('[data-testid="rename-open"]').exists()).toBe(false);
    const toggle = wrapper.get('[data-testid="compact-toggle"]');
    expect(toggle.attributes('aria-pressed')).toBe('false');
    await toggle.trigger('click');
    expect(ui.compact).toBe(true);
    expect(toggle.attributes('aria-pressed')).toBe('true');
    expect(localStorage.getItem('chat.compact')).toBe('1');
    await toggle.trigger('click');
    expect(ui.compact).toBe(false);
    expect(localStorage.getItem('chat.compact')).toBeNull();
    wrapper.unmount();
  });
});
