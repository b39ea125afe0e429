// The service worker's notificationclick handler (issue 19): the notification is closed, an open
// window of the app is focused and told which message to open, or a window opens at that
// message's permalink relative to the scope (so under /wsline/ it stays under /wsline/).
import { describe, expect, it } from 'vitest';
import { handleNotificationClick, messageOf } from '../../src/sw/click.js';
import { FakeClients, FakeRegistration, FakeWindow, SCOPE } from './sw-doubles.js';

function notification(data: unknown) {
  const n = { data, closed: false, close: () => void (n.closed = true) };
  return n;
}

describe('notification click', () => {
  it('focuses the open window of the app and asks it to open the room at the message', async () => {
    const other = new FakeWindow('https://chat.example.org/other-app/');
    const app = new FakeWindow(`${SCOPE}#room=lobby`);
    const clients = new FakeClients([other, app]);
    const n = notification({ room: 'random', seq: 42 });
    await handleNotificationClick(n, { clients, registration: new FakeRegistration() });
    expect(n.closed).toBe(true);
    expect(app.focusCalls).toBe(1);
    expect(app.messages).toEqual([{ type: 'open-message', room: 'random', seq: 42 }]);
    // Not a window of this app (outside the scope): left alone, and no new window.
    expect(other.focusCalls).toBe(0);
    expect(other.messages).toEqual([]);
    expect(clients.opened).toEqual([]);
    // Every window, also one the worker does not control yet (opened before it activated).
    expect(clients.queries).toEqual([{ type: 'window', includeUncontrolled: true }]);
  });

  it('prefers the focused window of the app when several are open', async () => {
    const first = new FakeWindow(SCOPE);
    const focused = new FakeWindow(`${SCOPE}?x=1`, true);
    await handleNotificationClick(notification({ room: 'lobby', seq: 3 }), { clients: new FakeClients([first, focused]), registration: new FakeRegistration() });
    expect(focused.messages).toEqual([{ type: 'open-message', room: 'lobby', seq: 3 }]);
    expect(first.messages).toEqual([]);
  });

  it('still sends the message when the browser refuses the focus', async () => {
    const app = new FakeWindow(SCOPE, false, 'hidden', true);
    await handleNotificationClick(notification({ room: 'lobby', seq: 9 }), { clients: new FakeClients([app]), registration: new FakeRegistration() });
    expect(app.focusCalls).toBe(1);
    expect(app.messages).toEqual([{ type: 'open-message', room: 'lobby', seq: 9 }]);
  });

  it('opens a window at the permalink, relative to the scope, when none is open', async () => {
    const clients = new FakeClients([new FakeWindow('https://chat.example.org/elsewhere/')]);
    const n = notification({ room: 'dm:alice:bob', seq: 7 });
    await handleNotificationClick(n, { clients, registration: new FakeRegistration() });
    expect(n.closed).toBe(true);
    expect(clients.opened).toEqual([`${SCOPE}#room=dm%3Aalice%3Abob&seq=7`]);
    // The page reads it back as the same room and seq.
    const hash = new URLSearchParams(new URL(clients.opened[0]!).hash.slice(1));
    expect([hash.get('room'), hash.get('seq')]).toEqual(['dm:alice:bob', '7']);
  });

  it('opens the app itself for a notification without our data', async () => {
    const clients = new FakeClients();
    await handleNotificationClick(notification({ room: 'lobby', seq: -1 }), { clients, registration: new FakeRegistration() });
    expect(clients.opened).toEqual([SCOPE]);
    for (const bad of [null, 'x', { room: 1, seq: 1 }, { room: '', seq: 1 }, { room: 'a', seq: 1.5 }]) expect(messageOf(bad)).toBeNull();
  });
});
