// Small hand-written stand-ins for a service worker's globals (a real worker cannot run under
// vitest; the real one is driven in Chromium by test/e2e/pwa.e2e.test.ts). Each records what the
// handler did with it.
import type { SwClients, SwNavigator, SwRegistration, SwWindow } from '../../src/sw/globals.js';

export const SCOPE = 'https://chat.example.org/wsline/';

export class FakeWindow implements SwWindow {
  readonly messages: unknown[] = [];
  focusCalls = 0;
  constructor(
    readonly url: string,
    readonly focused = false,
    readonly visibilityState: DocumentVisibilityState = 'visible',
    private readonly refuseFocus = false,
  ) {}
  async focus(): Promise<unknown> {
    this.focusCalls++;
    if (this.refuseFocus) throw new Error('InvalidAccessError: not allowed to focus');
    return this;
  }
  postMessage(message: unknown): void {
    this.messages.push(message);
  }
}

export class FakeClients implements SwClients {
  readonly opened: string[] = [];
  readonly queries: unknown[] = [];
  constructor(readonly windows: SwWindow[] = []) {}
  async matchAll(options: { type: 'window'; includeUncontrolled: boolean }): Promise<readonly SwWindow[]> {
    this.queries.push(options);
    return this.windows;
  }
  async openWindow(url: string): Promise<unknown> {
    this.opened.push(url);
    return null;
  }
  async claim(): Promise<void> {}
}

export class FakeRegistration implements SwRegistration {
  readonly shown: { title: string; options?: NotificationOptions }[] = [];
  constructor(readonly scope = SCOPE) {}
  async showNotification(title: string, options?: NotificationOptions): Promise<void> {
    this.shown.push({ title, options });
  }
}

export function fakeNavigator(language: string, badge = true): SwNavigator & { badges: number[] } {
  const badges: number[] = [];
  return badge ? { language, badges, setAppBadge: async (n?: number) => void badges.push(n ?? -1) } : { language, badges };
}

/** A push's data: PushMessageData's text() over a string. */
export const pushData = (body: unknown) => ({ text: () => (typeof body === 'string' ? body : JSON.stringify(body)) });
