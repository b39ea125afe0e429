// Files in messages (Version 1.1, "Files"; src/lib/files.ts, format.ts): how each file is shown,
// the box a thumbnail reserves before it loads, the card's kind and size, the lightbox's list of
// a room's images, and a message's files as the timeline keeps them through edits and redactions.
import { describe, expect, it } from 'vitest';
import type { ChangedFrame, ChatMessage, FileInfo } from '@chat/protocol';
import { cardKind, showAs, thumbBox } from '../../src/lib/files.js';
import { timelineImages } from '../../src/lib/timeline-images.js';
import { fileSize } from '../../src/lib/format.js';
import type { DisplayMessage } from '../../src/lib/chat-state.js';
import { BOB, T0, message, onlineAsAlice, useFakeTimers } from './client-harness.js';

useFakeTimers();

const file = (name: string, type: string, extra: Partial<FileInfo> = {}): FileInfo => ({
  id: `f-${name}`,
  name,
  size: 1000,
  type,
  url: `api/files/f-${name}/${encodeURIComponent(name)}?exp=1&sig=s`,
  ...extra,
});
const image = (name: string, width: number, height: number): FileInfo =>
  file(name, 'image/png', { width, height, thumbUrl: `api/files/f-${name}/thumb.webp?exp=1&sig=s` });

describe('how a file is shown', () => {
  it('images with a thumbnail as thumbnails, audio and video as players, the rest (SVG too) as cards', () => {
    expect(showAs(image('a.png', 10, 10))).toBe('image');
    expect(showAs(file('song.mp3', 'audio/mpeg'))).toBe('audio');
    expect(showAs(file('clip.mp4', 'video/mp4'))).toBe('video');
    expect(showAs(file('drawing.svg', 'image/svg+xml'))).toBe('card');
    expect(showAs(file('page.html', 'text/html'))).toBe('card');
  });

  it('reserves a box scaled down (never up) into 320×320, with a floor for slivers and 4:3 when the size is unknown', () => {
    expect(thumbBox(image('wide.png', 1600, 1200))).toEqual({ width: 320, height: 240 });
    expect(thumbBox(image('tall.png', 600, 1200))).toEqual({ width: 160, height: 320 });
    expect(thumbBox(image('small.png', 100, 50))).toEqual({ width: 100, height: 50 });
    expect(thumbBox(image('sliver.png', 100, 4000))).toEqual({ width: 48, height: 320 });
    expect(thumbBox(file('odd.png', 'image/png', { thumbUrl: 't' }))).toEqual({ width: 320, height: 240 });
  });

  it("picks the card's icon by the server's type, or by the extension when the bytes said nothing", () => {
    expect(cardKind(file('report.bin', 'application/pdf'))).toBe('pdf');
    expect(cardKind(file('backup.zip', 'application/zip'))).toBe('archive');
    expect(cardKind(file('logs.tar.gz', 'application/gzip'))).toBe('archive');
    expect(cardKind(file('plan.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'))).toBe('document');
    expect(cardKind(file('book.epub', 'application/epub+zip'))).toBe('document');
    expect(cardKind(file('notes.txt', 'application/octet-stream'))).toBe('text');
    expect(cardKind(file('data.CSV', 'application/octet-stream'))).toBe('text');
    expect(cardKind(file('page.html', 'text/html'))).toBe('text');
    expect(cardKind(file('mystery', 'application/octet-stream'))).toBe('generic');
    expect(cardKind(file('tool.exe', 'application/x-msdownload'))).toBe('generic');
  });

  it('formats sizes in B, KB and MB, in the reader’s language', () => {
    expect(fileSize(0, 'en')).toBe('0 B');
    expect(fileSize(512, 'en')).toBe('512 B');
    expect(fileSize(1536, 'en')).toBe('1.5 KB');
    expect(fileSize(230 * 1024 + 100, 'en')).toBe('230 KB');
    expect(fileSize(10 * 1024 * 1024, 'en')).toBe('10 MB');
    expect(fileSize(2.25 * 1024 * 1024, 'zh-CN')).toBe('2.3 MB');
    expect(fileSize(3 * 1024 ** 3, 'en')).toBe('3 GB');
  });
});

describe('the images of a timeline', () => {
  const shown = (key: string, files: FileInfo[], extra: Partial<DisplayMessage> = {}): DisplayMessage => ({
    key, seq: 1, clientId: key, from: BOB, text: '', ts: T0, status: 'sent', files, ...extra,
  });

  it('lists every image in order, skipping other files and redacted messages', () => {
    const list = timelineImages([
      shown('m1', [image('1.png', 1, 1), file('a.pdf', 'application/pdf'), image('2.png', 1, 1)]),
      shown('m2', []),
      shown('m3', [image('gone.png', 1, 1)], { deleted: true }),
      shown('m4', [image('3.png', 1, 1)]),
    ]);
    expect(list.map((i) => `${i.key}/${i.file.name}`)).toEqual(['m1/1.png', 'm1/2.png', 'm4/3.png']);
  });
});

describe('files in the timeline', () => {
  const withFiles = (seq: number, files: FileInfo[]): ChatMessage => ({ ...message(seq), text: '', files });
  const changed = (seq: number, action: ChangedFrame['action'], target: ChatMessage): ChangedFrame => ({
    type: 'changed', room: 'lobby', seq, action, by: BOB, ts: T0 + seq * 100, message: target,
  });

  it('keeps a message’s files, through an edit, and drops them with its redaction', () => {
    const h = onlineAsAlice({ seq: 0 });
    const files = [image('cat.png', 800, 600), file('notes.txt', 'text/plain')];
    h.socket.receive(withFiles(1, files));
    expect(h.room().messages[0]!.files).toEqual(files);
    h.socket.receive(changed(2, 'edit', { ...withFiles(1, files), text: 'look', edited: T0 + 200 }));
    expect(h.room().messages[0]).toMatchObject({ text: 'look', files });
    h.socket.receive(changed(3, 'redact', { ...message(1), text: '', deleted: true }));
    expect(h.room().messages[0]!.deleted).toBe(true);
    expect(h.room().messages[0]!.files).toBeUndefined();
  });
});
