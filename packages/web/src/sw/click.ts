// `notificationclick`: open the room at the message. A window of the app that is already open is
// focused and told where to go (the page turns it into its `#room=R&seq=S` permalink); with none,
// a new window opens at that permalink, relative to the scope so that a prefix such as /wsline/ is
// kept.
import { permalink } from '../lib/urls.js';
import type { OpenMessage, SwClients, SwNotification, SwRegistration, SwWindow } from './globals.js';

export interface ClickDeps {
  clients: SwClients;
  registration: SwRegistration;
}

/** The room and seq a notification was shown for, or null when its data is not ours. */
export function messageOf(data: unknown): { room: string; seq: number } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { room, seq } = data as Record<string, unknown>;
  if (typeof room !== 'string' || room === '' || typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) return null;
  return { room, seq };
}

/** The app's page for a message, in the scope: …/wsline/#room=R&seq=S. */
export function messageUrl(scope: string, target: { room: string; seq: number } | null): string {
  const page = new URL('./', scope).href;
  return target ? permalink(page, target.room, target.seq) : page;
}

/** The app's window to reuse: one within the scope, the focused one first. */
function pickWindow(windows: readonly SwWindow[], scope: string): SwWindow | undefined {
  const ours = windows.filter((w) => w.url.startsWith(scope));
  return ours.find((w) => w.focused) ?? ours[0];
}

export async function handleNotificationClick(notification: SwNotification, deps: ClickDeps): Promise<void> {
  notification.close();
  const target = messageOf(notification.data);
  const scope = deps.registration.scope;
  const window = pickWindow(await deps.clients.matchAll({ type: 'window', includeUncontrolled: true }), scope);
  if (!window) {
    await deps.clients.openWindow(messageUrl(scope, target));
    return;
  }
  // focus() is refused when the browser does not count this as the user's gesture; the message
  // is still worth sending, the window then opens the room when the user gets to it.
  await window.focus().catch(() => {});
  if (target) window.postMessage({ type: 'open-message', ...target } satisfies OpenMessage);
}
