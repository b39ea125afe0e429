// Messages with files (Version 1.1, "Files"; issue 17) through the outbox: the send carries the
// uploaded files' ids, text may then be empty, and the FILEs stay with the unsent message through
// a drop, a reload (localStorage) and the resend with the same id.
import { describe, expect, it } from 'vitest';
import { MAX_FILES_PER_MESSAGE, type FileInfo } from '@chat/protocol';
import { ALICE, harness, joined, message, onlineAsAlice, T0, useFakeTimers, welcome, withRef } from './client-harness.js';

useFakeTimers();

const file = (n: number): FileInfo => ({ id: `f${n}AAAAAAAAAAAAAAAA`, name: `photo-${n}.png`, size: 1000 + n, type: 'image/png', url: `files/f${n}/photo-${n}.png?sig=x`, width: 10, height: 8, thumbUrl: `files/f${n}/thumb?sig=x` });

describe('a send with files', () => {
  it('goes out with the ids, may have no text, and shows its files while pending and once acked', () => {
    const h = onlineAsAlice();
    expect(h.client.send('lobby', '  ', undefined, [file(1), file(2)])).toBe(true);
    const [send] = h.socket.ofType('send');
    expect(send).toMatchObject({ type: 'send', room: 'lobby', text: '', files: [file(1).id, file(2).id] });
    expect(h.room().outbox[0]).toMatchObject({ text: '', status: 'pending', files: [file(1), file(2)] });

    h.socket.receive(withRef(send!, { type: 'ack', room: 'lobby', id: send!.id, seq: 1, msgId: '1', ts: T0 }));
    expect(h.room().outbox).toEqual([]);
    expect(h.room().messages).toEqual([expect.objectContaining({ seq: 1, status: 'sent', files: [file(1), file(2)] })]);
  });

  it('sends text alone without a files field, and refuses nothing at all or too many files', () => {
    const h = onlineAsAlice();
    h.client.send('lobby', 'just words', undefined, []);
    expect(h.socket.last('send')).not.toHaveProperty('files');
    expect(h.client.send('lobby', '', undefined, [])).toBe(false);
    const eleven = Array.from({ length: MAX_FILES_PER_MESSAGE + 1 }, (_, i) => file(i));
    expect(h.client.send('lobby', 'many', undefined, eleven)).toBe(false);
    expect(h.socket.ofType('send')).toHaveLength(1);
  });

  it('is kept with its files across a reload and resent with the same id and the same files', () => {
    const first = onlineAsAlice();
    first.socket.drop();
    first.client.send('lobby', 'holiday', undefined, [file(3)]);
    const clientId = first.room().outbox[0]!.clientId;
    first.client.stop();

    const reload = harness({ storage: first.storage });
    expect(reload.room().outbox).toEqual([expect.objectContaining({ clientId, text: 'holiday', status: 'pending', files: [file(3)] })]);
    reload.client.start();
    reload.socket.open();
    reload.socket.receive(welcome());
    reload.socket.receive(withRef(reload.socket.last('join'), joined('lobby')));
    expect(reload.socket.ofType('send')).toEqual([expect.objectContaining({ id: clientId, text: 'holiday', files: [file(3).id] })]);

    reload.socket.receive({ ...message(1, ALICE, 'holiday', clientId), files: [file(3)] });
    expect(reload.room().outbox).toEqual([]);
    expect(reload.storage.dump()).not.toContain('holiday');
  });

  it('drops a saved message whose files cannot be read back, rather than send it without them', () => {
    const first = onlineAsAlice();
    first.socket.drop();
    first.client.send('lobby', 'with a file', undefined, [file(4)]);
    first.client.send('lobby', 'plain text');
    first.client.stop();
    const saved = JSON.parse(first.storage.getItem('chat.outbox')!) as Array<{ files?: unknown[] }>;
    saved[0]!.files = [{ id: 42 }];
    first.storage.setItem('chat.outbox', JSON.stringify(saved));

    const reload = harness({ storage: first.storage });
    expect(reload.room().outbox.map((m) => m.text)).toEqual(['plain text']);
  });
});
