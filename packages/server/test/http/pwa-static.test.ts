// The installable app's fixed-name files (issue 19): the service worker and the manifest are
// served with `no-cache`, so that a new deployment's worker and shell are picked up, and the
// manifest with its registered type. Hashed assets keep their ordinary caching. The page's CSP
// lets the worker and the manifest load (worker-src falls back to script-src, manifest-src 'self').
import { describe, expect, it } from 'vitest';
import { trackResources } from '../helpers.js';
import { api } from './http-helpers.js';

const { injected } = trackResources();

describe('service worker and manifest', () => {
  it('are served uncached, the manifest as application/manifest+json', async () => {
    const server = await injected();
    const sw = await api(server, 'GET', '/sw.js', { origin: null });
    expect(sw.status).toBe(200);
    expect(sw.headers.get('content-type')).toMatch(/^(text|application)\/javascript/);
    expect(sw.headers.get('cache-control')).toBe('no-cache');
    expect(sw.text).toContain('notificationclick');

    const manifest = await api(server, 'GET', '/manifest.webmanifest', { origin: null });
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toMatch(/^application\/manifest\+json/);
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    expect(JSON.parse(manifest.text)).toMatchObject({ name: 'Chat', start_url: './', scope: './', display: 'standalone' });

    const page = await api(server, 'GET', '/', { origin: null });
    const asset = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.text)![1]!;
    expect((await api(server, 'GET', `/${asset}`, { origin: null })).headers.get('cache-control')).not.toBe('no-cache');
    const csp = page.headers.get('content-security-policy') ?? '';
    // No worker-src: it falls back to script-src 'self' (CSP Level 3), which allows ./sw.js.
    expect(csp).not.toContain('worker-src');
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("manifest-src 'self'");
  });
});
