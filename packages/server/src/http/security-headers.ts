// Security headers on every response, the page and the API alike, via @fastify/helmet: a root
// plugin (app.ts registers it), so its hook covers every route and the not-found answers.
// The page is the Vite build: one module script and one stylesheet from ./assets/, a data: favicon,
// no inline script or style, no eval; images also from blob: (previews of files about to be
// sent); the WebSocket goes to the same host ('self' covers ws: and wss: there, CSP Level 3
// §6.7.2.8). Nothing in it may be loaded from, or framed by, another site.
import helmet from '@fastify/helmet';
import { rootPlugin } from './root-plugin.js';

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  // blob: the composer's previews of chosen images (object URLs of the files, issue 17).
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  'connect-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'self'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
} as const;

export const securityHeaders = rootPlugin('security-headers', async (app) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      // Only what is listed above; helmet's defaults would add upgrade-insecure-requests, which
      // breaks a plain-HTTP LAN deployment.
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(CONTENT_SECURITY_POLICY).map(([k, v]) => [k, [...v]])),
    },
    // HSTS is the TLS terminator's business (deploy/nginx.conf); a LAN server on plain HTTP or a
    // test certificate must not pin browsers to HTTPS for a year.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
    // For browsers without CSP frame-ancestors.
    xFrameOptions: { action: 'deny' },
  });
});
