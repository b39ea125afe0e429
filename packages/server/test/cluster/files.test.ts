// Files across a cluster (docs/scaling.md, UPLOAD_DIR): nodes share the upload directory and its
// signing key, so a file uploaded through one node is sent, announced and downloaded through the
// other, and a redaction made through either makes it 404 on both and removes its bytes.
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { ChangedFrame, ChatMessage, FileInfo, ServerFrame } from '@chat/protocol';
import { servicesAvailable } from '../services.js';
import { connectAccount, join, register, startCluster, TEST_TIMEOUT_MS, useClusterCleanup } from './cluster-harness.js';

const available = await servicesAvailable(['postgres', 'redis']);

useClusterCleanup();

describe.skipIf(!available)('cluster: files on every node', { timeout: TEST_TIMEOUT_MS }, () => {
  it('uploaded and sent through A, downloaded through B with URLs either node signed; once redacted, 404 on both', async () => {
    const { nodes } = await startCluster(2);
    const [a, b] = nodes as [(typeof nodes)[0], (typeof nodes)[0]];
    const alice = await register(a, 'alice');
    const bob = await register(b, 'bob');
    const aliceWs = await connectAccount(a, alice);
    const bobWs = await connectAccount(b, bob);
    await join(aliceWs, 'garden');
    await join(bobWs, 'garden');

    const form = new FormData();
    const image = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#2a9' } }).jpeg().toBuffer();
    form.append('file', new Blob([image]), 'seedlings.jpg');
    const uploaded = await fetch(`${a.baseUrl}/api/rooms/garden/files`, { method: 'POST', body: form, headers: { cookie: alice.cookie, origin: a.baseUrl } });
    const { file } = (await uploaded.json()) as { file: FileInfo };
    expect(uploaded.status).toBe(201);

    const heard = bobWs.next<ChatMessage>((f) => f.type === 'message' && f.room === 'garden' && f.text === 'look', 10_000);
    const sent = await aliceWs.request<ServerFrame>({ type: 'send', room: 'garden', id: 'm1', text: 'look', files: [file.id] }, 15_000);
    expect(sent.type).toBe('ack');
    const message = await heard;
    const [onB] = message.files as [FileInfo];
    expect(onB).toMatchObject({ id: file.id, name: 'seedlings.jpg', type: 'image/jpeg', width: 300, height: 200 });
    // URLs signed by A's commit work on B, and B's own (from a join) on A.
    expect((await fetch(`${b.baseUrl}/${onB.url}`)).status).toBe(200);
    expect((await fetch(`${b.baseUrl}/${onB.thumbUrl as string}`)).status).toBe(200);
    const joined = await join(await connectAccount(b, bob), 'garden');
    const fromB = joined.history.find((m): m is ChatMessage => m.type === 'message' && m.seq === message.seq)?.files?.[0] as FileInfo;
    expect((await fetch(`${a.baseUrl}/${fromB.url}`)).status).toBe(200);

    const redacted = aliceWs.next<ChangedFrame>((f) => f.type === 'changed' && f.action === 'redact', 10_000);
    const reply = await bobWs.request<ServerFrame>({ type: 'redact', room: 'garden', seq: message.seq }, 15_000);
    // bob is neither the author nor a moderator: refused; alice redacts through A instead.
    expect(reply).toMatchObject({ type: 'error', code: 'forbidden' });
    expect((await aliceWs.request<ServerFrame>({ type: 'redact', room: 'garden', seq: message.seq }, 15_000)).type).toBe('updated');
    expect((await redacted).message.files).toBeUndefined();
    for (const node of [a, b]) expect((await fetch(`${node.baseUrl}/${onB.url}`)).status).toBe(404);
  });
});
