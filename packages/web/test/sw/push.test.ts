// The service worker's push handler (issue 19): the payload of the contract read defensively, a
// notification titled by the sender (and room), its text as body, one tag per room, the app badge
// set to the unread count; nothing shown while a window of the app is in front of the user.
import { describe, expect, it } from 'vitest';
import { handlePush, notificationFor } from '../../src/sw/push.js';
import { FakeClients, FakeRegistration, FakeWindow, fakeNavigator, pushData, SCOPE } from './sw-doubles.js';

const payload = { room: 'lobby', seq: 12, from: 'alice', text: 'lunch at noon?', unread: 5 };

describe('push', () => {
  it('shows the sender in the room, the text, a tag per room, the message as data, and sets the badge', async () => {
    const registration = new FakeRegistration();
    const navigator = fakeNavigator('en-US');
    await handlePush(pushData(payload), { clients: new FakeClients(), registration, navigator });
    expect(registration.shown).toEqual([
      {
        title: 'alice in #lobby',
        options: expect.objectContaining({ body: 'lunch at noon?', tag: 'room:lobby', data: { room: 'lobby', seq: 12 }, icon: `${SCOPE}icon-192.png` }),
      },
    ]);
    expect(navigator.badges).toEqual([5]);
  });

  it('collapses a burst: two messages of one room share a tag, another room has its own', async () => {
    const registration = new FakeRegistration();
    const deps = { clients: new FakeClients(), registration, navigator: fakeNavigator('en') };
    await handlePush(pushData(payload), deps);
    await handlePush(pushData({ ...payload, seq: 13 }), deps);
    await handlePush(pushData({ ...payload, room: 'random' }), deps);
    expect(registration.shown.map((s) => s.options?.tag)).toEqual(['room:lobby', 'room:lobby', 'room:random']);
  });

  it('titles a DM by its sender alone, a mention as such, and speaks Chinese to a Chinese browser', () => {
    expect(notificationFor({ ...payload, room: 'dm-1-2', dm: true }, SCOPE, 'en').title).toBe('alice');
    expect(notificationFor({ ...payload, mention: true }, SCOPE, 'en').title).toBe('alice mentioned you in #lobby');
    expect(notificationFor(payload, SCOPE, 'zh-CN').title).toBe('alice 在 #lobby');
    expect(notificationFor({ ...payload, mention: true }, SCOPE, 'zh-TW').title).toBe('alice 在 #lobby 提到了你');
    expect(notificationFor({ ...payload, text: '' }, SCOPE, 'zh').options.body).toBe('新消息');
    expect(notificationFor({ ...payload, text: '' }, SCOPE, undefined).options.body).toBe('New message');
  });

  it('ignores a bad payload without throwing', async () => {
    const registration = new FakeRegistration();
    const navigator = fakeNavigator('en');
    const deps = { clients: new FakeClients(), registration, navigator };
    for (const body of ['not json', '', '{"room":"lobby"}', { ...payload, seq: 0 }, { ...payload, from: 5 }, null, 42]) {
      await expect(handlePush(pushData(body), deps)).resolves.toBeUndefined();
    }
    await expect(handlePush(null, deps)).resolves.toBeUndefined();
    expect(registration.shown).toEqual([]);
    expect(navigator.badges).toEqual([]);
  });

  it('shows nothing while a window of the app is focused and visible, but still sets the badge', async () => {
    const registration = new FakeRegistration();
    const navigator = fakeNavigator('en');
    await handlePush(pushData(payload), { clients: new FakeClients([new FakeWindow(SCOPE, true, 'visible')]), registration, navigator });
    expect(registration.shown).toEqual([]);
    expect(navigator.badges).toEqual([5]);
    // A window in the background does not count, nor a focused page of the origin outside the
    // app's scope: the notification is shown.
    await handlePush(pushData(payload), { clients: new FakeClients([new FakeWindow(SCOPE, false, 'hidden')]), registration, navigator });
    await handlePush(pushData(payload), { clients: new FakeClients([new FakeWindow('https://chat.example.org/other/', true)]), registration, navigator });
    expect(registration.shown).toHaveLength(2);
  });

  it('works without the badge API, and when the badge is refused', async () => {
    const registration = new FakeRegistration();
    await handlePush(pushData(payload), { clients: new FakeClients(), registration, navigator: fakeNavigator('en', false) });
    const refusing = { language: 'en', setAppBadge: () => Promise.reject(new Error('NotAllowedError')) };
    await handlePush(pushData(payload), { clients: new FakeClients(), registration, navigator: refusing });
    expect(registration.shown).toHaveLength(2);
  });
});
