// Uploaded files (src/store/file-store.ts, and NewMessage.files in message-store.ts): recorded,
// claimed by the message that sends them (once, by their uploader, in their room), shown in
// MESSAGE.files wherever the message is read, and gone with a redaction, retention, the room's
// deletion or a day unsent; the sweeper's steps and the daily quota.
import { randomBytes } from 'node:crypto';
import { isMessage, type ChatMessage } from '@chat/protocol';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EntryResult, NewFile, NewMessage, Store } from '../../../src/store/store.js';
import { alice, bob, DAY, msg, type StoreUnderTest } from './store-under-test.js';

const fileId = (): string => randomBytes(16).toString('base64url');

const upload = (room: string, userId = alice.id, over: Partial<NewFile> = {}): NewFile => ({
  id: fileId(),
  room,
  userId,
  name: 'photo.png',
  size: 1234,
  type: 'image/png',
  width: 640,
  height: 480,
  thumb: true,
  createdAt: Date.now(),
  ...over,
});

const withFiles = (room: string, clientId: string, files: string[], from = alice, text = ''): NewMessage => ({ ...msg(room, clientId, from, text), files });

const message = (result: EntryResult | undefined): ChatMessage => {
  if (!result || !('message' in result)) throw new Error(`not a message: ${JSON.stringify(result)}`);
  return result.message;
};

export function describeFiles(t: StoreUnderTest): void {
  describe('uploaded files', () => {
    let store: Store;
    beforeEach(async () => {
      store = t.store;
      await store.ensureRoom('a');
      await store.ensureRoom('b');
    });

    it('records an upload and finds it by id, unsent, with its room and uploader', async () => {
      const f = upload('a');
      await store.addFile(f);
      expect(await store.fileById(f.id)).toEqual({ ...f, sent: false });
      expect(await store.fileById(fileId())).toBeNull();
      const plain = upload('a', alice.id, { type: 'application/pdf', name: 'a.pdf' });
      delete plain.width;
      delete plain.height;
      delete plain.thumb;
      await store.addFile(plain);
      expect(await store.fileById(plain.id)).toEqual({ ...plain, sent: false });
    });

    it('a message claims its files in order: MESSAGE.files as sent, read back the same way everywhere', async () => {
      const [f1, f2] = [upload('a'), upload('a', alice.id, { name: 'b.png' })];
      await store.addFile(f1);
      await store.addFile(f2);
      const sent = message((await store.appendEntries([withFiles('a', 'c1', [f2.id, f1.id])]))[0]);
      expect(sent.text).toBe('');
      expect(sent.files?.map((f) => f.id)).toEqual([f2.id, f1.id]);
      expect(sent.files?.[1]).toMatchObject({ id: f1.id, name: 'photo.png', size: 1234, type: 'image/png', width: 640, height: 480 });
      expect(sent.files?.[1]?.url).toContain(f1.id);
      expect(sent.files?.[1]?.thumbUrl).toBeDefined();
      const before = (await store.messagesBefore('a', undefined, 10)).messages[0];
      const after = (await store.messagesAfter('a', 0, 10)).messages.find(isMessage);
      expect(before?.files).toEqual(sent.files);
      expect(after?.files).toEqual(sent.files);
      expect((await store.fileById(f1.id))?.sent).toBe(true);
    });

    it('refuses (not_found, no seq) files of another user, of another room, unknown, or already sent; a resend is the original', async () => {
      const mine = upload('a');
      const bobs = upload('a', bob.id);
      const elsewhere = upload('b');
      for (const f of [mine, bobs, elsewhere]) await store.addFile(f);
      const results = await store.appendEntries([
        withFiles('a', 'x1', [bobs.id]),
        withFiles('a', 'x2', [elsewhere.id]),
        withFiles('a', 'x3', [fileId()]),
        withFiles('a', 'x4', [mine.id, bobs.id]),
        withFiles('a', 'ok', [mine.id], alice, 'caption'),
        withFiles('a', 'again', [mine.id]),
      ]);
      for (const r of results.slice(0, 4)) expect(r).toMatchObject({ refused: 'not_found' });
      expect(message(results[4]).seq).toBe(1);
      expect(results[5]).toMatchObject({ refused: 'not_found' });
      // The refused x4 took nothing: mine was still claimable by "ok".
      const resend = (await store.appendEntries([withFiles('a', 'ok', [mine.id], alice, 'caption')]))[0];
      expect(resend).toMatchObject({ duplicate: true, message: { seq: 1, text: 'caption', files: [{ id: mine.id }] } });
      expect(await store.lastSeq('a')).toBe(1);
    });

    it('a redaction erases the files from the message and makes them gone (404), name and all', async () => {
      const f = upload('a');
      await store.addFile(f);
      const sent = message((await store.appendEntries([withFiles('a', 'c1', [f.id], alice, 'see')]))[0]);
      const [result] = await store.appendEntries([{ action: 'redact', room: 'a', seq: sent.seq, by: alice, moderator: false }]);
      expect(result && 'change' in result && result.change.message.files).toBeUndefined();
      expect(await store.fileById(f.id)).toBeNull();
      expect((await store.messagesBefore('a', undefined, 10)).messages[0]?.files).toBeUndefined();
      expect(await store.goneFiles(10)).toEqual([f.id]);
      await store.bytesRemoved([f.id]);
      expect(await store.goneFiles(10)).toEqual([]);
    });

    it('retention and room deletion make files gone; unsent uploads expire', async () => {
      const old = upload('a');
      const inDeleted = upload('b');
      const unsent = upload('a', alice.id, { createdAt: Date.now() - 2 * DAY });
      for (const f of [old, inDeleted, unsent]) await store.addFile(f);
      await store.appendEntries([withFiles('a', 'c1', [old.id]), withFiles('b', 'c1', [inDeleted.id])]);
      expect(await store.pruneMessagesBefore(Date.now() + 1000)).toBeGreaterThanOrEqual(1);
      expect(await store.fileById(old.id)).toBeNull();
      expect(await store.deleteRoom('b')).toBe(true);
      expect(await store.fileById(inDeleted.id)).toBeNull();
      expect(await store.expireUnsentFiles(Date.now() - DAY)).toBe(1);
      expect(await store.fileById(unsent.id)).toBeNull();
      expect((await store.goneFiles(10)).sort()).toEqual([old.id, inDeleted.id, unsent.id].sort());
    });

    it('counts a user’s uploads of the last day, gone ones too, until their rows are purged', async () => {
      await store.addFile(upload('a', alice.id, { size: 100 }));
      const gone = upload('a', alice.id, { size: 50, createdAt: Date.now() - 2 * DAY });
      await store.addFile(gone);
      await store.addFile(upload('a', bob.id, { size: 7 }));
      expect(await store.uploadedBytesSince(alice.id, Date.now() - DAY)).toBe(100);
      expect(await store.uploadedBytesSince(alice.id, Date.now() - 3 * DAY)).toBe(150);
      await store.expireUnsentFiles(Date.now() - DAY);
      expect(await store.purgeFiles(Date.now() - DAY)).toBe(0); // bytes not yet removed
      await store.bytesRemoved([gone.id]);
      expect(await store.purgeFiles(Date.now() - DAY)).toBe(1);
      expect(await store.uploadedBytesSince(alice.id, Date.now() - 3 * DAY)).toBe(100);
    });
  });
}
