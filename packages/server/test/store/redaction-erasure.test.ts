// A redaction erases (docs/protocol.md, The room log): after a clean shutdown no file of the data
// directory holds any version of the redacted text (the original, an earlier edit, the current
// one), a reply's excerpt of it, its tokens in the search index, or its reaction. SQLite's secure_delete zeroes what rows held,
// and the WAL is checkpointed and removed when the last connection closes.
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerFrame } from '@chat/protocol';
import { startServer, TestClient, tempDir, type TestServer } from '../helpers.js';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The files of `dir` holding `needle` (as UTF-8 bytes). */
function filesHolding(dir: string, needle: string): string[] {
  const bytes = Buffer.from(needle, 'utf8');
  return filesUnder(dir).filter((file) => readFileSync(file).includes(bytes));
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function request(c: TestClient, frame: Record<string, unknown>, type: ServerFrame['type']): Promise<ServerFrame> {
  const reply = await c.request(frame);
  expect(reply, JSON.stringify(reply)).toMatchObject({ type });
  return reply;
}

describe('redaction on SQLite', () => {
  it('leaves no trace of any version of the text, its excerpts or its reactions in the data directory after a clean shutdown', async () => {
    const dir = tempDir('chat-erasure-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server: TestServer = await startServer({ dataDir: dir });
    let closed = false;
    cleanups.push(() => (closed ? undefined : server.app.close()));
    const a = await TestClient.connect(server, { query: { nick: 'alice' } });
    const b = await TestClient.connect(server, { query: { nick: 'bob' } });
    cleanups.push(() => a.close(), () => b.close());
    await request(a, { type: 'join', room: 'r' }, 'joined');
    await request(b, { type: 'join', room: 'r' }, 'joined');

    const marker = `zq${Date.now().toString(36)}`;
    // Long enough (three bytes a character) to spill into overflow pages; short ones stay in the leaf.
    const original = `ORIGINAL-${marker} ${'秘'.repeat(3000)} @bob`;
    const firstEdit = `FIRSTEDIT-${marker} short`;
    const lastEdit = `LASTEDIT-${marker} ${'密'.repeat(50)}`;
    const emoji = `:REACTION-${marker}:`;
    await request(a, { type: 'send', room: 'r', id: 'keep-1', text: 'a message that stays' }, 'ack');
    const sent = (await request(a, { type: 'send', room: 'r', id: 'secret', text: original }, 'ack')) as { seq: number };
    const seq = sent.seq;
    await request(a, { type: 'edit', room: 'r', seq, text: firstEdit }, 'updated');
    await request(b, { type: 'send', room: 'r', id: 'reply', text: 'my answer stays', replyTo: seq }, 'ack');
    await request(b, { type: 'react', room: 'r', seq, emoji, on: true }, 'updated');
    await request(a, { type: 'edit', room: 'r', seq, text: lastEdit }, 'updated');
    // Before the redaction the texts are on disk (the test would find them: it reads the right files).
    expect(filesHolding(dir, `LASTEDIT-${marker}`).length).toBeGreaterThan(0);
    await request(b, { type: 'redact', room: 'r', seq }, 'error'); // not bob's: refused
    await request(a, { type: 'redact', room: 'r', seq }, 'updated');
    await request(a, { type: 'send', room: 'r', id: 'keep-2', text: 'after the redaction' }, 'ack');

    await a.close();
    await b.close();
    await server.app.close();
    closed = true;

    // The marker alone too: the search index holds each word of a text as a token, lower case.
    for (const needle of [marker, `ORIGINAL-${marker}`, `FIRSTEDIT-${marker}`, `LASTEDIT-${marker}`, `REACTION-${marker}`, '秘'.repeat(40)]) {
      expect(filesHolding(dir, needle), needle).toEqual([]);
    }
    // What was not redacted is still there.
    expect(filesHolding(dir, 'my answer stays').length).toBeGreaterThan(0);
    expect(filesHolding(dir, 'after the redaction').length).toBeGreaterThan(0);
  });
});
