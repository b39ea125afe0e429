// What the user is told: the last problem (a notice, as an error code or a short key the UI
// translates) and the last action that worked (a confirmation, shown for a moment).
import type { ChatState } from './chat-state.js';

/** How long a passing notice stays (counted while the page is visible). */
export const NOTICE_MS = 8000;

/**
 * Notices that stay until dismissed or replaced, because they explain something the user would
 * otherwise not understand later: a room gone from the list (kicked, banned, deleted), and why the
 * welcome screen asks again (session ended, identity lost, guests not allowed). Every other notice
 * passes: a refused join or action, a failed send (its bubble keeps the reason and Retry), a mute
 * (the composer keeps the line with its end), an invitation (the sidebar lists it), slow-down and
 * offline hints that resolve by themselves.
 */
const LASTING = new Set(['kicked_kick', 'kicked_ban', 'kicked_delete', 'session_expired', 'identity_lost', 'guests_disabled']);

export class Notices {
  private confirmations = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly state: Pick<ChatState, 'notice' | 'noticeParams' | 'confirmation' | 'hidden'>) {}

  set(code: string, params: Record<string, string> = {}): void {
    this.state.notice = code;
    this.state.noticeParams = params;
    this.stopTimer();
    if (!LASTING.has(code)) this.expireLater(code);
  }

  clear(): void {
    this.stopTimer();
    this.state.notice = null;
    this.state.noticeParams = {};
  }

  /** An action worked: the last refusal no longer applies, and a confirmation says what happened. */
  confirm(key: string, params: Record<string, string>): void {
    this.clear();
    this.state.confirmation = { key, params, id: ++this.confirmations };
  }

  /**
   * Clears the notice `code` after NOTICE_MS, not while the page is hidden; a notice set since
   * (here, or straight into the state) is left alone.
   */
  private expireLater(code: string): void {
    this.timer = setTimeout(() => {
      this.timer = null;
      if (this.state.notice !== code) return;
      if (this.state.hidden) return this.expireLater(code);
      this.clear();
    }, NOTICE_MS);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
