// Logs: JSON lines, one per connection open and close (with a reason), and least data: never
// message text, never a token (neither the guest token in a ?token= URL nor in a query string).
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { killChildren, startChild } from './child-server.js';
import { sleep, tempDir, TestClient } from './helpers.js';

const dirs: string[] = [];
afterEach(() => {
  killChildren();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('logs', () => {
  it('have one line per connection open and close, and never message text or tokens', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const server = await startChild(dir, { env: { LOG_LEVEL: 'trace' }, keepAllOutput: true });
    const secretText = 'the-secret-message-text-4242';
    const first = await TestClient.connect(server.wsUrl({ nick: 'logger' }));
    const token = first.welcome.token!;
    await first.close();
    const again = await TestClient.connect(server.wsUrl({ token }));
    // Offered as a WebSocket subprotocol (how the web client sends it): not logged either.
    const offered = await TestClient.connect(server.wsUrl(), { protocols: ['chat', `token.${token}`] });
    await offered.close();
    await again.request({ type: 'join', room: 'r' });
    await again.request({ type: 'send', room: 'r', text: secretText, id: 'secret-1' });
    again.send('{"type":"send","room":"r","text":"' + secretText + '"'); // bad JSON holding the text
    await again.nextOfType('error');
    await fetch(`http://127.0.0.1:${server.port}/healthz?token=${token}`);
    await again.close();
    await sleep(200);
    server.child.kill('SIGTERM');
    await server.exited;

    const out = server.output();
    expect(out).not.toContain(secretText);
    expect(out).not.toContain(token);
    const lines = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const opens = lines.filter((l) => l.event === 'ws_open');
    const closes = lines.filter((l) => l.event === 'ws_close');
    expect(opens).toHaveLength(3);
    expect(closes).toHaveLength(3);
    for (const close of closes) {
      expect(close).toMatchObject({ user: first.welcome.user.id, code: expect.any(Number), reason: expect.any(String) });
    }
  });
});
