// The message list's side of read markers (docs/protocol.md, "Read markers"): a room is read as
// far as the reader has actually seen it, and where its unread messages began is marked while it
// stays open.
//
// useReadTracker: the newest message at least half in the list's viewport (or filling half of it)
// is "seen" (client.seen) while the window has focus and the page is visible; when focus comes
// back, what is in view then is seen. Scrolled up among old messages, newer ones stay unread.
// scrollToUnreadLine: where an opened room's list starts when its unread messages do not fit.
// useUnreadDivider: the seq of the first unread message (not mine) when the room was opened, by
// the marker the client held then; it stays while the list is mounted (MessageList is keyed by the
// room), so it goes when the reader leaves and comes back having read.
import { onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';
import type { RoomState } from '../lib/chat-state.js';
import { firstUnread } from '../lib/read-state.js';
import { chat, client } from '../chat.js';

/** The reader is looking at the page: the window has focus and the page is visible. */
function attended(): boolean {
  return document.visibilityState === 'visible' && document.hasFocus();
}

export function useReadTracker(box: Ref<HTMLElement | null>, room: () => RoomState): void {
  /** Message elements (`data-seq`) in view now. */
  const inView = new Set<HTMLElement>();
  let intersections: IntersectionObserver | null = null;
  let mutations: MutationObserver | null = null;

  function report(): void {
    if (!attended()) return;
    let newest = 0;
    for (const el of inView) {
      if (!el.isConnected) inView.delete(el);
      else newest = Math.max(newest, Number(el.dataset.seq) || 0);
    }
    if (newest > 0) client.seen(room().name, newest);
  }

  function observeMessages(): void {
    for (const el of box.value?.querySelectorAll<HTMLElement>('[data-seq]') ?? []) intersections?.observe(el);
  }

  onMounted(() => {
    const root = box.value;
    if (!root || typeof IntersectionObserver === 'undefined') return;
    intersections = new IntersectionObserver(
      (entries) => {
        for (const entry of entries) {
          const el = entry.target as HTMLElement;
          const viewport = entry.rootBounds?.height ?? 0;
          const seen = entry.isIntersecting && (entry.intersectionRatio >= 0.5 || entry.intersectionRect.height >= viewport / 2);
          if (seen) inView.add(el);
          else inView.delete(el);
        }
        report();
      },
      { root, threshold: [0, 0.25, 0.5, 0.75, 1] },
    );
    // Messages come and go as the list slides and history loads; a pending one gets its seq later.
    mutations = new MutationObserver(observeMessages);
    mutations.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-seq'] });
    observeMessages();
    window.addEventListener('focus', report);
    document.addEventListener('visibilitychange', report);
  });
  onBeforeUnmount(() => {
    intersections?.disconnect();
    mutations?.disconnect();
    window.removeEventListener('focus', report);
    document.removeEventListener('visibilitychange', report);
  });
}

/**
 * A room opened with more unread than fit starts at its unread line, not at the bottom (where the
 * newest in view would mark everything above it read). True when the list was scrolled there.
 */
export function scrollToUnreadLine(box: HTMLElement | null): boolean {
  const line = box?.querySelector<HTMLElement>('[data-testid="unread-line"]');
  if (!box || !line) return false;
  const above = line.getBoundingClientRect().top - box.getBoundingClientRect().top;
  if (above >= 0) return false;
  box.scrollTop += above - 8;
  return true;
}

export function useUnreadDivider(room: () => RoomState): Ref<number | null> {
  const divider = ref<number | null>(null);
  // Before the first `joined` of a page the marker and the messages are not known yet.
  const capture = () => (divider.value = firstUnread(room().messages, room().readSeq, chat.me?.id));
  if (room().joined) capture();
  else {
    const stop = watch(
      () => room().joined,
      (joined) => {
        if (!joined) return;
        capture();
        stop();
      },
    );
  }
  return divider;
}
