// Notifications from the open page (issue 19): which live messages a room's notify level wants
// (src/lib/page-notifications.ts), that only live messages of others reach it (ChatClient's
// onLive: not history, not a resume's catch-up, not our own, not a duplicate), the levels taken
// from `api/me/rooms`, and the tone made with WebAudio.
import { describe, expect, it, vi } from 'vitest';
import type { ChatMessage, User } from '@chat/protocol';
import { initialState, newRoom, notifyLevel, type AccountHooks, type ListedRoom, type RoomState } from '../../src/lib/chat-client.js';
import { loadNotifyPrefs, saveNotifyPref, type NotifyPrefs } from '../../src/lib/client-storage.js';
import { notificationOf, PageNotifications, playTone, wanted, type PageNotification, type ToneContext } from '../../src/lib/page-notifications.js';
import { MemoryStorage } from '../fakes.js';
import { clientFixture, harness, joined, message, settle, T0, useFakeTimers, withRef } from './client-harness.js';

const ME: User = { id: 'u-alice', nick: 'alice', account: true };
const BOB: User = { id: 'u-bob', nick: 'bob', account: true };
const DM_ROOM = 'dm-0123456789abcdef0123456789abcdef';

function msg(seq: number, from: User, text: string, extras: Partial<ChatMessage> = {}): ChatMessage {
  return { type: 'message', room: 'general', seq, id: String(seq), clientId: `c-${seq}`, from, text, ts: T0 + seq, ...extras };
}

describe('wanted: what a notify level asks for', () => {
  const plain = msg(1, BOB, 'hello');
  const mention = msg(2, BOB, '@alice look', { mentions: [ME.id] });
  const otherMention = msg(3, BOB, '@carol look', { mentions: ['u-carol'] });
  const own = msg(4, ME, 'mine @alice', { mentions: [ME.id] });

  it('all: every message of others; mentions: those naming me; none: nothing; never my own', () => {
    expect([plain, mention, otherMention, own].map((m) => wanted('all', m, ME.id))).toEqual([true, true, true, false]);
    expect([plain, mention, otherMention, own].map((m) => wanted('mentions', m, ME.id))).toEqual([false, true, false, false]);
    expect([plain, mention, otherMention, own].map((m) => wanted('none', m, ME.id))).toEqual([false, false, false, false]);
    expect(wanted('all', plain, undefined)).toBe(false); // not signed in yet: nobody to notify
  });

  it('defaults to all in DMs and mentions elsewhere until the server says', () => {
    expect(notifyLevel(newRoom(DM_ROOM))).toBe('all');
    expect(notifyLevel(newRoom('general'))).toBe('mentions');
    expect(notifyLevel({ ...newRoom('general'), notify: 'none' })).toBe('none');
    expect(notifyLevel({ ...newRoom(DM_ROOM), notify: 'mentions' })).toBe('mentions');
  });
});

describe('notificationOf', () => {
  it('titles a DM by the sender and a room by sender and room, one tag per room, data like a push body', () => {
    const room = { ...newRoom('general'), kind: 'public' as const };
    expect(notificationOf(room, msg(7, BOB, 'hi there'))).toEqual({
      title: 'bob · #general',
      body: 'hi there',
      tag: 'room:general',
      data: { room: 'general', seq: 7, from: 'bob', text: 'hi there' },
    });
    const dm = { ...newRoom(DM_ROOM), peer: 'bob' };
    expect(notificationOf(dm, msg(8, BOB, 'psst', { room: DM_ROOM })).title).toBe('bob');
  });

  it('cuts the text to 200 characters, and names the files of a message without text', () => {
    const room = newRoom('general');
    expect(notificationOf(room, msg(1, BOB, 'x'.repeat(500))).body).toHaveLength(200);
    const files = [
      { id: 'f1', name: 'plan.pdf', size: 1, type: 'application/pdf', url: './f1' },
      { id: 'f2', name: 'cat.png', size: 1, type: 'image/png', url: './f2' },
    ];
    expect(notificationOf(room, msg(2, BOB, '', { files })).body).toBe('plan.pdf, cat.png');
  });
});

describe('PageNotifications', () => {
  function page(options: { hidden?: boolean; prefs?: Partial<NotifyPrefs>; permission?: NotificationPermission | null; status?: 'online' | 'offline' } = {}) {
    const shown: PageNotification[] = [];
    const tones = { n: 0 };
    const state = { ...initialState(), me: ME, status: options.status ?? 'online' };
    const notifier = new PageNotifications({
      state,
      hidden: () => options.hidden ?? true,
      prefs: () => ({ device: true, sound: false, ...options.prefs }),
      permission: () => (options.permission === undefined ? 'granted' : options.permission),
      show: (n) => shown.push(n),
      tone: () => tones.n++,
    });
    return { notifier, shown, tones };
  }
  const general: Pick<RoomState, 'name' | 'kind' | 'peer' | 'notify'> = { name: 'general', kind: 'public', peer: null, notify: null };
  const dm: Pick<RoomState, 'name' | 'kind' | 'peer' | 'notify'> = { name: DM_ROOM, kind: 'dm', peer: 'bob', notify: null };

  it('shows a mention in a room (default mentions) and any DM message (default all) while the tab is hidden', () => {
    const p = page();
    expect(p.notifier.live(general, msg(1, BOB, 'just chatting'))).toEqual({ shown: false, tone: false });
    expect(p.notifier.live(general, msg(2, BOB, '@alice?', { mentions: [ME.id] }))).toEqual({ shown: true, tone: false });
    expect(p.notifier.live(dm, msg(3, BOB, 'psst', { room: DM_ROOM }))).toEqual({ shown: true, tone: false });
    expect(p.shown.map((n) => n.data.seq)).toEqual([2, 3]);
  });

  it('follows the room level: all shows everything, none nothing (not even a DM)', () => {
    const p = page();
    p.notifier.live({ ...general, notify: 'all' }, msg(1, BOB, 'anything'));
    p.notifier.live({ ...dm, notify: 'none' }, msg(2, BOB, 'psst', { room: DM_ROOM }));
    p.notifier.live({ ...general, notify: 'none' }, msg(3, BOB, '@alice', { mentions: [ME.id] }));
    expect(p.shown.map((n) => n.data.seq)).toEqual([1]);
  });

  it('never for my own message, a visible tab, a closed socket, without the permission, or turned off here', () => {
    const mention = msg(1, BOB, '@alice', { mentions: [ME.id] });
    expect(page().notifier.live(general, { ...mention, from: ME }).shown).toBe(false);
    expect(page({ hidden: false }).notifier.live(general, mention).shown).toBe(false);
    expect(page({ status: 'offline' }).notifier.live(general, mention).shown).toBe(false);
    expect(page({ permission: 'default' }).notifier.live(general, mention).shown).toBe(false);
    expect(page({ permission: 'denied' }).notifier.live(general, mention).shown).toBe(false);
    expect(page({ permission: null }).notifier.live(general, mention).shown).toBe(false);
    expect(page({ prefs: { device: false } }).notifier.live(general, mention).shown).toBe(false);
    expect(page().notifier.live(general, mention).shown).toBe(true);
  });

  it('plays the tone with the sound on, for what the level wants, even without the permission', () => {
    const p = page({ prefs: { device: false, sound: true }, permission: 'default' });
    p.notifier.live(general, msg(1, BOB, 'no mention'));
    expect(p.tones.n).toBe(0);
    expect(p.notifier.live(general, msg(2, BOB, '@alice', { mentions: [ME.id] }))).toEqual({ shown: false, tone: true });
    expect(p.tones.n).toBe(1);
    expect(p.shown).toEqual([]);
    const visible = page({ hidden: false, prefs: { sound: true } });
    visible.notifier.live(dm, msg(3, BOB, 'psst', { room: DM_ROOM }));
    expect(visible.tones.n).toBe(0);
  });
});

describe('the preferences in localStorage', () => {
  it('are off until turned on; sign-out forgets the device choice but keeps the sound', () => {
    const storage = new MemoryStorage();
    expect(loadNotifyPrefs(storage)).toEqual({ device: false, sound: false });
    saveNotifyPref(storage, 'device', true);
    saveNotifyPref(storage, 'sound', true);
    expect(loadNotifyPrefs(storage)).toEqual({ device: true, sound: true });
    const h = harness({ storage });
    h.client.signedOut();
    expect(loadNotifyPrefs(storage)).toEqual({ device: false, sound: true });
    saveNotifyPref(storage, 'sound', false);
    expect(loadNotifyPrefs(storage).sound).toBe(false);
  });
});

describe('ChatClient onLive', () => {
  useFakeTimers();

  it('reports live messages of others only: not the join history, not my own, not a duplicate, not a resume', async () => {
    const live: Array<[string, number]> = [];
    const h = harness({ onLive: (room, m) => live.push([room.name, m.seq]) });
    h.client.start('alice');
    h.connect({ joined: { lobby: { history: [message(1), message(2)] } } });
    expect(live).toEqual([]); // the join's history is not news
    h.socket.receive(message(3));
    h.socket.receive(message(3)); // the same again
    h.socket.receive(message(4, { id: h.state.me!.id, nick: 'alice' }, 'mine', 'a-4'));
    expect(live).toEqual([['lobby', 3]]);
    // The connection drops; the resume brings what was missed inside `joined`: no notification.
    h.socket.drop();
    await vi.advanceTimersByTimeAsync(1000);
    const socket = h.socket;
    socket.open();
    socket.receive({ type: 'welcome', protocol: 1, user: h.state.me!, online: 1, serverTime: T0 });
    const join = socket.last('join');
    expect(join.since).toBe(4);
    socket.receive(withRef(join, joined('lobby', { history: [message(5), message(6)] })));
    expect(h.room().messages.map((m) => m.seq)).toContain(6);
    expect(live).toEqual([['lobby', 3]]);
    socket.receive(message(7));
    expect(live).toEqual([
      ['lobby', 3],
      ['lobby', 7],
    ]);
  });

  it("takes each room's level from api/me/rooms, and keeps the default where the server sends none", async () => {
    const list: ListedRoom[] = [
      { name: 'lobby', kind: 'public', lastSeq: 0, readSeq: 0, unread: 0, mentions: 0, notify: 'all' },
      { name: 'quiet', kind: 'public', lastSeq: 0, readSeq: 0, unread: 0, mentions: 0, notify: 'none' },
      { name: DM_ROOM, kind: 'dm', lastSeq: 0, readSeq: 0, unread: 0, mentions: 0, notify: 'bogus' as 'all', peer: BOB },
    ];
    const hooks: AccountHooks = { sessionValid: async () => true, guestsAllowed: async () => true, rooms: async () => [], myRooms: async () => list };
    const f = clientFixture({ accounts: hooks });
    f.client.signedIn(ME);
    f.socket.open();
    f.socket.receive({ type: 'welcome', protocol: 1, user: ME, online: 1, serverTime: T0 });
    await settle();
    expect(f.room('lobby').notify).toBe('all');
    expect(f.room('quiet').notify).toBe('none');
    expect(f.room(DM_ROOM).notify).toBeNull(); // an unknown level is not taken
    expect(notifyLevel(f.room(DM_ROOM))).toBe('all');
    expect(f.client.guestToken()).toBeNull(); // an account sends its cookie, not a token
  });
});

describe('playTone', () => {
  it('plays one short quiet sine that fades in and out, resuming a suspended context', () => {
    const calls: string[] = [];
    const param = (name: string) => ({
      setValueAtTime: (v: number, t: number) => calls.push(`${name}=${v}@${t}`),
      linearRampToValueAtTime: (v: number, t: number) => calls.push(`${name}->${v}@${t}`),
      exponentialRampToValueAtTime: (v: number, t: number) => calls.push(`${name}~>${v}@${t}`),
    });
    const oscillator = { type: '', frequency: param('f'), connect: () => calls.push('osc->gain'), start: (t: number) => calls.push(`start@${t}`), stop: (t: number) => calls.push(`stop@${t}`) };
    const context: ToneContext = {
      currentTime: 10,
      destination: 'speakers',
      resume: vi.fn(async () => {}),
      createOscillator: () => oscillator,
      createGain: () => ({ gain: param('g'), connect: (node: unknown) => calls.push(`gain->${String(node)}`) }),
    };
    playTone(context);
    expect(context.resume).toHaveBeenCalled();
    expect(oscillator.type).toBe('sine');
    expect(calls).toContain('g=0@10');
    expect(calls).toContain('g->0.08@10.02');
    expect(calls).toContain('gain->speakers');
    expect(calls).toContain('start@10');
    const stop = calls.find((c) => c.startsWith('stop@'))!;
    expect(Number(stop.slice(5)) - 10).toBeLessThan(0.5); // short
  });
});
