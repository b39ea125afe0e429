// Which requests the service worker answers from its app-shell cache (issue 19), and what the
// build tells it to precache. The caching itself runs in Chromium (test/e2e/pwa.e2e.test.ts).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shellRoute } from '../../src/sw/shell-cache.js';
import { lazyChunks, shellFiles } from '../../sw-build.js';
import { SCOPE } from './sw-doubles.js';

// A string in the minified worker, whichever quotes the minifier chose.
const quoted = (s: string) => new RegExp(`[\`'"]${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[\`'"]`);
const get = (path: string, mode: RequestMode = 'cors') => ({ method: 'GET', url: new URL(path, SCOPE).href, mode });

describe('app shell routes', () => {
  it('serves the page and hashed assets from the shell, nothing of the API', () => {
    expect(shellRoute(get('./', 'navigate'), SCOPE)).toBe('page');
    expect(shellRoute(get('./?room=x', 'navigate'), SCOPE)).toBe('page');
    expect(shellRoute(get('./index.html', 'navigate'), SCOPE)).toBe('page');
    expect(shellRoute(get('./assets/index-abc.js'), SCOPE)).toBe('asset');
    expect(shellRoute(get('./assets/SearchPanel-abc.js', 'no-cors'), SCOPE)).toBe('asset');
    // Never from the cache: the API, files (even opened in a tab), the socket, healthz, metrics.
    for (const path of ['./api/me', './api/files/1/a.png', './ws?x=1', './healthz', './metrics']) {
      expect(shellRoute(get(path), SCOPE), path).toBeNull();
      expect(shellRoute(get(path, 'navigate'), SCOPE), path).toBeNull();
    }
    // The other precached files (manifest, icons) by the list the build wrote; nothing else.
    const precached = ['./', './manifest.webmanifest', './icon-192.png'];
    expect(shellRoute(get('./manifest.webmanifest'), SCOPE, precached)).toBe('shell');
    expect(shellRoute(get('./icon-192.png', 'no-cors'), SCOPE, precached)).toBe('shell');
    expect(shellRoute(get('./icon-512.png'), SCOPE, precached)).toBeNull();
    expect(shellRoute(get('./'), SCOPE, precached)).toBeNull();
    // Only GET, only inside the scope.
    expect(shellRoute({ ...get('./assets/a.js'), method: 'POST' }, SCOPE)).toBeNull();
    expect(shellRoute(get('/assets/a.js'), SCOPE)).toBeNull();
    expect(shellRoute({ method: 'GET', url: 'https://cdn.example.com/wsline/assets/a.js', mode: 'cors' }, SCOPE)).toBeNull();
  });

  it('precaches the page, what it references and the icons, all relative', () => {
    const html = [
      '<script type="module" src="./assets/index-1.js"></script>',
      '<link rel="stylesheet" href="./assets/index-2.css">',
      '<link rel="manifest" href="./manifest.webmanifest" />',
      '<link rel="icon" href="data:x">',
    ].join('');
    const manifest = JSON.stringify({ icons: [{ src: './icon-192.png' }, { src: 'icon-512.png' }] });
    expect(shellFiles(html, manifest)).toEqual(['./', './assets/index-1.js', './assets/index-2.css', './manifest.webmanifest', './icon-192.png', './icon-512.png']);
  });

  it('adds the lazy chunks but the big ones (the emoji data), so an app opened offline can still open its menus', () => {
    const out = mkdtempSync(join(tmpdir(), 'sw-build-'));
    try {
      mkdirSync(join(out, 'assets'));
      writeFileSync(join(out, 'assets', 'index-1.js'), 'x');
      writeFileSync(join(out, 'assets', 'NotifyMenu-2.js'), 'x'.repeat(6000));
      writeFileSync(join(out, 'assets', 'NotifyMenu-3.css'), 'x');
      writeFileSync(join(out, 'assets', 'compact-4.js'), 'x'.repeat(500_000));
      writeFileSync(join(out, 'assets', 'notes.txt'), 'x');
      expect(lazyChunks(out, ['./', './assets/index-1.js'])).toEqual(['./assets/NotifyMenu-2.js', './assets/NotifyMenu-3.css']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('is built into dist/sw.js with the real build list', () => {
    const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
    const sw = readFileSync(`${dist}sw.js`, 'utf8');
    const html = readFileSync(`${dist}index.html`, 'utf8');
    const script = /src="(\.\/assets\/index-[^"]+\.js)"/.exec(html)![1]!;
    for (const file of ['./', script, './manifest.webmanifest', './icon-192.png', './icon-512.png', './icon-maskable-512.png']) expect(sw).toMatch(quoted(file));
    expect(sw).not.toMatch(/[`'"]\.\/api\//);
    // A classic script (no import/export): every browser runs it as a service worker.
    expect(sw).not.toMatch(/^\s*(import|export)\b/m);
  });
});
