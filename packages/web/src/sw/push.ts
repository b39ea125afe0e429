// The `push` event (Version 1.1, "Push notifications"): one notification per message the server
// decided the user should hear about, sent only while they have no connection open. The body is
// checked with the protocol's own reader; anything else is dropped without a throw (a throwing
// handler would leave the browser's generic "site updated in the background" notice instead).
import { parsePushPayload, type PushPayload } from '@chat/protocol';
import type { SwClients, SwNavigator, SwPushData, SwRegistration } from './globals.js';
import { swLocale, swStrings } from './strings.js';

export interface PushDeps {
  clients: SwClients;
  registration: SwRegistration;
  navigator: SwNavigator;
}

/** One notification per room: a burst in a room replaces its notification rather than stacking. */
export const roomTag = (room: string): string => `room:${room}`;

/** The title and options of a payload's notification, in the browser's language. */
export function notificationFor(payload: PushPayload, scope: string, language: string | undefined): { title: string; options: NotificationOptions } {
  const locale = swLocale(language);
  const words = swStrings(locale);
  // A DM's room name is an id, not for showing: its sender is the conversation.
  const title = payload.dm ? payload.from : payload.mention ? words.mentionIn(payload.from, payload.room) : words.inRoom(payload.from, payload.room);
  // Relative to the scope, as everything else: the app may live under a prefix such as /wsline/.
  const icon = new URL('./icon-192.png', scope).href;
  return {
    title,
    options: {
      body: payload.text || words.noText,
      tag: roomTag(payload.room),
      data: { room: payload.room, seq: payload.seq },
      icon,
      // Android draws the badge as a mask of its alpha: the bubble's outline on transparent.
      badge: icon,
      lang: locale,
    },
  };
}

/** The push body as a payload, or null for an empty, non-JSON or malformed one. */
export function readPush(data: SwPushData | null | undefined): PushPayload | null {
  if (!data) return null;
  try {
    return parsePushPayload(JSON.parse(data.text()));
  } catch {
    return null;
  }
}

/** Whether a window of the app (within the scope) is in front of the user: it shows the message itself. */
async function appInFront(clients: SwClients, scope: string): Promise<boolean> {
  const windows = await clients.matchAll({ type: 'window', includeUncontrolled: true });
  return windows.some((w) => w.url.startsWith(scope) && w.focused && w.visibilityState === 'visible');
}

/** Handles one push: the badge, then the notification unless the app is in front. */
export async function handlePush(data: SwPushData | null | undefined, deps: PushDeps): Promise<void> {
  const payload = readPush(data);
  if (!payload) return;
  if (payload.unread !== undefined && typeof deps.navigator.setAppBadge === 'function') {
    // Refused without permission on some platforms; the badge is a nicety, never an error.
    await deps.navigator.setAppBadge(payload.unread).catch(() => {});
  }
  if (await appInFront(deps.clients, deps.registration.scope)) return;
  const { title, options } = notificationFor(payload, deps.registration.scope, deps.navigator.language);
  await deps.registration.showNotification(title, options);
}
