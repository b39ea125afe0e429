// What a message's row does beyond showing it (Version 1.1, issue 16), for MessageItem and
// MessageExtras: when its action bar shows (hover, focus within, a long press on a touch screen),
// and what its actions do: react, reply, edit in place, delete (confirmed), follow a reply's quote.
import { computed, nextTick, onBeforeUnmount, ref, type Ref } from 'vue';
import { chat, client } from '../chat.js';
import { canModerate, type DisplayMessage, type RoomState } from '../lib/chat-state.js';
import { normalizeEmoji } from '../lib/message-changes.js';
import { locale, t } from '../i18n.js';
import { isRef, jumpTo, messageUi } from '../message-ui.js';

/** A touch held this long opens the action bar (the usual long press). */
export const LONG_PRESS_MS = 500;

interface ItemProps {
  message: DisplayMessage;
  mine: boolean;
  room: RoomState;
}

/** The element has focus the browser would show a ring for (from the keyboard). */
function keyboardFocus(target: EventTarget | null): boolean {
  try {
    return (target as Element).matches(':focus-visible');
  } catch {
    return true; // a browser without :focus-visible: any focus shows the bar
  }
}

export type MessageActionsState = ReturnType<typeof useMessageActions>;

export function useMessageActions(props: ItemProps, item: Ref<HTMLElement | null>) {
  const hovered = ref(false);
  const focused = ref(false);
  const pressed = ref(false);
  const pickerOpen = ref(false);
  const confirmOpen = ref(false);
  const seq = computed(() => props.message.seq);
  const editing = computed(() => isRef(messageUi.editing, props.room.name, seq.value));
  const stored = computed(() => seq.value !== null && !props.message.deleted);
  const shown = computed(() => stored.value && !editing.value && (hovered.value || focused.value || pressed.value || pickerOpen.value || confirmOpen.value));
  const canEdit = computed(() => props.mine && stored.value);
  // The server decides (the author, the room's owner and moderators, admins: admins are owners in `joined.role`).
  const canDelete = computed(() => props.mine || canModerate(props.room.role));
  const highlighted = computed(() => isRef(messageUi.highlight, props.room.name, seq.value));
  const editedTitle = computed(() => (props.message.edited ? t('editedAt', { time: new Date(props.message.edited).toLocaleString(locale.value) }) : ''));
  /** Our change to this message that is not yet stored: failed ones first (they need a decision). */
  const change = computed(() => {
    const mine = props.room.changes.filter((c) => c.target === seq.value && c.status !== 'stored');
    return mine.find((c) => c.status === 'failed') ?? mine[0];
  });

  // ---- when the bar shows -------------------------------------------------------------------

  let pressTimer: ReturnType<typeof setTimeout> | null = null;
  const cancelPress = () => {
    if (pressTimer) clearTimeout(pressTimer);
    pressTimer = null;
  };
  /** A touch elsewhere closes a bar a long press opened. */
  const touchedElsewhere = (event: Event) => {
    if (item.value?.contains(event.target as Node)) return;
    pressed.value = false;
    document.removeEventListener('touchstart', touchedElsewhere);
  };
  const listeners = {
    mouseenter: () => (hovered.value = true),
    mouseleave: () => (hovered.value = false),
    // Keyboard focus only: a jump's focus or a click on the bubble leaves the bar to the pointer.
    focusin: (event: FocusEvent) => (focused.value = keyboardFocus(event.target)),
    focusout: (event: FocusEvent) => {
      if (!item.value?.contains(event.relatedTarget as Node | null)) focused.value = false;
    },
    touchstart: (event: TouchEvent) => {
      if (item.value?.querySelector('.msg-actions')?.contains(event.target as Node)) return;
      cancelPress();
      pressTimer = setTimeout(() => {
        pressed.value = true;
        document.addEventListener('touchstart', touchedElsewhere, { passive: true });
      }, LONG_PRESS_MS);
    },
    touchend: cancelPress,
    touchmove: cancelPress,
    touchcancel: cancelPress,
    // The long press opened the bar: not the browser's menu too.
    contextmenu: (event: Event) => {
      if (pressed.value) event.preventDefault();
    },
  };
  onBeforeUnmount(() => {
    cancelPress();
    document.removeEventListener('touchstart', touchedElsewhere);
  });

  /** After a dialog: focus back on the message, whose bar then shows again. */
  const refocus = () => void nextTick(() => item.value?.focus({ preventScroll: true }));

  // ---- the actions --------------------------------------------------------------------------

  function react(emoji: string): void {
    if (seq.value === null) return;
    const e = normalizeEmoji(emoji);
    const had = props.message.reactions?.some((r) => r.emoji === e && chat.me !== null && r.users.includes(chat.me.id)) ?? false;
    client.react(props.room.name, seq.value, e, !had);
  }

  function reply(): void {
    if (seq.value !== null) messageUi.replying = { room: props.room.name, seq: seq.value };
    pressed.value = false;
  }

  function edit(): void {
    if (seq.value !== null) messageUi.editing = { room: props.room.name, seq: seq.value };
    pressed.value = false;
  }

  function stopEditing(): void {
    messageUi.editing = null;
    refocus();
  }

  /** Save in the editor: an unchanged or refused text keeps the editor open only when it is empty. */
  function save(text: string): void {
    if (seq.value === null || !text.trim()) return;
    client.edit(props.room.name, seq.value, text);
    stopEditing();
  }

  function confirmDelete(): void {
    if (seq.value !== null) client.redact(props.room.name, seq.value);
  }

  function openReply(): void {
    const target = props.message.replyTo;
    if (target) jumpTo(props.room.name, target.seq);
  }

  return {
    listeners,
    shown,
    editing,
    canEdit,
    canDelete,
    highlighted,
    editedTitle,
    change,
    pickerOpen,
    confirmOpen,
    react,
    reply,
    edit,
    save,
    stopEditing,
    confirmDelete,
    openReply,
    refocus,
  };
}
