// What the page does with messages beyond the protocol (Version 1.1, issue 16): which message is
// being edited in place, which one the composer replies to, jumps to a message (a reply's quote, a
// permalink) that the open message list carries out (components/jump-to-message.ts), and the image
// the lightbox shows (issue 17).
import { reactive, watch } from 'vue';
import type { FileInfo } from '@chat/protocol';
import { chat, client } from './chat.js';
import { findMessage } from './lib/timeline.js';
import { parsePermalink } from './lib/urls.js';

export interface MessageRef {
  room: string;
  seq: number;
}

/** An image of a message: the file with id `file` of the message with render key `key`. */
export interface ImageRef {
  room: string;
  key: string;
  file: string;
}

export const messageUi = reactive({
  /** The message whose bubble is a text box now. */
  editing: null as MessageRef | null,
  /** The message the composer's next send answers. */
  replying: null as MessageRef | null,
  /** A message to scroll to (loading older history until it is held), then highlight. */
  jump: null as MessageRef | null,
  /** The message highlighted after a jump, for a moment. */
  highlight: null as MessageRef | null,
  /** The image open in the lightbox (FileLightbox.vue). */
  viewing: null as ImageRef | null,
});

/** How long a jumped-to message stays highlighted. */
export const HIGHLIGHT_MS = 2500;

export const isRef = (ref: MessageRef | null, room: string, seq: number | null) => ref !== null && ref.room === room && ref.seq === seq;

/** Scrolls to message `seq` of `room` (opening the room if needed) and highlights it. */
export function jumpTo(room: string, seq: number): void {
  if (chat.activeRoom !== room) client.openRoom(room);
  messageUi.jump = { room, seq };
}

/** Sends the composer's text and uploaded files, as a reply when one is chosen for this room. */
export function sendMessage(room: string, text: string, files?: FileInfo[]): boolean {
  const replying = messageUi.replying?.room === room ? messageUi.replying.seq : undefined;
  const sent = client.send(room, text, replying, files);
  if (sent && replying !== undefined) messageUi.replying = null;
  return sent;
}

/** Edits my last message in the room (↑ in an empty composer); false when I have none to edit. */
export function editLastOwn(room: string): boolean {
  const messages = chat.rooms.get(room)?.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]!;
    if (m.from.id === chat.me?.id && !m.deleted && m.seq !== null) {
      messageUi.editing = { room, seq: m.seq };
      return true;
    }
  }
  return false;
}

/** The message a reply in the composer quotes, while it is held. */
export function replyTarget(room: string) {
  const replying = messageUi.replying;
  const held = replying?.room === room ? chat.rooms.get(room) : undefined;
  return held && replying ? findMessage(held, replying.seq) : undefined;
}

/**
 * Opening the page with a permalink (`#room=R&seq=S`), or following one to this page: the room
 * opens and the message is shown. The fragment is then taken off the address, so a reload shows
 * the room as usual. On arrival the room opens once the first rooms are joined: before that, the
 * server's list of the user's rooms (lib/room-sync.ts) would drop a room it does not list.
 */
export function followPermalinks(): void {
  let waiting: MessageRef | null = null;
  const follow = () => {
    const link = parsePermalink(location.hash);
    if (!link) return;
    history.replaceState(history.state, '', location.pathname + location.search);
    if (ready()) jumpTo(link.room, link.seq);
    else waiting = link;
  };
  const ready = () => chat.status === 'online' && [...chat.rooms.values()].some((r) => r.joined);
  watch(ready, (now) => {
    if (!now || !waiting) return;
    jumpTo(waiting.room, waiting.seq);
    waiting = null;
  });
  follow();
  window.addEventListener('hashchange', follow);
}

/**
 * Puts text on the clipboard. The Clipboard API needs a secure context (https, or localhost); a
 * page on a LAN address over plain http falls back to the older copy command on a hidden field.
 */
export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const field = document.createElement('textarea');
    field.value = text;
    field.setAttribute('readonly', '');
    field.style.position = 'fixed';
    field.style.opacity = '0';
    document.body.append(field);
    field.select();
    const done = document.execCommand('copy');
    field.remove();
    return done;
  }
}
