// Direct TLS: TLS_CERT/TLS_KEY turn the one port into HTTPS + wss (self-signed certificate made
// with openssl for 127.0.0.1/localhost). SIGHUP re-reads the certificate without a restart: new
// connections get the new one, open sockets stay up, and a broken file keeps the old one.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { AckFrame, ChatMessage, JoinedFrame, PongFrame } from '@chat/protocol';
import { killChildren, startChild } from '../child-server.js';
import { startServer, tempDir, TestClient, type TestServer } from '../helpers.js';
import { httpsGetText, makeCert, peerFingerprint, plainHttpGet, runCli, waitFor, type Cert } from './ops-helpers.js';

const dirs: string[] = [];
const clients: TestClient[] = [];
const servers: TestServer[] = [];
let certDir: string;
let certA: Cert;

beforeAll(() => {
  certDir = tempDir('chat-tls-certs-');
  certA = makeCert(certDir, 'a');
  return () => rmSync(certDir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const s of servers.splice(0)) await s.close();
  killChildren();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function wssClient(url: string, ca: string, nick: string): Promise<TestClient> {
  const sep = url.includes('?') ? '&' : '?';
  const client = await TestClient.connect(`${url}${sep}nick=${nick}`, { wsOptions: { ca } });
  clients.push(client);
  return client;
}

/** Pino JSON lines the child wrote (non-JSON lines, like the banner, are skipped). */
function logLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return JSON.parse(l) as Record<string, unknown>;
      } catch {
        return {};
      }
    });
}

describe('direct TLS (in process)', () => {
  it('serves /healthz, the page and wss chat with a self-signed certificate; plain http gets nothing', async () => {
    const server = await startServer({}, { tls: { cert: certA.cert, key: certA.key } });
    servers.push(server);
    const base = `https://127.0.0.1:${server.port}`;

    const health = await httpsGetText(`${base}/healthz`, certA.cert);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toEqual({ status: 'ok' });

    const page = await httpsGetText(`${base}/`, certA.cert);
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/text\/html/);
    expect(page.body).toMatch(/<html/i);

    // Verification is really on: without the CA the certificate is refused.
    await expect(httpsGetText(`https://localhost:${server.port}/healthz`, [])).rejects.toThrow();
    // ...and the SAN covers localhost too.
    expect((await httpsGetText(`https://localhost:${server.port}/healthz`, certA.cert)).status).toBe(200);

    // Chat over wss://
    const wss = `wss://127.0.0.1:${server.port}/ws`;
    const alice = await wssClient(wss, certA.cert, 'alice');
    const bob = await wssClient(wss, certA.cert, 'bob');
    expect((await alice.request<JoinedFrame>({ type: 'join', room: 'tls' })).type).toBe('joined');
    expect((await bob.request<JoinedFrame>({ type: 'join', room: 'tls' })).type).toBe('joined');
    const ack = await alice.request<AckFrame>({ type: 'send', room: 'tls', id: 'm1', text: 'hello over wss' });
    expect(ack.type).toBe('ack');
    const got = await bob.next<ChatMessage>((f) => f.type === 'message' && f.room === 'tls');
    expect(got).toMatchObject({ text: 'hello over wss', seq: ack.seq, from: { id: alice.welcome.user.id } });
    const back = await bob.request<AckFrame>({ type: 'send', room: 'tls', id: 'm2', text: 'hi alice' });
    expect(back.type).toBe('ack');
    expect(await alice.next<ChatMessage>((f) => f.type === 'message' && f.clientId === 'm2')).toMatchObject({ text: 'hi alice' });

    // A wss client that does not trust the certificate cannot connect.
    await expect(TestClient.connect(wss)).rejects.toThrow();

    // Plain http and ws:// to the TLS port do not get the page or a socket.
    const plain = await plainHttpGet(`http://127.0.0.1:${server.port}/`);
    const servedPage = !(plain instanceof Error) && plain.status === 200;
    expect(servedPage, `plain http got: ${plain instanceof Error ? plain.message : `${plain.status} ${plain.body.slice(0, 100)}`}`).toBe(false);
    if (!(plain instanceof Error)) expect(plain.body).not.toMatch(/<html/i);
    await expect(TestClient.connect(`ws://127.0.0.1:${server.port}/ws`)).rejects.toThrow();

    // The server is unharmed by the plain-text attempts.
    expect((await httpsGetText(`${base}/healthz`, certA.cert)).status).toBe(200);
  });
});

describe('TLS configuration errors at startup', () => {
  it('a missing or mismatched certificate/key is a one-line error with exit code 2', async () => {
    const dataDir = tempDir('chat-tls-bad-');
    dirs.push(dataDir);
    const certB = makeCert(certDir, 'startup-b');
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ['missing cert', { TLS_CERT: join(certDir, 'nope.pem'), TLS_KEY: certA.keyFile }, /TLS_CERT/],
      ['missing key', { TLS_CERT: certA.certFile, TLS_KEY: join(certDir, 'nope.key') }, /TLS_KEY/],
      ['mismatched pair', { TLS_CERT: certA.certFile, TLS_KEY: certB.keyFile }, /TLS_CERT\/TLS_KEY/],
      ['only one of the two', { TLS_CERT: certA.certFile }, /TLS_CERT and TLS_KEY/],
    ];
    for (const [name, env, pattern] of cases) {
      const r = await runCli([], { ...env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir });
      expect(r.code, `${name}: ${r.stdout}${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, name).toHaveLength(1);
      expect(lines[0], name).toMatch(pattern);
    }
  });
});

describe('SIGHUP', () => {
  it('reloads the certificate for new connections, keeps open wss sockets, and survives a broken file', async () => {
    const dataDir = tempDir('chat-tls-hup-');
    const liveDir = tempDir('chat-tls-live-');
    dirs.push(dataDir, liveDir);
    const certFile = join(liveDir, 'fullchain.pem');
    const keyFile = join(liveDir, 'privkey.pem');
    writeFileSync(certFile, certA.cert);
    writeFileSync(keyFile, certA.key);

    const child = await startChild(dataDir, {
      env: { TLS_CERT: certFile, TLS_KEY: keyFile, LOG_LEVEL: 'info' },
      keepAllOutput: true,
      tlsCa: certA.cert,
    });
    expect(child.baseUrl).toMatch(/^https:/);
    expect(await peerFingerprint(child.port)).toBe(certA.fingerprint);

    // An open wss connection, made with the old certificate.
    const early = await wssClient(child.wsUrl(), certA.cert, 'early');
    expect((await early.request<JoinedFrame>({ type: 'join', room: 'hup' })).type).toBe('joined');

    // Renewal: new files in place, then SIGHUP.
    const certB = makeCert(certDir, 'b');
    expect(certB.fingerprint).not.toBe(certA.fingerprint);
    writeFileSync(certFile, certB.cert);
    writeFileSync(keyFile, certB.key);
    child.child.kill('SIGHUP');
    await waitFor('the new certificate on a new connection', async () => (await peerFingerprint(child.port)) === certB.fingerprint);
    // The log line is written asynchronously: it may follow the first handshake with the new cert.
    await waitFor('the reload log line', () => logLines(child.output()).some((l) => l.msg === 'TLS certificate reloaded'));
    const reloaded = logLines(child.output()).filter((l) => l.msg === 'TLS certificate reloaded');
    expect(reloaded).toHaveLength(1);

    // The new certificate verifies against the new CA (and the old CA no longer fits).
    expect((await httpsGetText(`${child.baseUrl}/healthz`, certB.cert)).status).toBe(200);
    await expect(httpsGetText(`${child.baseUrl}/healthz`, certA.cert)).rejects.toThrow();

    // The early socket lived through the reload and still chats with a new wss client.
    expect(early.ws.readyState).toBe(WebSocket.OPEN);
    expect((await early.request<PongFrame>({ type: 'ping' })).type).toBe('pong');
    const late = await wssClient(child.wsUrl(), certB.cert, 'late');
    expect((await late.request<JoinedFrame>({ type: 'join', room: 'hup' })).type).toBe('joined');
    const ack = await early.request<AckFrame>({ type: 'send', room: 'hup', id: 'after-reload', text: 'still here' });
    expect(ack.type).toBe('ack');
    expect(await late.next<ChatMessage>((f) => f.type === 'message' && f.clientId === 'after-reload')).toMatchObject({ seq: ack.seq });

    // Broken renewals: an unreadable certificate, then a certificate that does not match the key.
    // Each logs an error and keeps serving certificate B.
    const certC = makeCert(certDir, 'c');
    const broken: Array<[string, () => void]> = [
      ['garbage certificate', () => writeFileSync(certFile, 'this is not a PEM certificate\n')],
      ['certificate not matching the key', () => writeFileSync(certFile, certC.cert)],
      ['missing key file', () => rmSync(keyFile)],
    ];
    for (const [i, [name, breakIt]] of broken.entries()) {
      breakIt();
      child.child.kill('SIGHUP');
      const failures = await waitFor(`an error line for ${name}`, () => {
        const lines = logLines(child.output()).filter((l) => l.msg === 'TLS certificate reload failed; keeping the current one');
        return lines.length === i + 1 ? lines : null;
      });
      expect(failures[i]!.level, `${name}: logged at error level`).toBe(50);
      expect(child.child.exitCode, `${name}: ${child.output().slice(-500)}`).toBeNull();
      expect(child.child.signalCode).toBeNull();
      expect(await peerFingerprint(child.port), name).toBe(certB.fingerprint);
      expect((await httpsGetText(`${child.baseUrl}/healthz`, certB.cert)).status, name).toBe(200);
      expect((await early.request<PongFrame>({ type: 'ping' })).type, name).toBe('pong');
    }

    // A good pair again: reloaded on the next SIGHUP.
    writeFileSync(certFile, certC.cert);
    writeFileSync(keyFile, certC.key);
    child.child.kill('SIGHUP');
    await waitFor('certificate C after a good renewal', async () => (await peerFingerprint(child.port)) === certC.fingerprint);
    expect(early.ws.readyState).toBe(WebSocket.OPEN);
  });

  it('a server without TLS survives SIGHUP', async () => {
    const dataDir = tempDir('chat-hup-plain-');
    dirs.push(dataDir);
    const child = await startChild(dataDir, { env: { LOG_LEVEL: 'info' }, keepAllOutput: true });
    const client = await TestClient.connect(child.wsUrl());
    clients.push(client);
    child.child.kill('SIGHUP');
    await waitFor('the SIGHUP log line', () => logLines(child.output()).some((l) => l.msg === 'no TLS certificate to reload'));
    child.child.kill('SIGHUP'); // and again
    await waitFor('the second SIGHUP log line', () => logLines(child.output()).filter((l) => l.msg === 'no TLS certificate to reload').length === 2);
    expect(child.child.exitCode).toBeNull();
    const res = await fetch(`${child.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect((await client.request<PongFrame>({ type: 'ping' })).type).toBe('pong');
  });
});
