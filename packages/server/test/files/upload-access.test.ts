// Who may upload where (docs/protocol.md, "Files"): whoever may send in the room, signed in with a
// session cookie, an account's bearer token or a guest's token; uploads and guest uploads can be
// turned off; a cross-site form post is refused before anything is read.
import { describe, expect, it } from 'vitest';
import { trackResources } from '../helpers.js';
import { fileWorld, headersOf, upload } from './file-helpers.js';

const { server: start } = trackResources();

describe('who may upload', () => {
  it('needs a caller: signed out or a made-up token is 401', async () => {
    const { server } = await fileWorld(start);
    for (const who of [{}, { bearer: 'x'.repeat(43) }, { cookie: 'session=bogusbogusbogusbogus' }]) {
      const res = await upload(server, 'lobby', 'hello', 'a.txt', who);
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ error: 'unauthorized', message: expect.any(String) });
    }
  });

  it('takes a session cookie, an account bearer token and a guest token', async () => {
    const { server, alice, guestToken } = await fileWorld(start);
    expect((await upload(server, 'lobby', 'a', 'a.txt', { cookie: alice.cookie })).status).toBe(201);
    const token = await fetch(`${server.httpUrl}/api/auth/tokens`, {
      method: 'POST',
      headers: { ...headersOf(server, { cookie: alice.cookie }), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'script' }),
    }).then((r) => r.json() as Promise<{ token: string }>);
    // A script with a bearer token sends no Origin at all.
    expect((await upload(server, 'lobby', 'b', 'b.txt', { bearer: token.token, origin: null })).status).toBe(201);
    expect((await upload(server, 'lobby', 'c', 'c.txt', { bearer: guestToken, origin: null })).status).toBe(201);
  });

  it('is for whoever may send in the room: 404 for no such room, 403 for a private room of others, the banned and the muted', async () => {
    const { server, store, alice, bob } = await fileWorld(start);
    expect((await upload(server, 'nowhere', 'a', 'a.txt', { cookie: alice.cookie })).status).toBe(404);
    await store.createRoom('secret', 'private', alice.user.id);
    const outsider = await upload(server, 'secret', 'a', 'a.txt', { cookie: bob.cookie });
    expect(outsider.status).toBe(403);
    expect(outsider.body).toEqual({ error: 'forbidden', message: expect.any(String) });
    expect((await upload(server, 'secret', 'a', 'a.txt', { cookie: alice.cookie })).status).toBe(201);
    // Having joined the room is not needed: a member who never joined may upload.
    await store.setRole('secret', bob.user.id, 'member');
    expect((await upload(server, 'secret', 'a', 'a.txt', { cookie: bob.cookie })).status).toBe(201);
    await store.mute('secret', bob.user.id, Date.now() + 60_000);
    expect((await upload(server, 'secret', 'a', 'a.txt', { cookie: bob.cookie })).status).toBe(403);
    await store.ensureRoom('town');
    await store.ban('town', bob.user.id);
    expect((await upload(server, 'town', 'a', 'a.txt', { cookie: bob.cookie })).status).toBe(403);
    expect((await upload(server, 'town', 'a', 'a.txt', { cookie: alice.cookie })).status).toBe(201);
  });

  it('UPLOADS=false refuses everyone with 403', async () => {
    const { server, alice, guestToken } = await fileWorld(start, { uploads: false });
    for (const who of [{ cookie: alice.cookie }, { bearer: guestToken }]) {
      const res = await upload(server, 'lobby', 'a', 'a.txt', who);
      expect(res.status).toBe(403);
      expect(res.body).toEqual({ error: 'forbidden', message: expect.stringContaining('off') });
    }
  });

  it('GUEST_UPLOADS=false refuses guests with 403 and still takes accounts', async () => {
    const { server, alice, guestToken } = await fileWorld(start, { guestUploads: false });
    const guest = await upload(server, 'lobby', 'a', 'a.txt', { bearer: guestToken });
    expect(guest.status).toBe(403);
    expect(guest.body).toEqual({ error: 'forbidden', message: expect.stringContaining('guests') });
    expect((await upload(server, 'lobby', 'a', 'a.txt', { cookie: alice.cookie })).status).toBe(201);
  });

  it('refuses a cross-site post with the cookie (CSRF) and takes a same-origin one', async () => {
    const { server, alice } = await fileWorld(start);
    for (const who of [
      { cookie: alice.cookie, origin: 'https://evil.example' },
      { cookie: alice.cookie, origin: null },
      { cookie: alice.cookie, origin: null, headers: { 'sec-fetch-site': 'cross-site' } },
    ]) {
      const res = await upload(server, 'lobby', 'a', 'a.txt', who);
      expect(res.status).toBe(403);
      expect(res.body?.error).toBe('forbidden');
    }
    expect((await upload(server, 'lobby', 'a', 'a.txt', { cookie: alice.cookie, origin: null, headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(201);
  });

  it('wants multipart with the part "file": anything else is 415 or 400', async () => {
    const { server, alice } = await fileWorld(start);
    const json = await fetch(`${server.httpUrl}/api/rooms/lobby/files`, {
      method: 'POST',
      headers: { ...headersOf(server, { cookie: alice.cookie }), 'content-type': 'application/json' },
      body: '{"file":"x"}',
    });
    expect(json.status).toBe(415);
    const form = new FormData();
    form.append('attachment', new Blob(['x']), 'a.txt');
    const wrongPart = await fetch(`${server.httpUrl}/api/rooms/lobby/files`, { method: 'POST', headers: headersOf(server, { cookie: alice.cookie }), body: form });
    expect(wrongPart.status).toBe(400);
    const two = new FormData();
    two.append('file', new Blob(['x']), 'a.txt');
    two.append('file', new Blob(['y']), 'b.txt');
    const twoFiles = await fetch(`${server.httpUrl}/api/rooms/lobby/files`, { method: 'POST', headers: headersOf(server, { cookie: alice.cookie }), body: two });
    expect(twoFiles.status).toBe(400);
    expect(await twoFiles.json()).toEqual({ error: 'bad_request', message: expect.stringContaining('file') });
  });
});
