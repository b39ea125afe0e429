// The push endpoint guard (src/push/endpoint-guard.ts): https: only, and no loopback, private,
// link-local or otherwise internal address, however it is written, checked on the resolved
// addresses; the agent pushes go through refuses a name that resolves to one.
import { request } from 'node:https';
import { describe, expect, it } from 'vitest';
import { EndpointGuard, EndpointRefused, isPrivateAddress, parseEndpoint } from '../../src/push/endpoint-guard.js';

describe('push endpoint guard', () => {
  it('knows internal addresses in their many spellings, and lets public ones through', () => {
    for (const address of [
      '127.0.0.1', '127.8.9.10', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1',
      '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd00::1', 'fc12::3', 'ff02::1',
      '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '64:ff9b::a00:1', 'not an address',
    ]) {
      expect(isPrivateAddress(address), address).toBe(true);
    }
    for (const address of ['8.8.8.8', '142.250.74.110', '172.32.0.1', '2607:f8b0:4005:80a::200a', '::ffff:8.8.8.8']) {
      expect(isPrivateAddress(address), address).toBe(false);
    }
  });

  it('takes https: URLs only, without credentials, of a sane length', () => {
    expect(parseEndpoint('https://fcm.googleapis.com/fcm/send/abc').host).toBe('fcm.googleapis.com');
    for (const bad of ['http://push.example/x', 'ftp://push.example/x', 'https://user:pw@push.example/x', 'not a url', '', 42, null, `https://push.example/${'a'.repeat(3000)}`]) {
      expect(() => parseEndpoint(bad), String(bad).slice(0, 40)).toThrow(EndpointRefused);
    }
  });

  it('refuses internal hosts by literal and by resolved name, unless private endpoints are allowed', async () => {
    const guard = new EndpointGuard(false);
    try {
      for (const endpoint of ['https://127.0.0.1:4443/p', 'https://[::1]/p', 'https://10.0.0.1/p', 'https://localhost/p', 'https://[::ffff:127.0.0.1]/p']) {
        await expect(guard.check(endpoint), endpoint).rejects.toThrow(EndpointRefused);
        if (!endpoint.includes('localhost')) expect(() => guard.checkLiteral(endpoint)).toThrow(EndpointRefused);
      }
      await expect(guard.check('https://no-such-host.invalid/p')).rejects.toThrow(/does not resolve/);
      await expect(guard.check('https://93.184.216.34/p')).resolves.toBe('https://93.184.216.34/p');
    } finally {
      guard.close();
    }
    const open = new EndpointGuard(true);
    try {
      await expect(open.check('https://127.0.0.1:4443/p')).resolves.toBe('https://127.0.0.1:4443/p');
      await expect(open.check('http://127.0.0.1/p')).rejects.toThrow(/https:/);
      expect(() => open.checkLiteral('https://127.0.0.1/p')).not.toThrow();
    } finally {
      open.close();
    }
  });

  it('its agent will not connect to a name that resolves to loopback (a re-pointed name at send time)', async () => {
    const guard = new EndpointGuard(false);
    try {
      const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
        const req = request('https://localhost:1/p', { agent: guard.agent, method: 'POST' }, () => resolve(new Error('connected') as NodeJS.ErrnoException));
        req.on('error', resolve);
        req.end();
      });
      expect(err.code).toBe('EPUSHPRIVATE');
    } finally {
      guard.close();
    }
  });
});
