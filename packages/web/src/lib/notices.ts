// What the user is told: the last problem (a notice, as an error code or a short key the UI
// translates) and the last action that worked (a confirmation, shown for a moment).
import type { ChatState } from './chat-state.js';

export class Notices {
  private confirmations = 0;

  constructor(private readonly state: Pick<ChatState, 'notice' | 'noticeParams' | 'confirmation'>) {}

  set(code: string, params: Record<string, string> = {}): void {
    this.state.notice = code;
    this.state.noticeParams = params;
  }

  clear(): void {
    this.state.notice = null;
    this.state.noticeParams = {};
  }

  /** An action worked: the last refusal no longer applies, and a confirmation says what happened. */
  confirm(key: string, params: Record<string, string>): void {
    this.clear();
    this.state.confirmation = { key, params, id: ++this.confirmations };
  }
}
