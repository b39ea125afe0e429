// Who is connecting, over WebSocket. Session tokens (?token=, cookie `session`), bearer
// tokens (Authorization: Bearer), refused tokens, ALLOW_GUESTS=false, registered nicks reserved
// from guests (docs/protocol.md: Connecting; Accounts, private rooms and moderation).
import { describe, expect, it } from 'vitest';
import type { NickReplyFrame } from '@chat/protocol';
import { TestClient, trackResources } from '../helpers.js';
import { barrier, ok, refused, world } from './world.js';

const res = trackResources();

describe('signing in over WebSocket', () => {
  it('a session token in ?token= gives welcome with the account user, and no token in welcome', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const c = await w.connect({ token: alice.token });
    expect(c.welcome).toMatchObject({ type: 'welcome', protocol: 1, user: { id: alice.user.id, nick: 'alice' } });
    expect(c.welcome).not.toHaveProperty('token');
  });

  it('the `session` cookie signs in the same way', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const c = await w.connect({}, { Cookie: `theme=dark; session=${alice.token}; other=1` });
    expect(c.welcome.user).toEqual({ id: alice.user.id, nick: 'alice', account: true });
    expect(c.welcome).not.toHaveProperty('token');
  });

  it('a bearer token in Authorization: Bearer signs in (bots, CLI clients)', async () => {
    const w = await world(res);
    const bot = await w.account('botty');
    const { token } = await w.store.issueToken(bot.user.id, 'bearer', { name: 'ci' });
    const c = await w.connect({}, { Authorization: `Bearer ${token}` });
    expect(c.welcome.user).toEqual({ id: bot.user.id, nick: 'botty', account: true });
    expect(c.welcome).not.toHaveProperty('token');
    // The same bearer token also works as ?token= (docs/protocol.md, Connecting: Query parameters).
    const d = await w.connect({ token });
    expect(d.welcome.user.id).toBe(bot.user.id);
  });

  it('two connections of one account are the same user (one online user)', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const a1 = await alice.connect();
    const a2 = await w.connect({}, { Cookie: `session=${alice.token}` });
    expect(a2.welcome.user.id).toBe(a1.welcome.user.id);
    expect(a2.welcome.online).toBe(1);
  });

  it('an unknown token is refused with HTTP 401, whichever way it comes', async () => {
    const w = await world(res);
    await w.account('alice');
    await expect(TestClient.connect(w.server, { query: { token: 'not-a-token' } })).rejects.toThrow('HTTP 401');
    // A well-formed but unknown session cookie is refused; a malformed one counts as no cookie.
    await expect(TestClient.connect(w.server, { headers: { Cookie: `session=${'A'.repeat(43)}` } })).rejects.toThrow('HTTP 401');
    await expect(TestClient.connect(w.server, { headers: { Authorization: 'Bearer not-a-token' } })).rejects.toThrow('HTTP 401');
  });

  it('a revoked session token is refused with HTTP 401 (logout), a revoked bearer token too', async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const before = await alice.connect();
    expect(before.welcome.user.id).toBe(alice.user.id);
    await w.store.revokeToken(alice.token);
    await expect(TestClient.connect(w.server, { query: { token: alice.token } })).rejects.toThrow('HTTP 401');
    await expect(TestClient.connect(w.server, { headers: { Cookie: `session=${alice.token}` } })).rejects.toThrow('HTTP 401');

    const bearer = await w.store.issueToken(alice.user.id, 'bearer', { name: 'bot' });
    await w.connect({}, { Authorization: `Bearer ${bearer.token}` });
    expect(await w.store.revokeTokenById(alice.user.id, bearer.id)).toBe(true);
    await expect(TestClient.connect(w.server, { headers: { Authorization: `Bearer ${bearer.token}` } })).rejects.toThrow('HTTP 401');
    // A fresh session (a new login) still works.
    const { token } = await w.store.issueToken(alice.user.id, 'session');
    expect((await w.connect({ token })).welcome.user.id).toBe(alice.user.id);
  });
});

// Credentials off the URL. A token in the query string lands in proxy access logs and
// browser history; the web client offers it as a WebSocket subprotocol instead (docs/protocol.md,
// The token as a subprotocol), which needs no state shared between nodes.
describe('a token in Sec-WebSocket-Protocol', () => {
  const offer = (token: string) => ['chat', `token.${token}`];

  it('restores a guest, signs in an account or a bot; the server answers `chat`, never the token', async () => {
    const w = await world(res);
    const first = await w.guest('visitor');
    const token = first.welcome.token!;
    const again = await TestClient.connect(w.server, { protocols: offer(token) });
    expect(again.ws.protocol).toBe('chat');
    expect(again.welcome.user).toEqual(first.welcome.user);
    expect(again.welcome.token).toBe(token);
    await again.close();

    const alice = await w.account('alice');
    const a = await TestClient.connect(w.server, { protocols: offer(alice.token) });
    expect(a.welcome.user).toEqual({ id: alice.user.id, nick: 'alice', account: true });
    expect(a.ws.protocol).toBe('chat');
    await a.close();
    // The order of the offer does not matter, and `chat` is still the one chosen.
    const bot = await w.store.issueToken(alice.user.id, 'bearer', { name: 'bot' });
    const b = await TestClient.connect(w.server, { protocols: [`token.${bot.token}`, 'chat'] });
    expect(b.welcome.user.id).toBe(alice.user.id);
    expect(b.ws.protocol).toBe('chat');
    await b.close();
  });

  it('an unknown token is refused with 401, as in ?token=; a plain `chat` offer is a new guest', async () => {
    const w = await world(res);
    await expect(TestClient.connect(w.server, { protocols: offer('not-a-token') })).rejects.toThrow('HTTP 401');
    const g = await TestClient.connect(w.server, { query: { nick: 'plain' }, protocols: ['chat'] });
    expect(g.ws.protocol).toBe('chat');
    expect(g.welcome.user.nick).toBe('plain');
    await g.close();
  });

  it('wins over the session cookie, as ?token= does', async () => {
    const w = await world(res);
    const [alice, bob] = await w.accounts('alice', 'bob');
    const c = await TestClient.connect(w.server, { protocols: offer(bob.token), headers: { Cookie: `session=${alice.token}` } });
    expect(c.welcome.user.id).toBe(bob.user.id);
    await c.close();
  });
});

describe('session expiry', () => {
  it('an expired session token is refused with HTTP 401', async () => {
    const w = await world(res, {}, { sessionTtlMs: 150 });
    const alice = await w.account('alice');
    expect((await alice.connect()).welcome.user.id).toBe(alice.user.id);
    // Time has to pass here: there is no frame to wait for.
    await new Promise((r) => setTimeout(r, 200));
    await expect(TestClient.connect(w.server, { query: { token: alice.token } })).rejects.toThrow('HTTP 401');
    // Bearer tokens do not expire.
    const bearer = await w.store.issueToken(alice.user.id, 'bearer');
    expect((await w.connect({}, { Authorization: `Bearer ${bearer.token}` })).welcome.user.id).toBe(alice.user.id);
  });
});

describe('ALLOW_GUESTS=false', () => {
  it('refuses anonymous upgrades with 401 (with or without ?nick=) while a token works', async () => {
    const w = await world(res, { allowGuests: false });
    const alice = await w.account('alice');
    await expect(TestClient.connect(w.server)).rejects.toThrow('HTTP 401');
    await expect(TestClient.connect(w.server, { query: { nick: 'visitor' } })).rejects.toThrow('HTTP 401');
    const c = await alice.connect();
    expect(c.welcome.user).toEqual({ id: alice.user.id, nick: 'alice', account: true });
    const d = await w.connect({}, { Cookie: `session=${alice.token}` });
    expect(d.welcome.user.id).toBe(alice.user.id);
  });

  it('guests are allowed by default', async () => {
    const w = await world(res);
    const g = await w.guest('visitor');
    expect(g.welcome.user.nick).toBe('visitor');
    expect(typeof g.welcome.token).toBe('string');
  });
});

describe('registered nicks are reserved', () => {
  it('a guest ?nick= that an account owns is refused with 409, case-insensitively', async () => {
    const w = await world(res);
    await w.account('alice');
    await expect(TestClient.connect(w.server, { query: { nick: 'alice' } })).rejects.toThrow('HTTP 409');
    await expect(TestClient.connect(w.server, { query: { nick: 'Alice' } })).rejects.toThrow('HTTP 409');
    await expect(TestClient.connect(w.server, { query: { nick: ' ALICE ' } })).rejects.toThrow('HTTP 409');
    // A nick nobody registered is fine.
    expect((await w.guest('alicia')).welcome.user.nick).toBe('alicia');
  });

  it('a guest `nick` frame taking a registered username gets nick_taken and keeps its nick', async () => {
    const w = await world(res);
    await w.account('alice');
    const g = await w.guest('visitor');
    await refused(g, { type: 'nick', nick: 'alice' }, 'nick_taken');
    await refused(g, { type: 'nick', nick: 'Alice' }, 'nick_taken');
    await barrier(g);
    // Still the same nick; a free nick still works.
    const renamed = await ok<NickReplyFrame>(g, { type: 'nick', nick: 'bobby' }, 'nick');
    expect(renamed.nick).toBe('bobby');
  });

  it("an account's `nick` frame is forbidden (its nick is its username)", async () => {
    const w = await world(res);
    const alice = await w.account('alice');
    const c = await alice.connect();
    await refused(c, { type: 'nick', nick: 'queen' }, 'forbidden');
    await barrier(c);
    // The account is still alice to the others.
    const again = await alice.connect();
    expect(again.welcome.user.nick).toBe('alice');
  });
});

// Lookalike nicks: a guest must not pass for an account. Nicks are NFKC-normalized, invisible and
// bidirectional-control characters are refused, and a nick whose skeleton (Unicode TR39
// confusables, case and accents ignored) is an account's username is that account's.
describe('lookalike nicks', () => {
  const invisible = {
    'zero-width space': 'al\u200Bice',
    'zero-width joiner': 'ali\u200Dce',
    'word joiner': 'alice\u2060',
    'soft hyphen': 'al\u00ADice',
    'BOM / zero-width no-break space': 'ali\uFEFFce',
    'right-to-left override': '\u202Eecila',
    'left-to-right isolate': 'a\u2066lice\u2069',
    'arabic letter mark': 'alice\u061C',
    'right-to-left mark': 'alice\u200F',
    'hangul filler': 'alice\u3164',
    'variation selector': 'alice\uFE0F',
    'tag character': 'alice\u{E0041}',
    'line separator': 'ali\u2028ce',
  };

  it.each(Object.entries(invisible))('a nick with a %s is refused: HTTP 400 on the upgrade, invalid_nick as a frame', async (_, nick) => {
    const w = await world(res);
    await expect(TestClient.connect(w.server, { query: { nick } })).rejects.toThrow('HTTP 400');
    const g = await w.guest('visitor');
    await refused(g, { type: 'nick', nick }, 'invalid_nick');
  });

  it('a nick is NFKC-normalized: fullwidth letters and ligatures become plain ones', async () => {
    const w = await world(res);
    expect((await w.guest('ｂｏｂ')).welcome.user.nick).toBe('bob');
    const g = await w.guest('visitor');
    expect((await ok<NickReplyFrame>(g, { type: 'nick', nick: 'ﬁona' }, 'nick')).nick).toBe('fiona');
    // Letters of other scripts stay welcome when they pass for no account.
    expect((await w.guest('Zoë')).welcome.user.nick).toBe('Zoë');
    expect((await w.guest('小明')).welcome.user.nick).toBe('小明');
    expect((await w.guest('Дмитрий')).welcome.user.nick).toBe('Дмитрий');
  });

  const lookalikes = {
    'Cyrillic а': '\u0430lice',
    'fullwidth': 'ａｌｉｃｅ',
    'Greek and Cyrillic mixed': '\u03B1l\u0456c\u0435',
    'digit one for l': 'a1ice',
    'capital I for l': 'AIice',
    'accent on a letter': 'alicé',
    'mathematical bold': '𝐚𝐥𝐢𝐜𝐞',
  };

  it.each(Object.entries(lookalikes))('a guest cannot pass as the account alice with a %s nick (409, nick_taken)', async (_, nick) => {
    const w = await world(res);
    await w.account('alice');
    await expect(TestClient.connect(w.server, { query: { nick } })).rejects.toThrow('HTTP 409');
    const g = await w.guest('visitor');
    await refused(g, { type: 'nick', nick }, 'nick_taken');
  });

  it('rn for m: a guest cannot pass as the account mary with rnary', async () => {
    const w = await world(res);
    await w.account('mary');
    await expect(TestClient.connect(w.server, { query: { nick: 'rnary' } })).rejects.toThrow('HTTP 409');
    expect((await w.guest('marv')).welcome.user.nick).toBe('marv');
  });

  it('an ADMIN_USERS name is reserved before its account exists: a guest can neither take it nor a lookalike', async () => {
    const w = await world(res, { adminUsers: ['root'] });
    for (const nick of ['root', 'Root', 'r00t', 'ｒｏｏｔ']) {
      await expect(TestClient.connect(w.server, { query: { nick } }), nick).rejects.toThrow('HTTP 409');
    }
    const g = await w.guest('visitor');
    await refused(g, { type: 'nick', nick: 'R00T' }, 'nick_taken');
    expect((await w.guest('rooted')).welcome.user.nick).toBe('rooted');
  });

  it('a returning guest whose nick is refused now (stored before these rules) gets a fresh guest nick', async () => {
    const w = await world(res);
    // Guests made by an older release, straight in the store: one a lookalike of an account
    // registered since, one with a zero-width space.
    const lookalike = await w.store.createGuest('\u0430lice');
    const hidden = await w.store.createGuest('bo\u200Bb');
    await w.account('alice');
    for (const issued of [lookalike, hidden]) {
      const c = await w.connect({ token: issued.token });
      expect(c.welcome.user.id).toBe(issued.user.id);
      expect(c.welcome.user.nick).toMatch(/^guest-\d+$/);
      expect((await w.store.userById(issued.user.id))?.nick).toBe(c.welcome.user.nick);
    }
  });
});
