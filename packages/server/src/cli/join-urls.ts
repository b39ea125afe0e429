import { networkInterfaces } from 'node:os';

/** Where people can join: the local URL and, when listening on all interfaces, each LAN address. */
export function joinUrls(scheme: string, host: string, port: number): string[] {
  const wildcard = host === '0.0.0.0' || host === '::';
  if (!wildcard) return [`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`];
  const urls = [`${scheme}://localhost:${port}`];
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (!a.internal && a.family === 'IPv4') urls.push(`${scheme}://${a.address}:${port}`);
    }
  }
  return urls;
}
