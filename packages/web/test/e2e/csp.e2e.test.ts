// The Content-Security-Policy in real Chromium: the page loads, mounts and opens its WebSocket with
// no CSP violation ('self' covers ws: to our own host), while an inline script is refused: the
// policy is really enforced, and the page really does without unsafe-inline.
import { describe, expect, it } from 'vitest';
import { browserAvailable, launchBrowser } from './browser.js';
import { trackResources } from '../../../server/test/helpers.js';

const available = browserAvailable();
const { server: startTracked, track } = trackResources();

describe.runIf(available)('CSP in the browser', () => {
  it('lets the page load and connect, reports no violation, and blocks an injected inline script', async () => {
    const server = await startTracked();
    const browser = await launchBrowser();
    track({ close: () => browser.close() });
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(e.message));
    // Init scripts run before the page's own, outside its CSP: a recorder for violations.
    await page.addInitScript(() => {
      const w = window as unknown as { __violations: string[] };
      w.__violations = [];
      document.addEventListener('securitypolicyviolation', (e) => w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
    const response = await page.goto(`${server.httpUrl}/`);
    expect(response?.headers()['content-security-policy']).toMatch(/script-src 'self'/);
    await page.waitForFunction(() => (document.getElementById('app')?.children.length ?? 0) > 0);

    // The page's own kind of connection: a WebSocket to its host.
    const opened = await page.evaluate(
      () =>
        new Promise<string>((resolve) => {
          const ws = new WebSocket(new URL('ws?nick=csp-probe', location.href.replace(/^http/, 'ws')).href);
          ws.onopen = () => (ws.close(), resolve('open'));
          ws.onerror = () => resolve('error');
        }),
    );
    expect(opened).toBe('open');
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    expect(errors).toEqual([]);

    // An inline script (what an XSS would inject) does not run, and is reported.
    const ran = await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true';
      document.head.appendChild(s);
      return (window as unknown as { __inlineRan?: boolean }).__inlineRan === true;
    });
    expect(ran).toBe(false);
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([
      expect.stringMatching(/^script-src(-elem)? inline$/),
    ]);
  });
});
