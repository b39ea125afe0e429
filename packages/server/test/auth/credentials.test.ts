// Reading credentials (auth/credentials.ts) as both the HTTP routes and the WebSocket gateway see
// them: the `session` cookie among others, Authorization: Bearer, and the Set-Cookie we send.
import { describe, expect, it } from 'vitest';
import { bearerToken, chooseProtocol, clearedSessionCookie, protocolToken, readSessionCookie, sessionCookie } from '../../src/auth/credentials.js';

const TOKEN = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcde';

describe('readSessionCookie', () => {
  it.each([
    [`session=${TOKEN}`, TOKEN],
    [`theme=dark; session=${TOKEN}; lang=en`, TOKEN],
    [`session="${TOKEN}"`, TOKEN],
    [`xsession=${TOKEN}`, null],
    [`session_old=${TOKEN}`, null],
    ['session=', null],
    ['session=short', null],
    ['session=has space in it but long', null],
    [`session=bad%00token; session=${TOKEN}`, TOKEN],
    ['', null],
  ])('%j -> %j', (header, expected) => {
    expect(readSessionCookie({ cookie: header })).toBe(expected);
  });

  it('is null without a Cookie header', () => {
    expect(readSessionCookie({})).toBeNull();
  });
});

describe('bearerToken', () => {
  it.each([
    [`Bearer ${TOKEN}`, TOKEN],
    [`bearer ${TOKEN}`, TOKEN],
    [`Bearer  ${TOKEN} `, TOKEN],
    [`Basic ${TOKEN}`, null],
    ['Bearer', null],
    ['Bearer a b', null],
    [undefined, null],
  ])('%j -> %j', (header, expected) => {
    expect(bearerToken(header === undefined ? {} : { authorization: header })).toBe(expected);
  });
});

describe('protocolToken and chooseProtocol (Sec-WebSocket-Protocol)', () => {
  it.each([
    [`chat, token.${TOKEN}`, TOKEN],
    [`token.${TOKEN}, chat`, TOKEN],
    [`chat,token.${TOKEN}`, TOKEN],
    ['chat', null],
    ['token', null],
    ['', null],
    [undefined, null],
  ])('%j -> %j', (header, expected) => {
    expect(protocolToken(header === undefined ? {} : { 'sec-websocket-protocol': header })).toBe(expected);
  });

  it('answers chat when offered and nothing else, never the token entry', () => {
    expect(chooseProtocol(new Set(['chat', `token.${TOKEN}`]))).toBe('chat');
    expect(chooseProtocol(new Set([`token.${TOKEN}`, 'chat']))).toBe('chat');
    expect(chooseProtocol(new Set([`token.${TOKEN}`]))).toBe(false);
    expect(chooseProtocol(new Set(['other']))).toBe(false);
  });
});

describe('Set-Cookie', () => {
  it('sets HttpOnly, SameSite=Lax, Path=/ and 30 days; Secure only when asked', () => {
    expect(sessionCookie(TOKEN, false)).toBe(`session=${TOKEN}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax`);
    expect(sessionCookie(TOKEN, true)).toBe(`session=${TOKEN}; Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax; Secure`);
    expect(() => sessionCookie('bad;token=x', false)).toThrow();
  });

  it('clears with the same attributes', () => {
    expect(clearedSessionCookie(true)).toBe('session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Secure');
  });
});
