// deploy/nginx-cluster.conf as shipped (ports, certificate and snippet path swapped): two real
// nodes on one PostgreSQL schema and one Redis prefix behind real nginx, with no sticky sessions.
// Browsers' WebSockets are spread over both nodes, chat flows across them, and when a node is
// killed its clients reconnect through the same address to the other node and resume.
import { isMessage } from '@chat/protocol';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JoinedFrame } from '@chat/protocol';
import { nextMessages, sendMany, sleep, tempDir, TestClient } from '../helpers.js';
import { freePort, killChildren, startChild, type ChildServer } from '../child-server.js';
import { createSchema, redisPrefix, servicesAvailable, TEST_REDIS_URL } from '../services.js';
import { httpsGet, localSite, makeCert, NGINX, OPENSSL, REPO, startNginx, type Cert, type Nginx } from './nginx-harness.js';

const CLUSTER_SITE = join(REPO, 'deploy/nginx-cluster.conf');
const PREFIX = '/wsline/';

const toolsMissing = !existsSync(NGINX) ? 'nginx not installed (apt-get install nginx-light)' : !existsSync(OPENSSL) ? 'openssl not installed' : null;
if (toolsMissing !== null) {
  if (process.env.CI === 'true') throw new Error(`the nginx cluster test cannot be skipped in CI: ${toolsMissing}`);
  console.log(`skipped: ${toolsMissing}`);
}
const available = toolsMissing === null && (await servicesAvailable(['postgres', 'redis']));

/** Open WebSocket connections a node reports on its own /metrics. */
async function connectionsOn(node: ChildServer): Promise<number> {
  const text = await (await fetch(`${node.baseUrl}/metrics`)).text();
  const m = /^chat_connections (\d+)/m.exec(text);
  if (!m) throw new Error('no chat_connections in /metrics');
  return Number(m[1]);
}

describe.skipIf(!available)('deploy/nginx-cluster.conf: two nodes behind nginx', () => {
  let dir: string;
  let cert: Cert;
  let nginx: Nginx;
  let nodes: [ChildServer, ChildServer];
  let schema: Awaited<ReturnType<typeof createSchema>>;
  const prefix = redisPrefix('chat_nginx');
  const clients: TestClient[] = [];

  beforeAll(async () => {
    dir = tempDir('chat-nginx-cluster-');
    cert = makeCert(dir);
    schema = await createSchema('chat_nginx');
    const env = { DATABASE_URL: schema.url, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix.prefix, TRUST_PROXY: 'true', PRESENCE_EXPIRY_MS: '2000' };
    const first = await startChild(join(dir, 'a'), { env });
    const second = await startChild(join(dir, 'b'), { env });
    nodes = [first, second];
    const httpPort = await freePort();
    const upstreams: Array<[string, string]> = [
      ['127.0.0.1:3001', `127.0.0.1:${first.port}`],
      ['127.0.0.1:3002', `127.0.0.1:${second.port}`],
    ];
    nginx = await startNginx(join(dir, 'nginx'), (port) => localSite(CLUSTER_SITE, { upstreams, httpPort, port, cert }));
  }, 60_000);

  afterAll(async () => {
    for (const c of clients.splice(0)) await c.close();
    await nginx?.stop();
    killChildren();
    await schema?.drop();
    await prefix.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function connect(query: Record<string, string> = {}): Promise<TestClient> {
    const qs = new URLSearchParams(query).toString();
    const url = `wss://127.0.0.1:${nginx.port}${PREFIX}ws${qs ? `?${qs}` : ''}`;
    const client = await TestClient.connect(url, { headers: { Origin: `https://127.0.0.1:${nginx.port}` }, wsOptions: { ca: cert.pem } });
    clients.push(client);
    return client;
  }

  it('spreads WebSockets over both nodes, and a message reaches everyone in one order', async () => {
    const people = [];
    for (const nick of ['ann', 'ben', 'cat', 'dan']) people.push(await connect({ nick }));
    // least_conn: with no sticky sessions, four connections land two and two.
    expect([await connectionsOn(nodes[0]), await connectionsOn(nodes[1])]).toEqual([2, 2]);
    for (const p of people) await p.request({ type: 'join', room: 'ops' });
    await sendMany(people[0] as TestClient, 'ops', 5, { prefix: 'hello-' });
    for (const p of people) {
      const got = await nextMessages(p, 'ops', 5);
      expect(got.map((m) => [m.seq, m.clientId])).toEqual([1, 2, 3, 4, 5].map((seq) => [seq, `hello-${seq - 1}`]));
    }
  });

  it('when a node is killed, its clients come back through nginx on the other node and resume', async () => {
    const people = clients.slice(0, 4);
    const gone: TestClient[] = [];
    for (const p of people) void p.closed.then(() => gone.push(p));
    nodes[0].child.kill('SIGKILL');
    // The two connections nginx gave the killed node drop; the other two stay on the second node.
    for (let i = 0; i < 100 && gone.length < 2; i++) await sleep(50);
    expect(gone.length).toBe(2);
    const survivor = people.find((p) => !gone.includes(p)) as TestClient;
    const ack = await survivor.request({ type: 'send', room: 'ops', id: 'after-kill', text: 'still here' });
    expect(ack).toMatchObject({ type: 'ack', seq: 6 });

    // A dropped client reconnects through the same nginx address with its token: same user, on
    // the surviving node (nginx skips the dead one), and `since` brings exactly what it missed.
    const lost = gone[0] as TestClient;
    const again = await connect({ token: lost.welcome.token as string });
    expect(again.welcome.user).toEqual(lost.welcome.user);
    const joined = await again.request<JoinedFrame>({ type: 'join', room: 'ops', since: 5 });
    expect(joined.history.filter(isMessage).map((m) => [m.seq, m.clientId])).toEqual([[6, 'after-kill']]);
    expect(await connectionsOn(nodes[1])).toBe(3);

    const health = await httpsGet(`https://127.0.0.1:${nginx.port}${PREFIX}healthz`, cert.pem);
    expect(health.status).toBe(200);
  }, 30_000);
});
