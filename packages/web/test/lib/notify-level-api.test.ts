// The bell's request (AccountApi.setNotify, issue 19) against the real server's
// `PUT api/me/rooms/R` (docs/protocol.md, "Mentions, read state and the user's rooms"): a guest's
// token as a bearer, the level kept server-side (`GET api/me/rooms` says it), a room not in the
// list and a bad token refused in terms the menu can put into words.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, TestClient, type TestServer } from '../../../server/test/helpers.js';
import { AccountApi } from '../../src/lib/account-api.js';

let server: TestServer;
let api: AccountApi;

beforeAll(async () => {
  server = await startServer();
  api = new AccountApi((path) => new URL(path, `${server.httpUrl}/`).href, (url, init) => fetch(url, init));
});
afterAll(async () => {
  await server?.close();
});

describe('AccountApi.setNotify on the real server', () => {
  it("sets a guest's level of a room in its list, which api/me/rooms then gives; other rooms and bad tokens are refused", async () => {
    const carol = await TestClient.connect(server, { query: { nick: 'carol' } });
    const token = carol.welcome.token!;
    await carol.request({ type: 'join', room: 'lobby' });
    await carol.request({ type: 'join', room: 'quiet' });
    const before = await api.myRooms(token);
    expect(before?.find((r) => r.name === 'quiet')?.notify).toBe('mentions'); // the default outside DMs

    expect((await api.setNotify('quiet', 'none', token)).ok).toBe(true);
    expect((await api.setNotify('lobby', 'all', token)).ok).toBe(true);
    const after = await api.myRooms(token);
    expect(after?.find((r) => r.name === 'quiet')?.notify).toBe('none');
    expect(after?.find((r) => r.name === 'lobby')?.notify).toBe('all');

    expect(await api.setNotify('elsewhere', 'all', token)).toEqual({ ok: false, failure: { kind: 'not_found' } });
    expect(await api.setNotify('quiet', 'all', 'not-a-token')).toEqual({ ok: false, failure: { kind: 'wrong' } });
    expect((await api.setNotify('quiet', 'loud' as 'all', token)).ok).toBe(false);
    expect((await api.myRooms(token))?.find((r) => r.name === 'quiet')?.notify).toBe('none');
    await carol.close();
  });
});
