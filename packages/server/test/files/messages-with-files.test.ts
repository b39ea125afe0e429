// Files in the room log (docs/protocol.md, "Files"): an upload sent with `send.files` reaches the
// room's members with URLs that work without credentials, in live events, joins, history and the
// HTTP API; only its uploader sends it, in its room, once; a redaction, retention or the room's
// deletion make it 404 at once and remove its bytes from UPLOAD_DIR.
import { existsSync } from 'node:fs';
import { join as joinPath } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { isMessage, type AckFrame, type ChangedFrame, type ChatMessage, type FileInfo, type HistoryReplyFrame } from '@chat/protocol';
import { trackResources, type TestServer } from '../helpers.js';
import { api } from '../http/http-helpers.js';
import { eventually, join, ok, refused, world, type Account } from '../hub-rules/world.js';

const res = trackResources();

const png = (width: number, height: number): Promise<Buffer> =>
  sharp({ create: { width, height, channels: 3, background: { r: 40, g: 160, b: 90 } } }).png().toBuffer();

async function upload(server: TestServer, who: Account, room: string, bytes: Buffer, name: string): Promise<FileInfo> {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const reply = await fetch(`${server.httpUrl}/api/rooms/${room}/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${who.token}` } });
  const body = (await reply.json()) as { file: FileInfo };
  expect(reply.status, JSON.stringify(body)).toBe(201);
  return body.file;
}

/** Fetches a file URL as an <img> would: relative to the page, no cookie, no token. */
const fetchFile = (server: TestServer, url: string) => fetch(`${server.httpUrl}/${url}`);

/** The bytes of a file (and its thumbnail) in UPLOAD_DIR. */
const onDisk = (server: TestServer, id: string): boolean => existsSync(joinPath(server.dataDir, 'files', id.slice(0, 2), id));

async function team() {
  const w = await world(res);
  const [alice, bob] = await w.accounts('alice', 'bob');
  const a = await alice.connect();
  const b = await bob.connect();
  await join(a, 'r');
  await join(b, 'r');
  return { w, alice, bob, a, b };
}

describe('messages with files', () => {
  it('an image sent with a caption reaches another member with URLs that work without credentials, everywhere the message is read', async () => {
    const { w, alice, bob, a, b } = await team();
    const file = await upload(w.server, alice, 'r', await png(640, 360), 'garden.png');
    expect(file).toMatchObject({ name: 'garden.png', type: 'image/png', width: 640, height: 360 });
    const toBob = b.next<ChatMessage>((f) => f.type === 'message' && f.room === 'r' && f.text === 'our garden');
    const ack = await ok<AckFrame>(a, { type: 'send', room: 'r', id: 'c1', text: 'our garden', files: [file.id] }, 'ack');
    const heard = await toBob;
    expect(heard.seq).toBe(ack.seq);
    expect(heard.files).toHaveLength(1);
    const [got] = heard.files as [FileInfo];
    expect(got).toMatchObject({ id: file.id, name: 'garden.png', type: 'image/png', size: file.size, width: 640, height: 360 });

    const image = await fetchFile(w.server, got.url);
    expect(image.status).toBe(200);
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await image.arrayBuffer()).length).toBe(got.size);
    const thumb = await fetchFile(w.server, got.thumbUrl as string);
    expect(thumb.status).toBe(200);
    const thumbMeta = await sharp(Buffer.from(await thumb.arrayBuffer())).metadata();
    expect(thumbMeta.format).toBe('webp');
    expect(Math.max(thumbMeta.width ?? 0, thumbMeta.height ?? 0)).toBeLessThanOrEqual(800);

    // A later reader gets the same files from a join, from history and from the HTTP API.
    const late = await bob.connect();
    const joined = await join(late, 'r');
    expect(joined.history.filter(isMessage).find((m) => m.seq === ack.seq)?.files?.[0]?.id).toBe(file.id);
    const history = await ok<HistoryReplyFrame>(late, { type: 'history', room: 'r' }, 'history');
    expect(history.messages.filter(isMessage).find((m) => m.seq === ack.seq)?.files?.[0]?.id).toBe(file.id);
    const viaApi = await api(w.server, 'GET', '/api/rooms/r/messages', { headers: { authorization: `Bearer ${bob.token}` } });
    const listed = (viaApi.body as { messages: ChatMessage[] }).messages.find((m) => m.seq === ack.seq);
    expect((await fetchFile(w.server, listed?.files?.[0]?.url as string)).status).toBe(200);
  });

  it('files may stand without text; only their uploader sends them, in their room, once; a resend is the original', async () => {
    const { w, alice, bob, a, b } = await team();
    await join(a, 'elsewhere');
    const file = await upload(w.server, alice, 'r', Buffer.from('just some notes\n'), 'notes.txt');
    expect(file.type).toBe('text/plain');
    expect(file.thumbUrl).toBeUndefined();
    await refused(b, { type: 'send', room: 'r', id: 'steal', text: '', files: [file.id] }, 'not_found');
    await refused(a, { type: 'send', room: 'elsewhere', id: 'move', text: '', files: [file.id] }, 'not_found');
    await refused(a, { type: 'send', room: 'r', id: 'empty', text: '  ' }, 'invalid_text');
    await refused(a, { type: 'send', room: 'r', id: 'none', text: 'x', files: [] }, 'bad_request');
    await refused(a, { type: 'send', room: 'r', id: 'twice', text: 'x', files: [file.id, file.id] }, 'bad_request');
    const ack = await ok<AckFrame>(a, { type: 'send', room: 'r', id: 'c1', text: '', files: [file.id] }, 'ack');
    const again = await ok<AckFrame>(a, { type: 'send', room: 'r', id: 'c1', text: '', files: [file.id] }, 'ack');
    expect(again.seq).toBe(ack.seq);
    await refused(a, { type: 'send', room: 'r', id: 'c2', text: 'again', files: [file.id] }, 'not_found');
    const heard = b.frames.find((f): f is ChatMessage => f.type === 'message' && f.seq === ack.seq);
    expect(heard).toMatchObject({ text: '', files: [{ id: file.id, name: 'notes.txt' }] });
    expect(bob.user.id).not.toBe(alice.user.id);
  });

  it('a redaction makes the files 404 at once and removes their bytes from UPLOAD_DIR', async () => {
    const { w, alice, a, b } = await team();
    const file = await upload(w.server, alice, 'r', await png(120, 80), 'secret.png');
    expect(onDisk(w.server, file.id)).toBe(true);
    const ack = await ok<AckFrame>(a, { type: 'send', room: 'r', id: 'c1', text: 'oops', files: [file.id] }, 'ack');
    const changed = b.next<ChangedFrame>((f) => f.type === 'changed' && f.action === 'redact');
    await ok(a, { type: 'redact', room: 'r', seq: ack.seq }, 'updated');
    expect((await changed).message.files).toBeUndefined();
    expect((await fetchFile(w.server, file.url)).status).toBe(404);
    expect((await fetchFile(w.server, file.thumbUrl as string)).status).toBe(404);
    await eventually(async () => expect(onDisk(w.server, file.id)).toBe(false));
  });

  it('retention deletes the files with their messages', async () => {
    const { w, alice, a } = await team();
    const file = await upload(w.server, alice, 'r', await png(50, 50), 'old.png');
    await ok<AckFrame>(a, { type: 'send', room: 'r', id: 'c1', text: 'old', files: [file.id] }, 'ack');
    expect(await w.store.pruneMessagesBefore(Date.now() + 1000)).toBe(1);
    expect((await fetchFile(w.server, file.url)).status).toBe(404);
    // The next redaction anywhere nudges the sweep, which removes every gone file's bytes.
    const nudge = await ok<AckFrame>(a, { type: 'send', room: 'r', id: 'c2', text: 'nudge' }, 'ack');
    await ok(a, { type: 'redact', room: 'r', seq: nudge.seq }, 'updated');
    await eventually(async () => expect(onDisk(w.server, file.id)).toBe(false));
  });
});
