// The small pure helpers of the web client: linkify (safe links), Backoff (reconnect delays), the
// URLs derived from the page's location (reverse proxy under a prefix), and avatar initials.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Backoff } from '../src/lib/backoff.js';
import { avatarText } from '../src/lib/format.js';
import { linkify, type Segment } from '../src/lib/linkify.js';
import { httpUrl, webSocketUrl } from '../src/lib/urls.js';

const joinText = (segments: Segment[]) => segments.map((s) => s.text).join('');
const links = (segments: Segment[]) => segments.filter((s) => s.kind === 'link');

describe('linkify', () => {
  it('leaves text without links as one text segment', () => {
    expect(linkify('hello bob')).toEqual([{ kind: 'text', text: 'hello bob' }]);
    expect(linkify('')).toEqual([]);
  });

  it('makes http and https URLs links, keeping the text around them', () => {
    expect(linkify('see https://example.org/a?b=1#c now')).toEqual([
      { kind: 'text', text: 'see ' },
      { kind: 'link', text: 'https://example.org/a?b=1#c', href: 'https://example.org/a?b=1#c' },
      { kind: 'text', text: ' now' },
    ]);
    expect(linkify('http://example.org')).toEqual([{ kind: 'link', text: 'http://example.org', href: 'http://example.org/' }]);
    expect(links(linkify('HTTPS://Example.ORG/x'))).toEqual([{ kind: 'link', text: 'HTTPS://Example.ORG/x', href: 'https://example.org/x' }]);
  });

  it('finds several links', () => {
    const segments = linkify('a http://one.example/ b https://two.example/x c');
    expect(segments.map((s) => s.kind)).toEqual(['text', 'link', 'text', 'link', 'text']);
    expect(links(segments).map((s) => s.kind === 'link' && s.href)).toEqual(['http://one.example/', 'https://two.example/x']);
    expect(linkify('http://a.example http://b.example').map((s) => s.text)).toEqual(['http://a.example', ' ', 'http://b.example']);
  });

  it('never links javascript:, data: or other schemes', () => {
    for (const text of [
      'javascript:alert(1)',
      'click javascript:alert(document.cookie) now',
      'JavaScript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      'ftp://example.org/x',
      'mailto:bob@example.org',
      'xhttps://example.org',
    ]) {
      const segments = linkify(text);
      expect(links(segments), text).toEqual([]);
      expect(joinText(segments), text).toBe(text);
    }
  });

  it('a scheme prefix cannot smuggle a non-http href', () => {
    for (const segment of links(linkify('javascript:http://evil.example/ data:https://x.example/'))) {
      expect(segment.kind === 'link' && segment.href).toMatch(/^https?:\/\//);
    }
  });

  it('stops a link before quotes and angle brackets', () => {
    const segments = linkify('<a href="https://example.org/x">y</a>');
    expect(links(segments)).toEqual([{ kind: 'link', text: 'https://example.org/x', href: 'https://example.org/x' }]);
    expect(joinText(segments)).toBe('<a href="https://example.org/x">y</a>');
  });

  it('leaves trailing punctuation out of the link', () => {
    for (const [text, link, after] of [
      ['see https://example.org/a.', 'https://example.org/a', '.'],
      ['https://example.org/a, and', 'https://example.org/a', ', and'],
      ['(https://example.org/a)', 'https://example.org/a', ')'],
      ['really? https://example.org/a?!', 'https://example.org/a', '?!'],
      ['https://example.org/a;', 'https://example.org/a', ';'],
      ['[https://example.org/a]', 'https://example.org/a', ']'],
    ] as const) {
      const segments = linkify(text);
      expect(links(segments).map((s) => s.text), text).toEqual([link]);
      expect(joinText(segments), text).toBe(text);
      expect(segments[segments.length - 1], text).toEqual({ kind: 'text', text: after });
    }
  });

  // Trimming trailing punctuation was once quadratic in a run of punctuation that does not end
  // the URL (the regex retried the run from each of its positions), about 10 ms for a
  // 4,000-character message. At 900,000 characters that takes minutes; linear, it is instant.
  // No timing assertion: finishing within the test timeout is the assertion.
  it('finds links in linear time (a huge run of punctuation inside and after a URL)', () => {
    const run = '.,;:!?)]}'.repeat(50_000);
    const text = `http://a.example/${run}x${run} and more`;
    const segments = linkify(text);
    // Compared as booleans: a failure must not print 900,000 characters.
    expect(segments.map((s) => s.kind)).toEqual(['link', 'text']);
    expect(segments[0]!.text.startsWith('http://a.example/')).toBe(true);
    expect(joinText(segments) === text).toBe(true);
  });

  it('keeps balanced parentheses in a URL, and leaves the one that closes a remark out', () => {
    const wiki = 'https://en.wikipedia.org/wiki/Foo_(bar)';
    expect(links(linkify(wiki))).toEqual([{ kind: 'link', text: wiki, href: wiki }]);
    const segments = linkify(`(see ${wiki})`);
    expect(links(segments).map((s) => s.text)).toEqual([wiki]);
    expect(segments[segments.length - 1]).toEqual({ kind: 'text', text: ')' });
  });

  it('links only what says http(s)://: no bare domains, mail addresses or other schemes', () => {
    for (const text of ['example.org', 'www.example.org/x', 'mail me at a@example.org', 'mailto:a@example.org', 'ftp://example.org/f', '//example.org/x', '127.0.0.1:3000']) {
      expect(links(linkify(text)), text).toEqual([]);
      expect(joinText(linkify(text)), text).toBe(text);
    }
  });

  it('keeps punctuation inside the URL', () => {
    expect(links(linkify('https://example.org/a.b/c?d=1,2')).map((s) => s.text)).toEqual(['https://example.org/a.b/c?d=1,2']);
  });

  it('never loses or changes text, and every href is http(s) (property)', () => {
    const pieces = fc.constantFrom('http://', 'https://', 'javascript:', 'data:', 'example.org', '/path', '.', ',', ')', '(', ' ', '\n', '"', '<', '>', 'x', '?', '#', '👋', ':', 'www.');
    fc.assert(
      fc.property(fc.array(fc.oneof(pieces, fc.string({ maxLength: 4 })), { maxLength: 20 }), (parts) => {
        const text = parts.join('');
        const segments = linkify(text);
        expect(joinText(segments)).toBe(text);
        for (const segment of segments) {
          expect(segment.text.length).toBeGreaterThan(0);
          if (segment.kind === 'link') expect(new URL(segment.href).protocol).toMatch(/^https?:$/);
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('Backoff', () => {
  it('grows exponentially from base, each delay within [base/2, base·2^n]', () => {
    const top = new Backoff({ baseMs: 500, maxMs: 15_000, random: () => 1 });
    expect([1, 2, 3, 4, 5].map(() => top.next())).toEqual([500, 1000, 2000, 4000, 8000]);
    const bottom = new Backoff({ baseMs: 500, maxMs: 15_000, random: () => 0 });
    expect([1, 2, 3].map(() => bottom.next())).toEqual([250, 250, 250]);
    const middle = new Backoff({ baseMs: 1000, maxMs: 60_000, random: () => 0.5 });
    expect([1, 2, 3].map(() => middle.next())).toEqual([750, 1250, 2250]);
  });

  it('is capped at max', () => {
    const backoff = new Backoff({ baseMs: 500, maxMs: 15_000, random: () => 1 });
    const delays = Array.from({ length: 40 }, () => backoff.next());
    expect(Math.max(...delays)).toBe(15_000);
    expect(delays.slice(-10)).toEqual(Array(10).fill(15_000));
  });

  it('jitters: real randomness spreads the delays, always within bounds', () => {
    const backoff = new Backoff({ baseMs: 500, maxMs: 15_000 });
    const seen = new Set<number>();
    for (let round = 0; round < 50; round++) {
      backoff.reset();
      for (let n = 0; n < 8; n++) {
        const delay = backoff.next();
        expect(delay).toBeGreaterThanOrEqual(250);
        expect(delay).toBeLessThanOrEqual(Math.min(15_000, 500 * 2 ** n));
        if (n === 5) seen.add(delay);
      }
    }
    expect(seen.size).toBeGreaterThan(10);
  });

  it('reset starts again from the base delay', () => {
    const backoff = new Backoff({ baseMs: 500, maxMs: 15_000, random: () => 1 });
    backoff.next();
    backoff.next();
    backoff.next();
    expect(backoff.next()).toBe(4000);
    backoff.reset();
    expect(backoff.next()).toBe(500);
    expect(backoff.next()).toBe(1000);
  });

  it('defaults: 500 ms base, 15 s cap', () => {
    const backoff = new Backoff({ random: () => 1 });
    expect(backoff.next()).toBe(500);
    for (let i = 0; i < 20; i++) backoff.next();
    expect(backoff.next()).toBe(15_000);
  });
});

describe('webSocketUrl', () => {
  it('is ws beside an http page, wss beside an https page', () => {
    expect(webSocketUrl('http://localhost:3000/')).toBe('ws://localhost:3000/ws');
    expect(webSocketUrl('https://chat.example.org/')).toBe('wss://chat.example.org/ws');
    expect(webSocketUrl('http://192.168.1.20:3000/index.html')).toBe('ws://192.168.1.20:3000/ws');
  });

  it('keeps a reverse proxy prefix', () => {
    expect(webSocketUrl('https://example.org/wsline/')).toBe('wss://example.org/wsline/ws');
    expect(webSocketUrl('https://example.org/wsline/index.html')).toBe('wss://example.org/wsline/ws');
    expect(webSocketUrl('http://example.org:8080/a/b/')).toBe('ws://example.org:8080/a/b/ws');
  });

  it('carries the query parameters, encoded, and drops the page query and hash', () => {
    expect(webSocketUrl('https://example.org/wsline/?lang=zh#room=general', { nick: 'alice' })).toBe('wss://example.org/wsline/ws?nick=alice');
    const url = new URL(webSocketUrl('https://example.org/wsline/#x', { token: 'a+b/c=&d', nick: 'bob smith' }));
    expect(url.protocol).toBe('wss:');
    expect(url.pathname).toBe('/wsline/ws');
    expect(url.hash).toBe('');
    expect(url.searchParams.get('token')).toBe('a+b/c=&d');
    expect(url.searchParams.get('nick')).toBe('bob smith');
    expect(webSocketUrl('http://localhost:3000/?x=1#y')).toBe('ws://localhost:3000/ws');
  });
});

describe('httpUrl', () => {
  it('is the path beside the page, under any prefix, without the hash', () => {
    expect(httpUrl('http://localhost:3000/', 'healthz')).toBe('http://localhost:3000/healthz');
    expect(httpUrl('https://example.org/wsline/', 'healthz')).toBe('https://example.org/wsline/healthz');
    expect(httpUrl('https://example.org/wsline/index.html#/room/general', 'api/me')).toBe('https://example.org/wsline/api/me');
    expect(httpUrl('https://example.org/wsline/#top', 'api/rooms?x=1')).toBe('https://example.org/wsline/api/rooms?x=1');
    expect(httpUrl('https://example.org/wsline/', 'api/me#fragment')).toBe('https://example.org/wsline/api/me');
  });
});

describe('avatarText', () => {
  it('takes the initials of two words, or the first two characters of one, upper-cased', () => {
    expect(avatarText('Mary Ann Evans')).toBe('MA');
    expect(avatarText('jean-luc_picard')).toBe('JL');
    expect(avatarText('alice')).toBe('AL');
    expect(avatarText('x')).toBe('X');
    expect(avatarText('  bob  ')).toBe('BO');
    expect(avatarText('---')).toBe('?');
  });

  it('counts graphemes: CJK, an emoji with a skin tone, a flag', () => {
    expect(avatarText('欧阳娜娜')).toBe('欧阳');
    expect(avatarText('👍🏽 thumbs')).toBe('👍🏽T');
    expect(avatarText('🇯🇵🇫🇷')).toBe('🇯🇵🇫🇷');
    expect(avatarText('ßx')).toBe('ßX');
  });

  it('is never longer than two graphemes', () => {
    const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (nick) => {
        expect([...segmenter.segment(avatarText(nick))].length).toBeLessThanOrEqual(2);
      }),
    );
  });
});
