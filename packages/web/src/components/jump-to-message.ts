// The message list's side of a jump (a reply's quote, a permalink; message-ui.ts): the window of
// rendered messages moves to the target, which is scrolled into the middle and highlighted. A
// target older than what is held loads older pages, one after another, until it is held or the
// room's beginning is reached (then the jump is dropped: the message is gone).
import { nextTick, watch, type Ref } from 'vue';
import type { DisplayMessage, RoomState } from '../lib/chat-state.js';
import { client } from '../chat.js';
import { HIGHLIGHT_MS, messageUi } from '../message-ui.js';

export interface JumpTarget {
  room: () => RoomState;
  items: Ref<DisplayMessage[]>;
  start: Ref<number>;
  end: Ref<number>;
  box: Ref<HTMLElement | null>;
  /** How many messages the list renders at most. */
  window: number;
}

let highlightTimer: ReturnType<typeof setTimeout> | null = null;

export function useJumpToMessage(list: JumpTarget): void {
  const attempt = async () => {
    // After the list's own reaction to a page that just arrived (it keeps the reader's place).
    await nextTick();
    const jump = messageUi.jump;
    const room = list.room();
    if (!jump || jump.room !== room.name || !room.joined || room.loadingOlder) return;
    const index = list.items.value.findIndex((m) => m.seq === jump.seq);
    if (index < 0) {
      const oldest = room.messages[0]?.seq ?? Infinity;
      if (room.hasOlder && jump.seq < oldest) client.loadOlder(room.name);
      else messageUi.jump = null;
      return;
    }
    messageUi.jump = null;
    list.start.value = Math.max(0, index - Math.floor(list.window / 2));
    list.end.value = Math.min(list.items.value.length, list.start.value + list.window);
    await nextTick();
    const el = list.box.value?.querySelector<HTMLElement>(`[data-msg-seq="${jump.seq}"]`);
    el?.scrollIntoView({ block: 'center' });
    el?.focus({ preventScroll: true });
    // The list's own scroll handler decides whether it still follows the newest message.
    list.box.value?.dispatchEvent(new Event('scroll'));
    messageUi.highlight = { ...jump };
    if (highlightTimer) clearTimeout(highlightTimer);
    highlightTimer = setTimeout(() => (messageUi.highlight = null), HIGHLIGHT_MS);
  };
  watch(
    () => [messageUi.jump, list.room().joined, list.room().loadingOlder, list.items.value.length],
    () => void attempt(),
    { immediate: true },
  );
}
