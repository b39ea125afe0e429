// @vitest-environment happy-dom
// The account parts of the UI in a DOM: the welcome screen's three ways in (guest only while
// allowed), the private-room checkbox (accounts only), lock icons and DM names, the Invite button
// (owner/moderator of a private room), and the member menu's actions by role.
import { flushPromises, mount } from '@vue/test-utils';
import { nextTick } from 'vue';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ChatHeader from '../src/components/ChatHeader.vue';
import InviteForm from '../src/components/InviteForm.vue';
import MemberList from '../src/components/MemberList.vue';
import RoomSidebar from '../src/components/RoomSidebar.vue';
import WelcomeScreen from '../src/components/WelcomeScreen.vue';
import { api, chat, client, ui } from '../src/chat.js';
import { setLocale } from '../src/i18n.js';
import { LOBBY, newRoom, type RoomState } from '../src/lib/chat-client.js';

const ALICE = { id: 'u-alice', nick: 'alice', account: true };
const BOB = { id: 'u-bob', nick: 'bob', account: true };
const GUEST = { id: 'g-carol', nick: 'Carol Smith' };
/** A guest whose nick looks like a username: still no DM, no moderator rights (USER.account). */
const DAVE = { id: 'g-dave', nick: 'dave' };

function reset(): void {
  Object.assign(chat, {
    me: null,
    account: false,
    needsName: true,
    allowGuests: null,
    notice: null,
    noticeParams: {},
    confirmation: null,
    rooms: new Map([[LOBBY, newRoom(LOBBY)]]),
    roomOrder: [LOBBY],
    activeRoom: LOBBY,
    available: [],
  });
  ui.authOpen = false;
}

function room(name: string, fields: Partial<RoomState>): RoomState {
  const r = { ...newRoom(name), joined: true, ...fields };
  chat.rooms.set(name, r);
  if (!chat.roomOrder.includes(name)) chat.roomOrder.push(name);
  return chat.rooms.get(name)!;
}

beforeEach(() => {
  setLocale('en');
  reset();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('WelcomeScreen', () => {
  it('offers guest, sign-in and register while guests are allowed; the guest form comes first', async () => {
    const wrapper = mount(WelcomeScreen);
    expect(wrapper.find('[data-testid="nick-input"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="auth-mode-signin"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="auth-mode-register"]').exists()).toBe(true);
    await wrapper.get('[data-testid="auth-mode-register"]').trigger('click');
    expect(wrapper.find('[data-testid="nick-input"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="auth-password"]').attributes('autocomplete')).toBe('new-password');
    expect(wrapper.get('[data-testid="auth-mode-register"]').attributes('aria-pressed')).toBe('true');
    // Every field has a label.
    for (const id of ['auth-username', 'auth-password']) expect(wrapper.find(`label[for="${id}"]`).exists()).toBe(true);
  });

  it('hides the guest entry when the server takes no guests', async () => {
    chat.allowGuests = false;
    const wrapper = mount(WelcomeScreen);
    expect(wrapper.find('[data-testid="nick-input"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="auth-mode-guest"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="auth-username"]').exists()).toBe(true);
  });

  it('checks the rules before asking the server, then shows the server refusal (409, 429)', async () => {
    const register = vi.spyOn(api, 'register').mockResolvedValueOnce({ ok: false, failure: { kind: 'taken' } });
    const signIn = vi.spyOn(api, 'signIn').mockResolvedValueOnce({ ok: false, failure: { kind: 'throttled', seconds: 42 } });
    const wrapper = mount(WelcomeScreen);
    await wrapper.get('[data-testid="auth-mode-register"]').trigger('click');
    await wrapper.get('[data-testid="auth-username"]').setValue('Al');
    await wrapper.get('[data-testid="auth-password"]').setValue('12345678');
    await wrapper.get('form').trigger('submit');
    expect(register).not.toHaveBeenCalled();
    expect(wrapper.get('[data-testid="auth-error"]').text()).toContain('3–32');
    expect(wrapper.get('[data-testid="auth-username"]').attributes('aria-invalid')).toBe('true');

    await wrapper.get('[data-testid="auth-username"]').setValue('  Alice ');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(register).toHaveBeenCalledWith('alice', '12345678');
    expect(wrapper.get('[data-testid="auth-error"]').text()).toContain('taken');

    await wrapper.get('[data-testid="auth-mode-signin"]').trigger('click');
    await wrapper.get('[data-testid="auth-username"]').setValue('alice');
    await wrapper.get('[data-testid="auth-password"]').setValue('x');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(signIn).toHaveBeenCalledWith('alice', 'x');
    expect(wrapper.get('[data-testid="auth-error"]').text()).toContain('Try again in 42 s');
  });

  it('on success the client is told who signed in', async () => {
    vi.spyOn(api, 'signIn').mockResolvedValueOnce({ ok: true, value: ALICE });
    const signedIn = vi.spyOn(client, 'signedIn').mockImplementation(() => {});
    const wrapper = mount(WelcomeScreen);
    await wrapper.get('[data-testid="auth-mode-signin"]').trigger('click');
    await wrapper.get('[data-testid="auth-username"]').setValue('alice');
    await wrapper.get('[data-testid="auth-password"]').setValue('alice-password');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(signedIn).toHaveBeenCalledWith(ALICE);
  });
});

describe('WelcomeScreen: a guest name the server refuses (api/nicks/check)', () => {
  async function enterAs(wrapper: ReturnType<typeof mount>, name: string): Promise<void> {
    await wrapper.get('[data-testid="nick-input"]').setValue(name);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
  }

  it("an account's name: the message with Sign in instead (which opens sign-in with the name), no connection; another name enters", async () => {
    const check = vi.spyOn(api, 'checkNick').mockResolvedValueOnce({ available: false, reason: 'account' });
    const start = vi.spyOn(client, 'start').mockImplementation(() => {});
    const wrapper = mount(WelcomeScreen);
    await enterAs(wrapper, ' Alice ');
    expect(check).toHaveBeenCalledWith('Alice');
    expect(start).not.toHaveBeenCalled();
    const error = wrapper.get('[data-testid="nick-error"]');
    expect(error.text()).toContain('That name belongs to an account: sign in or choose another.');
    expect(error.attributes('role')).toBe('alert');
    const input = wrapper.get('[data-testid="nick-input"]');
    expect(input.attributes('aria-invalid')).toBe('true');
    expect(input.attributes('aria-describedby')).toBe('nick-hint nick-error');

    await wrapper.get('[data-testid="nick-sign-in"]').trigger('click');
    expect(wrapper.get('[data-testid="auth-mode-signin"]').attributes('aria-pressed')).toBe('true');
    expect((wrapper.get('[data-testid="auth-username"]').element as HTMLInputElement).value).toBe('alice');

    await wrapper.get('[data-testid="auth-mode-guest"]').trigger('click');
    check.mockResolvedValueOnce({ available: true, nick: 'bob' });
    await enterAs(wrapper, 'bob');
    expect(start).toHaveBeenCalledWith('bob');
    expect(wrapper.find('[data-testid="nick-error"]').exists()).toBe(false);
  });

  it('editing the name clears the message; an invalid verdict says the rules; in zh-CN too', async () => {
    vi.spyOn(api, 'checkNick').mockResolvedValue({ available: false, reason: 'invalid' });
    vi.spyOn(client, 'start').mockImplementation(() => {});
    const wrapper = mount(WelcomeScreen);
    await enterAs(wrapper, 'zed');
    expect(wrapper.get('[data-testid="nick-error"]').text()).toContain('That name is not allowed');
    expect(wrapper.find('[data-testid="nick-sign-in"]').exists()).toBe(false);
    await wrapper.get('[data-testid="nick-input"]').setValue('zed2');
    expect(wrapper.find('[data-testid="nick-error"]').exists()).toBe(false);

    setLocale('zh-CN');
    vi.spyOn(api, 'checkNick').mockResolvedValue({ available: false, reason: 'account' });
    await enterAs(wrapper, 'alice');
    expect(wrapper.get('[data-testid="nick-error"]').text()).toContain('这个名字属于一个账号');
    expect(wrapper.get('[data-testid="nick-sign-in"]').text()).toBe('改为登录');
  });

  it('the check cannot tell (unreachable, throttled): the guest goes on with the name as typed', async () => {
    vi.spyOn(api, 'checkNick').mockResolvedValueOnce(null);
    const start = vi.spyOn(client, 'start').mockImplementation(() => {});
    const wrapper = mount(WelcomeScreen);
    await enterAs(wrapper, 'ｂｏｂ');
    expect(start).toHaveBeenCalledWith('bob');
  });

  it('a stored name the client gave up on comes back filled in beside its notice, which entering clears', async () => {
    Object.assign(chat, { notice: 'nick_account', noticeParams: { nick: 'bob' } });
    vi.spyOn(api, 'checkNick').mockResolvedValueOnce({ available: true, nick: 'bobby' });
    vi.spyOn(client, 'start').mockImplementation(() => {});
    const wrapper = mount(WelcomeScreen);
    expect(wrapper.get('.welcome-notice').text()).toBe('The name “bob” belongs to an account: sign in or choose another.');
    expect((wrapper.get('[data-testid="nick-input"]').element as HTMLInputElement).value).toBe('bob');
    await enterAs(wrapper, 'bobby');
    expect(chat.notice).toBeNull();
  });

  it('guests_disabled: the no-guests screen', async () => {
    vi.spyOn(api, 'checkNick').mockResolvedValueOnce({ available: false, reason: 'guests_disabled' });
    const start = vi.spyOn(client, 'start').mockImplementation(() => {});
    const wrapper = mount(WelcomeScreen);
    await enterAs(wrapper, 'zed');
    expect(start).not.toHaveBeenCalled();
    expect(chat.allowGuests).toBe(false);
    expect(chat.notice).toBe('guests_disabled');
    expect(wrapper.find('[data-testid="nick-input"]').exists()).toBe(false);
  });
});

describe('RoomSidebar', () => {
  it('a guest gets no private checkbox and joins by name', async () => {
    Object.assign(chat, { needsName: false, me: GUEST });
    const openRoom = vi.spyOn(client, 'openRoom').mockImplementation(() => {});
    const wrapper = mount(RoomSidebar, { props: { open: true } });
    expect(wrapper.find('[data-testid="new-room-private"]').exists()).toBe(false);
    await wrapper.get('[data-testid="new-room"]').setValue('Team');
    await wrapper.get('[data-testid="new-room"]').trigger('keydown', { key: 'Enter' });
    expect(openRoom).toHaveBeenCalledWith('team');
    expect(wrapper.get('[data-testid="user-menu"]').text()).toContain('Carol Smith');
    expect(wrapper.get('[data-testid="user-menu"]').text()).toContain('guest');
  });

  it('an account with "private" checked sends create; locks and DM names show in the list', async () => {
    Object.assign(chat, { needsName: false, me: ALICE, account: true });
    room('secret', { kind: 'private', role: 'owner' });
    room('dm-0123456789abcdef0123456789abcdef', { kind: 'dm', peer: 'bob' });
    const createRoom = vi.spyOn(client, 'createRoom').mockImplementation(() => {});
    const wrapper = mount(RoomSidebar, { props: { open: true } });
    const checkbox = wrapper.get('[data-testid="new-room-private"]');
    await checkbox.setValue(true);
    await wrapper.get('[data-testid="new-room"]').setValue('hideout');
    await wrapper.get('[data-testid="new-room"]').trigger('keydown', { key: 'Enter' });
    expect(createRoom).toHaveBeenCalledWith('hideout', true);

    const entries = wrapper.get('[data-testid="room-list"]').findAll('.room-button');
    expect(entries.map((e) => e.text())).toEqual(['# lobby', 'Private room# secret', 'Direct messagebob']);
    expect(entries[1]!.get('[data-testid="room-lock"]').attributes('aria-label')).toBe('Private room');
    expect(entries[0]!.find('[data-testid="room-lock"]').exists()).toBe(false);
  });

  it('offers private rooms from api/rooms to join', async () => {
    Object.assign(chat, { needsName: false, me: BOB, account: true, available: [{ name: 'secret', kind: 'private', peer: null }] });
    const openRoom = vi.spyOn(client, 'openRoom').mockImplementation(() => {});
    const wrapper = mount(RoomSidebar, { props: { open: true } });
    await wrapper.get('[data-testid="available-rooms"] button').trigger('click');
    expect(openRoom).toHaveBeenCalledWith('secret');
  });
});

describe('ChatHeader and InviteForm', () => {
  it.each([
    ['owner', true],
    ['moderator', true],
    ['member', false],
    [null, false],
  ] as const)('a private room shows Invite to its %s: %s', (role, shown) => {
    Object.assign(chat, { needsName: false, me: ALICE, account: true, activeRoom: 'secret' });
    room('secret', { kind: 'private', role });
    const wrapper = mount(ChatHeader, { props: { roomsOpen: false, membersOpen: true } });
    expect(wrapper.find('[data-testid="invite"]').exists()).toBe(shown);
    expect(wrapper.get('[data-testid="room-lock"]').attributes('aria-label')).toBe('Private room');
    expect(wrapper.get('.room-title').text()).toBe('# secret');
  });

  it('a DM is titled with the other person, a public room has no lock and no Invite', async () => {
    Object.assign(chat, { needsName: false, me: ALICE, account: true, activeRoom: 'dm-x' });
    room('dm-x', { kind: 'dm', peer: 'bob', role: 'member' });
    const wrapper = mount(ChatHeader, { props: { roomsOpen: false, membersOpen: true } });
    expect(wrapper.get('.room-title').text()).toBe('bob');
    chat.activeRoom = LOBBY;
    chat.rooms.get(LOBBY)!.kind = 'public';
    await nextTick();
    expect(wrapper.find('[data-testid="room-lock"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="invite"]').exists()).toBe(false);
  });

  it('the invite field sends the username on Enter and Escape closes it', async () => {
    const invite = vi.spyOn(client, 'invite').mockImplementation(() => {});
    const r = room('secret', { kind: 'private', role: 'owner' });
    const wrapper = mount(InviteForm, { props: { room: r } });
    await wrapper.get('[data-testid="invite-username"]').setValue(' Bob ');
    await wrapper.get('form').trigger('submit');
    expect(invite).toHaveBeenCalledWith('secret', 'bob');
    expect((wrapper.get('[data-testid="invite-username"]').element as HTMLInputElement).value).toBe('');
    await wrapper.get('form').trigger('keydown', { key: 'Escape' });
    expect(wrapper.emitted('close')).toHaveLength(1);
  });
});

describe('MemberList actions', () => {
  const actionIds = async (wrapper: ReturnType<typeof mount>, nick: string) => {
    const row = wrapper.findAll('.member-row').find((r) => r.text().includes(nick))!;
    const button = row.find('[data-testid="member-actions"]');
    if (!button.exists()) return null;
    await button.trigger('click');
    return row.findAll('.member-menu button').map((b) => b.attributes('data-testid'));
  };

  it('owner: message, kick, ban, mute, make moderator, each sending its frame with the member', async () => {
    Object.assign(chat, { needsName: false, me: ALICE, account: true });
    const r = room('secret', { kind: 'private', role: 'owner', members: [ALICE, BOB, GUEST, DAVE] });
    const moderate = vi.spyOn(client, 'moderate').mockImplementation(() => {});
    const dm = vi.spyOn(client, 'directMessage').mockImplementation(() => {});
    const wrapper = mount(MemberList, { props: { room: r } });
    // Not on my own row.
    expect(wrapper.findAll('.member-row').find((row) => row.text().includes('alice'))!.find('[data-testid="member-actions"]').exists()).toBe(false);
    expect(await actionIds(wrapper, 'bob')).toEqual([
      'member-action-message',
      'member-action-kick',
      'member-action-ban',
      'member-action-mute',
      'member-action-op',
    ]);
    await wrapper.get('[data-testid="member-action-mute"]').trigger('click');
    expect(moderate).toHaveBeenCalledWith('mute', 'secret', BOB);
    await actionIds(wrapper, 'bob');
    await wrapper.get('[data-testid="member-action-message"]').trigger('click');
    expect(dm).toHaveBeenCalledWith('bob');
    // A guest gets no "Message" (DMs are between accounts) and cannot be made a moderator, even
    // with a nick that looks like a username; guests can be moderated.
    expect(await actionIds(wrapper, 'Carol Smith')).toEqual(['member-action-kick', 'member-action-ban', 'member-action-mute']);
    expect(await actionIds(wrapper, 'dave')).toEqual(['member-action-kick', 'member-action-ban', 'member-action-mute']);
  });

  it('marks guests with a visible "guest" tag, accounts without', () => {
    Object.assign(chat, { needsName: false, me: ALICE, account: true });
    const r = room('lobby', { members: [ALICE, BOB, GUEST, DAVE] });
    const wrapper = mount(MemberList, { props: { room: r } });
    const tags = Object.fromEntries(wrapper.findAll('.member-row').map((row) => [row.get('.member-name').text(), row.find('.guest-tag').exists() ? row.get('.guest-tag').text() : null]));
    expect(tags).toEqual({ alice: null, bob: null, 'Carol Smith': 'guest', dave: 'guest' });
  });

  it('moderator: no "make moderator"; member: only "Message"; guest viewer: no menu at all', async () => {
    Object.assign(chat, { needsName: false, me: ALICE, account: true });
    const r = room('secret', { kind: 'private', role: 'moderator', members: [ALICE, BOB] });
    let wrapper = mount(MemberList, { props: { room: r } });
    expect(await actionIds(wrapper, 'bob')).toEqual(['member-action-message', 'member-action-kick', 'member-action-ban', 'member-action-mute']);
    r.role = 'member';
    wrapper = mount(MemberList, { props: { room: r } });
    expect(await actionIds(wrapper, 'bob')).toEqual(['member-action-message']);
    Object.assign(chat, { me: GUEST, account: false });
    wrapper = mount(MemberList, { props: { room: { ...r, members: [GUEST, BOB], role: null } } });
    expect(await actionIds(wrapper, 'bob')).toBeNull();
  });
});
