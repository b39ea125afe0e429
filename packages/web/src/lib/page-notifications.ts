// Desktop notifications and a soft tone from the open page (issue 19), for live messages that
// arrive while the tab is hidden and the socket open: the server sends a Web Push only to users
// with no open connection, so this is what tells someone whose chat sits in a background tab.
// Plain TypeScript without Vue or browser globals: chat.ts passes in the browser's pieces, and
// loads this module only once a live message finds the tab hidden with something turned on.
import { PUSH_TEXT_CHARS, type ChatMessage } from '@chat/protocol';
import { notifyLevel, roomLabel, type ChatState, type NotifyLevel, type RoomState } from './chat-state.js';
import type { NotifyPrefs } from './client-storage.js';

/** What one notification shows; `data` is shaped like a push's body (PushPayload), so the service worker's click handling reads either. */
export interface PageNotification {
  title: string;
  body: string;
  /** One per room: a burst in a room replaces its notification instead of piling up. */
  tag: string;
  data: { room: string; seq: number; from: string; text: string };
}

export interface PageNotificationsDeps {
  state: Pick<ChatState, 'me' | 'status'>;
  /** The page is hidden (`document.visibilityState`). */
  hidden(): boolean;
  prefs(): NotifyPrefs;
  /** `Notification.permission`, or null where the browser has no notifications. */
  permission(): NotificationPermission | null;
  show(notification: PageNotification): void;
  /** Plays the notification tone (playTone). */
  tone(): void;
}

/**
 * docs/protocol.md, the `notify` levels: `all` wants every message of others, `mentions` those
 * whose `mentions` list my id (as the message list highlights them), `none` nothing.
 */
export function wanted(level: NotifyLevel, message: Pick<ChatMessage, 'from' | 'mentions'>, me: string | undefined): boolean {
  if (me === undefined || message.from.id === me) return false;
  if (level === 'all') return true;
  return level === 'mentions' && message.mentions?.includes(me) === true;
}

/** A DM is titled by the sender; another room by the sender and the room. Text first, else the files' names. */
export function notificationOf(room: Pick<RoomState, 'name' | 'kind' | 'peer'>, message: ChatMessage): PageNotification {
  const nick = message.from.nick;
  const text = (message.text || (message.files ?? []).map((f) => f.name).join(', ')).slice(0, PUSH_TEXT_CHARS);
  const title = room.kind === 'dm' ? nick : `${nick} · ${roomLabel({ name: room.name, peer: null })}`;
  return { title, body: text, tag: `room:${room.name}`, data: { room: room.name, seq: message.seq, from: nick, text } };
}

export class PageNotifications {
  constructor(private readonly deps: PageNotificationsDeps) {}

  /**
   * A live message of someone else (ChatClient's onLive). Shown only while the page is hidden
   * (a visible page shows the message itself), the socket open, the room's level wants it, and
   * the user turned notifications on here with the browser's permission; the tone plays when
   * the sound is on, even without the permission. Says what it did, for tests.
   */
  live(room: Pick<RoomState, 'name' | 'kind' | 'peer' | 'notify'>, message: ChatMessage): { shown: boolean; tone: boolean } {
    const { deps } = this;
    const none = { shown: false, tone: false };
    if (!deps.hidden() || deps.state.status !== 'online') return none;
    if (!wanted(notifyLevel(room), message, deps.state.me?.id)) return none;
    const prefs = deps.prefs();
    const shown = prefs.device && deps.permission() === 'granted';
    if (shown) deps.show(notificationOf(room, message));
    if (prefs.sound) deps.tone();
    return { shown, tone: prefs.sound };
  }
}

/** The part of WebAudio the tone uses (tests pass a recording fake). */
export interface ToneContext {
  readonly currentTime: number;
  readonly destination: unknown;
  state?: string;
  resume?(): Promise<void>;
  createOscillator(): {
    type: string;
    frequency: { setValueAtTime(value: number, time: number): unknown; exponentialRampToValueAtTime(value: number, time: number): unknown };
    connect(node: unknown): unknown;
    start(time: number): void;
    stop(time: number): void;
  };
  createGain(): {
    gain: { setValueAtTime(value: number, time: number): unknown; linearRampToValueAtTime(value: number, time: number): unknown; exponentialRampToValueAtTime(value: number, time: number): unknown };
    connect(node: unknown): unknown;
  };
}

/**
 * A short soft tone, made here rather than shipped as a file: a sine gliding from 660 to 880 Hz
 * that fades in over 20 ms and out within a third of a second, quietly (peak gain 0.08). A
 * context left suspended by the autoplay policy is asked to resume; if it cannot, nothing sounds.
 */
export function playTone(context: ToneContext): void {
  void context.resume?.().catch(() => {});
  const now = context.currentTime;
  const oscillator = context.createOscillator();
  const gain = context.createGain();
  oscillator.type = 'sine';
  oscillator.frequency.setValueAtTime(660, now);
  oscillator.frequency.exponentialRampToValueAtTime(880, now + 0.12);
  gain.gain.setValueAtTime(0, now);
  gain.gain.linearRampToValueAtTime(0.08, now + 0.02);
  gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
  oscillator.connect(gain);
  gain.connect(context.destination);
  oscillator.start(now);
  oscillator.stop(now + 0.32);
}
