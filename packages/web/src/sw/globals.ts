// The few service-worker globals the handlers use, as narrow shapes of their own. The web client
// compiles against the DOM library, which lacks the worker's Clients, FetchEvent and PushEvent (and
// the two libraries cannot be combined); and the handlers take these as parameters, so the unit
// tests (test/sw/) hand them small objects of the same shape instead of a real worker.

/** A window of the app: WindowClient's part that the handlers read or call. */
export interface SwWindow {
  readonly url: string;
  readonly focused: boolean;
  readonly visibilityState: DocumentVisibilityState;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}

/** The worker's `clients`. */
export interface SwClients {
  matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly SwWindow[]>;
  openWindow(url: string): Promise<unknown>;
  claim(): Promise<void>;
}

/** The worker's `registration`. */
export interface SwRegistration {
  /** Absolute URL ending in `/`: the folder sw.js was served from (…/wsline/ under the prefix). */
  readonly scope: string;
  showNotification(title: string, options?: NotificationOptions): Promise<void>;
}

/** The worker's `navigator`: the app badge is Chromium's and Safari's alone, so optional. */
export interface SwNavigator {
  readonly language?: string;
  setAppBadge?(contents?: number): Promise<void>;
}

/** What a `push` event carries: PushMessageData's text, or nothing for an empty push. */
export interface SwPushData {
  text(): string;
}

/** A notification being clicked. */
export interface SwNotification {
  readonly data: unknown;
  close(): void;
}

/** The message a window gets when one of the app's notifications is clicked. */
export interface OpenMessage {
  type: 'open-message';
  room: string;
  seq: number;
}
