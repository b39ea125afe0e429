// @vitest-environment happy-dom
// The room header's bell and its menu (issue 19) in a DOM: the bell shows the room's level, the
// menu's radio group asks the server (`PUT api/me/rooms/R`, AccountApi.setNotify: its real-server
// test is test/lib/notify-level-api.test.ts) and takes the level only once it agrees, a failure
// keeps the old level and says why, Escape closes and gives focus back, the browser's permission
// is asked only from "Enable notifications on this device", and the sound toggle is remembered.
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import NotifyBell from '../src/components/NotifyBell.vue';
import { api, chat, ui } from '../src/chat.js';
import { setLocale } from '../src/i18n.js';
import { LOBBY, newRoom, type RoomState } from '../src/lib/chat-client.js';

const ALICE = { id: 'u-alice', nick: 'alice', account: true };
const DM_ROOM = 'dm-0123456789abcdef0123456789abcdef';

function room(name: string, fields: Partial<RoomState> = {}): RoomState {
  chat.rooms.set(name, { ...newRoom(name), joined: true, ...fields });
  if (!chat.roomOrder.includes(name)) chat.roomOrder.push(name);
  return chat.rooms.get(name)!;
}

let wrapper: VueWrapper | null = null;
async function openMenu(): Promise<VueWrapper> {
  wrapper = mount(NotifyBell, { attachTo: document.body });
  await wrapper.get('[data-testid="notify-bell"]').trigger('click');
  // The menu is loaded on first open (a dynamic import), then asks how this device stands.
  await vi.waitFor(() => expect(wrapper!.find('[data-testid="notify-menu"]').exists()).toBe(true));
  await flushPromises();
  return wrapper;
}
const radio = (w: VueWrapper, level: string) => w.get<HTMLInputElement>(`[data-testid="notify-level"][value="${level}"]`);
const checked = (w: VueWrapper) => w.findAll<HTMLInputElement>('[data-testid="notify-level"]').filter((r) => r.element.checked).map((r) => r.element.value);

beforeEach(() => {
  setLocale('en');
  localStorage.clear();
  Object.assign(chat, { me: ALICE, account: true, status: 'online', rooms: new Map([[LOBBY, newRoom(LOBBY)]]), roomOrder: [LOBBY], activeRoom: LOBBY });
  ui.push = false;
});
afterEach(() => {
  wrapper?.unmount();
  wrapper = null;
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('NotifyBell', () => {
  it("shows the room's level: the defaults (mentions, a DM all), then what the server says", async () => {
    room('general', { kind: 'public' });
    room(DM_ROOM, { kind: 'dm', peer: 'bob' });
    chat.activeRoom = 'general';
    wrapper = mount(NotifyBell);
    const bell = () => wrapper!.get('[data-testid="notify-bell"]');
    expect(bell().attributes('data-level')).toBe('mentions');
    expect(bell().attributes('aria-label')).toBe('Notifications: Mentions only');
    expect(bell().attributes('aria-expanded')).toBe('false');
    chat.activeRoom = DM_ROOM;
    await flushPromises();
    expect(bell().attributes('data-level')).toBe('all');
    chat.rooms.get(DM_ROOM)!.notify = 'none';
    await flushPromises();
    expect(bell().attributes('aria-label')).toBe('Notifications: Nothing');
    setLocale('zh-CN');
    await flushPromises();
    expect(bell().attributes('aria-label')).toBe('通知：不通知');
  });

  it('opens a radio group on the current level, focused; a choice goes to the server and the room takes it', async () => {
    room('general', { kind: 'public' });
    chat.activeRoom = 'general';
    const setNotify = vi.spyOn(api, 'setNotify').mockResolvedValue({ ok: true, value: { room: 'general', notify: 'all' } });
    const w = await openMenu();
    expect(w.get('[data-testid="notify-bell"]').attributes('aria-expanded')).toBe('true');
    expect(w.findAll('[data-testid="notify-level"]').map((r) => (r.element as HTMLInputElement).value)).toEqual(['all', 'mentions', 'none']);
    expect(checked(w)).toEqual(['mentions']);
    expect(document.activeElement).toBe(radio(w, 'mentions').element);
    expect(w.get('legend').text()).toBe('In #general, notify me of');
    for (const r of w.findAll('[data-testid="notify-level"]')) expect(r.element.closest('label')).not.toBeNull();

    await radio(w, 'all').setValue(true);
    await flushPromises();
    expect(setNotify).toHaveBeenCalledWith('general', 'all', null); // an account: its cookie, no token
    expect(chat.rooms.get('general')!.notify).toBe('all');
    expect(w.get('[data-testid="notify-bell"]').attributes('data-level')).toBe('all');
    expect(checked(w)).toEqual(['all']);
    expect(w.find('[data-testid="notify-error"]').exists()).toBe(false);
  });

  it('a refused change keeps the old level and says why', async () => {
    room('general', { kind: 'public', notify: 'none' });
    chat.activeRoom = 'general';
    vi.spyOn(api, 'setNotify').mockResolvedValueOnce({ ok: false, failure: { kind: 'network' } }).mockResolvedValueOnce({ ok: false, failure: { kind: 'server', status: 500 } });
    const w = await openMenu();
    await radio(w, 'all').setValue(true);
    await flushPromises();
    expect(chat.rooms.get('general')!.notify).toBe('none');
    expect(checked(w)).toEqual(['none']);
    expect(w.get('[data-testid="notify-error"]').text()).toBe('The server cannot be reached: notifications stay as they were.');
    expect(w.get('[data-testid="notify-error"]').attributes('role')).toBe('alert');
    expect(w.get('[data-testid="notify-bell"]').attributes('data-level')).toBe('none');
    await radio(w, 'mentions').setValue(true);
    await flushPromises();
    expect(w.get('[data-testid="notify-error"]').text()).toBe('The change failed: notifications stay as they were.');
    expect(chat.rooms.get('general')!.notify).toBe('none');
  });

  it("sends a guest's token as its bearer", async () => {
    Object.assign(chat, { account: false, me: { id: 'g-carol', nick: 'carol' } });
    localStorage.setItem('chat.token', 'guest_token-1');
    const setNotify = vi.spyOn(api, 'setNotify').mockResolvedValue({ ok: true, value: {} });
    const w = await openMenu();
    await radio(w, 'none').setValue(true);
    await flushPromises();
    expect(setNotify).toHaveBeenCalledWith(LOBBY, 'none', 'guest_token-1');
    expect(chat.rooms.get(LOBBY)!.notify).toBe('none');
  });

  it('Escape closes the menu and gives focus back to the bell; so does the bell itself', async () => {
    const w = await openMenu();
    await radio(w, 'mentions').trigger('keydown', { key: 'Escape' });
    expect(w.find('[data-testid="notify-menu"]').exists()).toBe(false);
    expect(document.activeElement).toBe(w.get('[data-testid="notify-bell"]').element);
    await w.get('[data-testid="notify-bell"]').trigger('click');
    await vi.waitFor(() => expect(w.find('[data-testid="notify-menu"]').exists()).toBe(true));
    await w.get('[data-testid="notify-bell"]').trigger('click');
    expect(w.find('[data-testid="notify-menu"]').exists()).toBe(false);
  });

  it('asks the browser for permission only when "Enable notifications on this device" is clicked', async () => {
    const requestPermission = vi.fn(async () => {
      notification.permission = 'granted';
      return 'granted' as const;
    });
    const notification = { permission: 'default' as NotificationPermission, requestPermission };
    vi.stubGlobal('Notification', notification);
    const w = await openMenu();
    const status = () => w.get('[data-testid="notify-device-status"]');
    expect(status().attributes('data-state')).toBe('off');
    expect(status().text()).toBe('Notifications are off on this device.');
    expect(requestPermission).not.toHaveBeenCalled(); // opening the menu asks nothing
    await w.get('[data-testid="notify-enable"]').trigger('click');
    await vi.waitFor(() => expect(status().attributes('data-state')).toBe('page'));
    expect(requestPermission).toHaveBeenCalledTimes(1);
    // This server sends no push (api/info without "push"): notifications come from the open page.
    expect(status().text()).toBe('On while the chat is open in a tab. This server sends no push notifications.');
    expect(localStorage.getItem('chat.notifications')).toBe('1');
    await w.get('[data-testid="notify-disable"]').trigger('click');
    await vi.waitFor(() => expect(status().attributes('data-state')).toBe('off'));
    expect(localStorage.getItem('chat.notifications')).toBeNull();
  });

  it('says when the browser blocks notifications, and offers no button then', async () => {
    vi.stubGlobal('Notification', { permission: 'denied', requestPermission: vi.fn() });
    const w = await openMenu();
    expect(w.get('[data-testid="notify-device-status"]').attributes('data-state')).toBe('blocked');
    expect(w.find('[data-testid="notify-enable"]').exists()).toBe(false);
    expect(w.find('[data-testid="notify-disable"]').exists()).toBe(false);
  });

  it('turns the sound on and off, remembered in localStorage', async () => {
    const w = await openMenu();
    const sound = () => w.get('[data-testid="notify-sound"]');
    expect(sound().attributes('aria-pressed')).toBe('false');
    await sound().trigger('click');
    expect(sound().attributes('aria-pressed')).toBe('true');
    expect(localStorage.getItem('chat.notifySound')).toBe('1');
    await sound().trigger('click');
    expect(sound().attributes('aria-pressed')).toBe('false');
    expect(localStorage.getItem('chat.notifySound')).toBeNull();
  });

  it('speaks Chinese too', async () => {
    setLocale('zh-CN');
    const w = await openMenu();
    expect(w.get('[data-testid="notify-sound"]').text()).toContain('声音');
    expect(w.get('legend').text()).toBe('在 #lobby 中通知我：');
  });
});
