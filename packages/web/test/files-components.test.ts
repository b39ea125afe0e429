// @vitest-environment happy-dom
// Files in messages in a DOM (Version 1.1, "Files", issue 17): thumbnails in boxes reserved from
// the image's size, the broken-image placeholder, players, cards with a download link, names
// rendered as text, no files on a deleted message, and the lightbox (keys, buttons, focus, the
// room's images in order); axe on both. happy-dom lays nothing out, so axe's colour contrast is
// left to the Chromium audits of the whole page.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import axe from 'axe-core';
import { nextTick, reactive } from 'vue';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FileInfo } from '@chat/protocol';
import FileLightbox from '../src/components/FileLightbox.vue';
import MessageItem from '../src/components/MessageItem.vue';
import MessageList from '../src/components/MessageList.vue';
import { chat } from '../src/chat.js';
import { setLocale } from '../src/i18n.js';
import { newRoom, type DisplayMessage, type RoomState } from '../src/lib/chat-client.js';
import { messageUi } from '../src/message-ui.js';

const ME = { id: 'u-me', nick: 'me', account: true as const };
const BOB = { id: 'u-bob', nick: 'bob', account: true as const };

const file = (id: string, name: string, type: string, extra: Partial<FileInfo> = {}): FileInfo => ({
  id,
  name,
  size: 2048,
  type,
  url: `api/files/${id}/${encodeURIComponent(name)}?exp=9&sig=abc`,
  ...extra,
});
const image = (id: string, name: string, width: number, height: number): FileInfo =>
  file(id, name, 'image/jpeg', { width, height, thumbUrl: `api/files/${id}/thumb?exp=9&sig=abc` });

const message = (seq: number, files: FileInfo[], text = '', extra: Partial<DisplayMessage> = {}): DisplayMessage => ({
  key: `${BOB.id}:${seq}`,
  seq,
  clientId: String(seq),
  from: BOB,
  text,
  ts: Date.UTC(2026, 11, 3, 9, 0, seq),
  status: 'sent',
  files,
  ...extra,
});

/** A room as the page holds it: reactive, so a list follows its changes. */
function roomWith(messages: DisplayMessage[]): RoomState {
  const room = reactive(newRoom('team'));
  room.joined = true;
  room.members = [ME, BOB];
  room.messages = messages;
  return room;
}

const mountItem = (m: DisplayMessage, room = roomWith([m])) => mount(MessageItem, { props: { message: m, mine: false, grouped: false, room }, attachTo: document.body });

async function audit(): Promise<string[]> {
  const result = await axe.run(document.body, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, rules: { 'color-contrast': { enabled: false } } });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' | ')}`);
}

chat.me = ME;
// A list left mounted would still answer messageUi.viewing (same room name) after its test.
enableAutoUnmount(afterEach);
afterEach(() => {
  document.body.innerHTML = '';
  messageUi.viewing = null;
  setLocale('en');
});

describe('a message’s files', () => {
  it('shows one image as a lazy thumbnail whose box has the image’s shape before it loads', () => {
    const w = mountItem(message(1, [image('f1', 'cat.jpg', 1600, 1200)], 'look'));
    const button = w.get('[data-testid="file-image"]');
    expect(button.element.tagName).toBe('BUTTON');
    expect(button.attributes('aria-haspopup')).toBe('dialog');
    const style = (button.element as HTMLElement).style;
    expect(style.width).toBe('320px');
    expect(style.getPropertyValue('aspect-ratio')).toBe('320 / 240');
    const img = button.get('img');
    expect(img.attributes()).toMatchObject({ src: 'api/files/f1/thumb?exp=9&sig=abc', alt: 'cat.jpg', width: '320', height: '240', loading: 'lazy', decoding: 'async' });
    // Under the text, inside the bubble.
    const bubble = w.get('[data-testid="message"]');
    expect(bubble.find('.msg-text').exists()).toBe(true);
    expect(bubble.find('.msg-text + [data-testid="message-files"]').exists()).toBe(true);
  });

  it('puts several images in a grid of tiles, each still with its width and height', () => {
    const w = mountItem(message(1, [image('a', 'a.jpg', 400, 300), image('b', 'b.jpg', 300, 900), image('c', 'c.jpg', 50, 50)]));
    expect(w.get('.file-images').classes()).toContain('file-grid');
    const tiles = w.findAll('[data-testid="file-image"]');
    expect(tiles).toHaveLength(3);
    // Tiles are square by the stylesheet: no shape of their own inline.
    expect(tiles.map((t) => t.attributes('style'))).toEqual([undefined, undefined, undefined]);
    expect(tiles.map((t) => [t.get('img').attributes('width'), t.get('img').attributes('height')])).toEqual([
      ['320', '240'],
      ['107', '320'],
      ['50', '50'],
    ]);
  });

  it('replaces an image that fails to load (expired, deleted) with a placeholder in the same box', async () => {
    const w = mountItem(message(1, [image('f1', 'gone.jpg', 640, 480)]));
    await w.get('img').trigger('error');
    expect(w.find('img').exists()).toBe(false);
    const placeholder = w.get('[data-testid="file-broken"]');
    expect(placeholder.text()).toContain('Image unavailable');
    expect(placeholder.text()).toContain('gone.jpg');
    expect((w.get('[data-testid="file-image"]').element as HTMLElement).style.width).toBe('320px');
  });

  it('shows a card with the kind, the name (whole in its title), the size and a download link', () => {
    const w = mountItem(message(1, [file('f1', 'quarterly report 2026 final version.pdf', 'application/pdf', { size: 1536 })], 'the report'));
    const card = w.get('[data-testid="file-card"]');
    expect(card.get('.file-icon').classes()).toContain('kind-pdf');
    expect(card.get('.file-icon').attributes('data-ext')).toBe('PDF');
    const name = card.get('[data-testid="file-name"]');
    expect(name.text()).toBe('quarterly report 2026 final version.pdf');
    expect(name.attributes('title')).toBe('quarterly report 2026 final version.pdf');
    expect(card.get('[data-testid="file-size"]').text()).toBe('1.5 KB');
    const link = card.get('[data-testid="file-download"]');
    expect(link.attributes()).toMatchObject({
      href: 'api/files/f1/quarterly%20report%202026%20final%20version.pdf?exp=9&sig=abc',
      download: 'quarterly report 2026 final version.pdf',
      rel: 'noopener',
      'aria-label': 'Download quarterly report 2026 final version.pdf',
    });
  });

  it('plays audio and video inline without loading them first', () => {
    const w = mountItem(message(1, [file('f1', 'song.mp3', 'audio/mpeg'), file('f2', 'clip.mp4', 'video/mp4')]));
    const audio = w.get('[data-testid="file-audio"]');
    const video = w.get('[data-testid="file-video"]');
    for (const [player, src] of [[audio, 'api/files/f1/song.mp3?exp=9&sig=abc'], [video, 'api/files/f2/clip.mp4?exp=9&sig=abc']] as const) {
      expect(player.attributes()).toMatchObject({ src, preload: 'none' });
      expect(player.attributes('controls')).toBeDefined();
    }
    expect(audio.attributes('aria-label')).toBe('song.mp3');
  });

  it('renders a name holding HTML as text', () => {
    const name = '<img src=x onerror="alert(1)"><b>x</b>.txt';
    const w = mountItem(message(1, [file('f1', name, 'text/plain'), image('f2', '<script>alert(2)</script>.png', 10, 10)]));
    expect(w.get('[data-testid="file-name"]').text()).toBe(name);
    expect(w.find('.file-card img').exists()).toBe(false);
    expect(w.find('.file-card b').exists()).toBe(false);
    expect(w.find('script').exists()).toBe(false);
    expect(w.get('[data-testid="file-image"] img').attributes('alt')).toBe('<script>alert(2)</script>.png');
  });

  it('shows only the files of a message without text, and none of a deleted one (or one I am deleting)', () => {
    const only = mountItem(message(1, [image('f1', 'a.jpg', 10, 10)]));
    expect(only.find('.msg-text').exists()).toBe(false);
    expect(only.find('[data-testid="message-files"]').exists()).toBe(true);

    const deleted = mountItem(message(2, [image('f2', 'b.jpg', 10, 10)], '', { deleted: true }));
    expect(deleted.find('[data-testid="message-deleted"]').exists()).toBe(true);
    expect(deleted.find('[data-testid="message-files"]').exists()).toBe(false);

    const room = roomWith([message(3, [image('f3', 'c.jpg', 10, 10)])]);
    room.changes = [{ id: 'c1', action: 'redact', target: 3, status: 'sent', ts: 0 } as (typeof room.changes)[number]];
    const list = mount(MessageList, { props: { room }, attachTo: document.body });
    expect(list.find('[data-testid="message-deleted"]').exists()).toBe(true);
    expect(list.find('[data-testid="message-files"]').exists()).toBe(false);
  });

  it('passes axe with images, a broken image, cards and players, in both languages', async () => {
    const files = [image('a', 'a.jpg', 400, 300), image('b', 'b.jpg', 300, 400), file('c', 'c.zip', 'application/zip'), file('d', 'd.mp3', 'audio/mpeg')];
    const w = mount(MessageList, { props: { room: roomWith([message(1, files, 'files'), message(2, [image('e', 'e.jpg', 10, 10)])]) }, attachTo: document.body });
    await w.findAll('img')[1]!.trigger('error');
    expect(await audit()).toEqual([]);
    setLocale('zh-CN');
    await nextTick();
    expect(w.get('[data-testid="file-download"]').attributes('aria-label')).toBe('下载 c.zip');
    expect(w.get('[data-testid="file-broken"]').text()).toContain('图片无法显示');
    expect(await audit()).toEqual([]);
  });
});

describe('the lightbox', () => {
  const timeline = () =>
    roomWith([
      message(1, [image('a', 'first.jpg', 800, 600), file('x', 'notes.txt', 'text/plain')], 'two'),
      message(2, [], 'no files'),
      message(3, [image('b', 'second.jpg', 600, 800), image('c', 'third.jpg', 1000, 1000)]),
    ]);

  /** The room's messages, and the lightbox the way the list opens it (a click on a thumbnail). */
  async function openAt(room: RoomState, fileId: string) {
    const list = mount(MessageList, { props: { room }, attachTo: document.body });
    const thumbnail = list.get(`[data-testid="file-image"][data-file-id="${fileId}"]`);
    (thumbnail.element as HTMLElement).focus();
    await thumbnail.trigger('click');
    // The lightbox's chunk is imported on this first click.
    await vi.waitFor(() => expect(document.querySelector('[data-testid="lightbox"]')).not.toBeNull());
    await nextTick();
    return { list, thumbnail: thumbnail.element, box: () => document.querySelector<HTMLDialogElement>('[data-testid="lightbox"]') };
  }
  const q = (testid: string) => document.querySelector<HTMLElement>(`[data-testid="${testid}"]`);
  const key = (name: string) => q('lightbox')!.dispatchEvent(new KeyboardEvent('keydown', { key: name, bubbles: true, cancelable: true }));

  it('opens the clicked image in a modal dialog named by the file, with its place among the room’s images', async () => {
    const { box } = await openAt(timeline(), 'b');
    const dialog = box()!;
    expect(dialog.open).toBe(true);
    expect(dialog.getAttribute('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.getAttribute('aria-labelledby')!)!.textContent).toBe('second.jpg');
    const img = dialog.querySelector('img')!;
    expect(img.getAttribute('src')).toBe('api/files/b/second.jpg?exp=9&sig=abc');
    expect(img.getAttribute('alt')).toBe('second.jpg');
    expect(q('lightbox-count')!.textContent).toBe('2 of 3');
    const download = q('lightbox-download')!;
    expect([download.getAttribute('href'), download.getAttribute('download'), download.getAttribute('rel')]).toEqual(['api/files/b/second.jpg?exp=9&sig=abc', 'second.jpg', 'noopener']);
    await nextTick();
    expect(document.activeElement).toBe(q('lightbox-close'));
  });

  it('moves with ← and → and the buttons, in timeline order, and stops at the ends', async () => {
    const { box } = await openAt(timeline(), 'a');
    const name = () => box()!.querySelector('img')!.getAttribute('alt');
    expect([name(), q('lightbox-count')!.textContent]).toEqual(['first.jpg', '1 of 3']);
    expect(q('lightbox-prev')!.getAttribute('aria-disabled')).toBe('true');
    key('ArrowLeft');
    await nextTick();
    expect(name()).toBe('first.jpg');
    key('ArrowRight');
    await nextTick();
    expect([name(), q('lightbox-count')!.textContent]).toEqual(['second.jpg', '2 of 3']);
    q('lightbox-next')!.click();
    await nextTick();
    expect([name(), q('lightbox-count')!.textContent]).toEqual(['third.jpg', '3 of 3']);
    expect(q('lightbox-next')!.getAttribute('aria-disabled')).toBe('true');
    key('ArrowRight');
    await nextTick();
    expect(name()).toBe('third.jpg');
    q('lightbox-prev')!.click();
    key('ArrowLeft');
    await nextTick();
    expect(name()).toBe('first.jpg');
  });

  it('closes on Escape and gives the focus back to the thumbnail that opened it', async () => {
    const { thumbnail, box } = await openAt(timeline(), 'a');
    key('ArrowRight');
    await nextTick();
    key('Escape');
    await flushPromises();
    expect(messageUi.viewing).toBeNull();
    expect(box()).toBeNull();
    expect(document.activeElement).toBe(thumbnail);
  });

  it('closes with its button and on a click beside the image, not on the image', async () => {
    await openAt(timeline(), 'a');
    q('lightbox')!.querySelector('img')!.click();
    await flushPromises();
    expect(q('lightbox')).not.toBeNull();
    q('lightbox')!.querySelector<HTMLElement>('.lightbox-stage')!.click();
    await flushPromises();
    expect(q('lightbox')).toBeNull();

    await openAt(timeline(), 'c');
    q('lightbox-close')!.click();
    await flushPromises();
    expect(q('lightbox')).toBeNull();
  });

  it('follows the timeline: a new image joins the count, and closes when the shown one is deleted', async () => {
    const room = timeline();
    await openAt(room, 'c');
    room.messages.push(message(4, [image('d', 'fourth.jpg', 10, 10)]));
    await nextTick();
    expect(q('lightbox-count')!.textContent).toBe('3 of 4');
    room.messages[2] = { ...room.messages[2]!, deleted: true, files: undefined };
    await flushPromises();
    expect(q('lightbox')).toBeNull();
  });

  it('shows a placeholder for an image that does not load, and passes axe in both languages', async () => {
    await openAt(timeline(), 'b');
    expect(await audit()).toEqual([]);
    q('lightbox')!.querySelector('img')!.dispatchEvent(new Event('error'));
    await nextTick();
    expect(q('lightbox-broken')!.textContent).toBe('Image unavailable');
    setLocale('zh-CN');
    await nextTick();
    expect(q('lightbox-count')!.textContent).toBe('第 2 张，共 3 张');
    expect(q('lightbox-next')!.getAttribute('aria-label')).toBe('下一张图片');
    expect(await audit()).toEqual([]);
  });

  it('renders on its own for a room (the list loads it as a separate chunk)', async () => {
    const room = timeline();
    messageUi.viewing = { room: 'team', key: room.messages[0]!.key, file: 'a' };
    const w = mount(FileLightbox, { props: { room }, attachTo: document.body });
    await nextTick();
    expect(q('lightbox-count')!.textContent).toBe('1 of 3');
    w.unmount();
  });
});
