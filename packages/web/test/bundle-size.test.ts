// The budget: the initial JavaScript under 100 KB gzipped. Size, not speed, so it is a
// plain assertion on the build that `npm test` makes first.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const DIST = fileURLToPath(new URL('../dist/', import.meta.url));

describe('web build', () => {
  it('loads under 100 KB of gzipped JavaScript, all referenced relatively', () => {
    const html = readFileSync(`${DIST}index.html`, 'utf8');
    // The entry script and the chunks it imports statically, which the page preloads: when several
    // lazy chunks share modules with the entry, the bundler may split those out into a chunk of
    // their own, which loads up front all the same.
    const scripts = [...html.matchAll(/<script[^>]*src="([^"]+)"|<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)].map((m) => (m[1] ?? m[2])!);
    expect(scripts.length).toBeGreaterThan(0);
    // Relative URLs only, so the page works under a proxy prefix.
    for (const src of scripts) expect(src.startsWith('./')).toBe(true);
    const gzipped = scripts.reduce((sum, src) => sum + gzipSync(readFileSync(`${DIST}${src}`)).length, 0);
    console.log(`initial JS: ${(gzipped / 1024).toFixed(1)} KB gzipped`);
    expect(gzipped).toBeLessThan(100 * 1024);
    // No other JavaScript chunk is loaded up front either: the only other chunks are the emoji
    // picker's data (issue 16), fetched by a dynamic import() when its full list is opened, the
    // composer's uploader and strip of files (issue 17), fetched when the first file is chosen, the
    // image lightbox (issue 17), fetched when an image is first opened, the search panel (issue
    // 18), fetched when search is first opened, the page's side of the service worker (issue 19),
    // fetched once the page has loaded, the bell's menu and the browser's side of notifications
    // (issue 19), fetched when the menu opens or a notification is due, and three dialogs fetched
    // when first opened (made lazy to make room for the bell). The worker itself is dist/sw.js,
    // outside assets/, and the page never imports it.
    const lazy = readdirSync(`${DIST}assets`).filter((f) => f.endsWith('.js') && !scripts.includes(`./assets/${f}`));
    for (const chunk of lazy) {
      expect(html).not.toContain(chunk);
      expect(chunk).toMatch(/^(compact|uploads|UploadStrip|FileLightbox|SearchPanel|service-worker|NotifyMenu|browser-notifications|RoomDirectory|RoomSettingsDialog|TokensDialog)-/);
    }
    expect(lazy.length).toBeLessThanOrEqual(12);
    expect(html).not.toContain('sw.js');
    for (const src of scripts) expect(readFileSync(`${DIST}${src}`, 'utf8')).not.toContain('notificationclick');
  });
});
