// The WebSocket upgrade (docs/protocol.md: Connecting): path, guest identity and its token,
// Origin rules, and the welcome frame's online count.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { normalizeNick, type JoinedFrame, type ServerFrame } from '@chat/protocol';
import { rawUpgrade, trackResources, TestClient, type TestServer } from '../helpers.js';

const { server, connect, track } = trackResources();

/** The HTTP status a raw WebSocket upgrade request gets (101 when accepted). */
const upgradeStatus = async (s: TestServer, path: string, headers: Record<string, string> = {}): Promise<number> =>
  (await rawUpgrade(s, path, headers)).status;

const q = (query: Record<string, string>) => `/ws?${new URLSearchParams(query).toString()}`;

describe('path', () => {
  it('accepts /ws (with a query) and refuses other paths with 404', async () => {
    const s = await server();
    expect(await upgradeStatus(s, '/ws')).toBe(101);
    expect(await upgradeStatus(s, q({ nick: 'alice' }))).toBe(101);
    for (const path of ['/', '/wsx', '/ws/', '/ws/extra', '/api/ws', '/wsline/ws', '/WS']) {
      expect(await upgradeStatus(s, path), path).toBe(404);
    }
  });
});

describe('welcome', () => {
  it('is the first frame on the connection', async () => {
    const s = await server();
    const ws = new WebSocket(s.wsUrl({ nick: 'first' }));
    track({ close: async () => void ws.terminate() });
    const first = await new Promise<ServerFrame>((resolve, reject) => {
      ws.once('message', (data) => resolve(JSON.parse(data.toString()) as ServerFrame));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
    expect(first).toMatchObject({ type: 'welcome', protocol: 1, user: { nick: 'first' } });
  });
});

describe('guest identity', () => {
  it('takes the trimmed nick from ?nick=, up to 32 characters', async () => {
    const s = await server();
    expect((await connect(s, { nick: 'alice' })).welcome.user.nick).toBe('alice');
    expect((await connect(s, { nick: '  bob  ' })).welcome.user.nick).toBe('bob');
    expect((await connect(s, { nick: 'n'.repeat(32) })).welcome.user.nick).toBe('n'.repeat(32));
    expect((await connect(s, { nick: 'zoë 😀' })).welcome.user.nick).toBe('zoë 😀');
  });

  it('refuses an invalid nick with 400', async () => {
    const s = await server();
    for (const nick of ['   ', 'n'.repeat(33), 'a\u0001b', 'a\nb', 'tab\there', 'x\u007f']) {
      expect(await upgradeStatus(s, q({ nick })), JSON.stringify(nick)).toBe(400);
    }
    await expect(TestClient.connect(s, { query: { nick: 'n'.repeat(33) } })).rejects.toThrow('HTTP 400');
  });

  it('generates a valid nick and a distinct user for guests without a nick', async () => {
    const s = await server();
    const g1 = await connect(s);
    const g2 = await connect(s);
    for (const g of [g1, g2]) {
      expect(normalizeNick(g.welcome.user.nick)).toBe(g.welcome.user.nick);
      expect(typeof g.welcome.token).toBe('string');
    }
    expect(g1.welcome.user.id).not.toBe(g2.welcome.user.id);
    expect(g1.welcome.token).not.toBe(g2.welcome.token);
  });

  it('restores the same user from ?token=, which wins over ?nick=', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    const token = a.welcome.token as string;
    await a.close();

    const back = await connect(s, { token });
    expect(back.welcome.user).toMatchObject(a.welcome.user);
    expect(typeof back.welcome.token).toBe('string');

    const both = await connect(s, { token, nick: 'mallory' });
    expect(both.welcome.user).toMatchObject(a.welcome.user);

    // A restored connection really is the same user: its messages carry the same id.
    await back.request<JoinedFrame>({ type: 'join', room: 'who' });
    await back.request({ type: 'send', room: 'who', id: 'x', text: 'me' });
    expect(await back.nextOfType('message')).toMatchObject({ from: { id: a.welcome.user.id, nick: 'alice' } });
  });

  it('refuses an unknown token with 401', async () => {
    const s = await server();
    const a = await connect(s);
    const real = a.welcome.token as string;
    for (const token of ['nope', randomBytes(32).toString('hex'), `${real}x`, real.slice(0, -1)]) {
      expect(await upgradeStatus(s, q({ token })), token).toBe(401);
    }
    expect(await upgradeStatus(s, q({ token: 'nope', nick: 'alice' }))).toBe(401);
    await expect(TestClient.connect(s, { query: { token: 'nope' } })).rejects.toThrow('HTTP 401');
  });

  it('a token from another server (another data dir) is unknown', async () => {
    const s1 = await server();
    const s2 = await server();
    const a = await connect(s1);
    expect(await upgradeStatus(s2, q({ token: a.welcome.token as string }))).toBe(401);
  });
});

describe('origin', () => {
  it('allows no Origin and the server’s own origin; refuses others with 403', async () => {
    const s = await server();
    const own = `http://127.0.0.1:${s.port}`;
    expect(await upgradeStatus(s, '/ws')).toBe(101);
    expect(await upgradeStatus(s, '/ws', { Origin: own })).toBe(101);
    expect((await connect(s, { nick: 'o' }, { Origin: own })).welcome.user.nick).toBe('o');

    const refused = [
      'https://evil.example',
      'null',
      `${own}.evil.com`,
      `https://127.0.0.1:${s.port}`,
      `http://127.0.0.1:${s.port + 1 > 65535 ? s.port - 1 : s.port + 1}`,
      `http://localhost:${s.port}`,
      'http://127.0.0.1',
      `http://evil.example/${own}`,
      `${own}@evil.example`,
    ];
    for (const origin of refused) {
      expect(await upgradeStatus(s, '/ws', { Origin: origin }), JSON.stringify(origin)).toBe(403);
    }
    await expect(TestClient.connect(s, { headers: { Origin: 'https://evil.example' } })).rejects.toThrow('HTTP 403');
  });

  it('allows the configured origins exactly, and still the own origin', async () => {
    const s = await server({ allowedOrigins: ['https://chat.example.org', 'http://localhost:5173'] });
    const own = `http://127.0.0.1:${s.port}`;
    for (const origin of ['https://chat.example.org', 'http://localhost:5173', own]) {
      expect(await upgradeStatus(s, '/ws', { Origin: origin }), origin).toBe(101);
    }
    for (const origin of [
      'https://chat.example.org.evil.com',
      'https://evil.chat.example.org',
      'http://chat.example.org',
      'https://chat.example.org:8443',
      'http://localhost:5174',
      'null',
    ]) {
      expect(await upgradeStatus(s, '/ws', { Origin: origin }), origin).toBe(403);
    }
  });

  it('with trustProxy, X-Forwarded-Proto: https makes the own origin https://HOST', async () => {
    const s = await server({ trustProxy: true });
    const host = `127.0.0.1:${s.port}`;
    const xfp = { 'X-Forwarded-Proto': 'https' };
    expect(await upgradeStatus(s, '/ws', { ...xfp, Origin: `https://${host}` })).toBe(101);
    expect(await upgradeStatus(s, '/ws', { ...xfp, Origin: `http://${host}` })).toBe(403);
    expect(await upgradeStatus(s, '/ws', { ...xfp, Origin: `https://${host}.evil.com` })).toBe(403);
    // Without the header the connection is plain http.
    expect(await upgradeStatus(s, '/ws', { Origin: `http://${host}` })).toBe(101);
  });

  it('without trustProxy, X-Forwarded-Proto is ignored', async () => {
    const s = await server({ trustProxy: false });
    const host = `127.0.0.1:${s.port}`;
    const xfp = { 'X-Forwarded-Proto': 'https' };
    expect(await upgradeStatus(s, '/ws', { ...xfp, Origin: `https://${host}` })).toBe(403);
    expect(await upgradeStatus(s, '/ws', { ...xfp, Origin: `http://${host}` })).toBe(101);
  });
});

describe('online', () => {
  it('counts distinct connected users in welcome', async () => {
    const s = await server();
    const a = await connect(s, { nick: 'alice' });
    expect(a.welcome.online).toBe(1);
    const b = await connect(s, { nick: 'bob' });
    expect(b.welcome.online).toBe(2);
    // A second connection of the same user counts once.
    const a2 = await connect(s, { token: a.welcome.token as string });
    expect(a2.welcome.online).toBe(2);
    const c = await connect(s);
    expect(c.welcome.online).toBe(3);
  });
});
