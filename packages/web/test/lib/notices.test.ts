// Notices (src/lib/notices.ts): a passing one goes after NOTICE_MS of the page being visible, a
// lasting one stays, and a newer one restarts the time.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { initialState } from '../../src/lib/chat-state.js';
import { NOTICE_MS, Notices } from '../../src/lib/notices.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup() {
  const state = initialState();
  return { state, notices: new Notices(state) };
}

describe('Notices', () => {
  it('a passing notice clears itself after NOTICE_MS', () => {
    const { state, notices } = setup();
    notices.set('join_forbidden', { room: '#x' });
    vi.advanceTimersByTime(NOTICE_MS - 1);
    expect(state.notice).toBe('join_forbidden');
    vi.advanceTimersByTime(1);
    expect(state.notice).toBeNull();
    expect(state.noticeParams).toEqual({});
  });

  it('a newer notice starts the time over, and is not cleared by the older one’s timer', () => {
    const { state, notices } = setup();
    notices.set('offline_action');
    vi.advanceTimersByTime(NOTICE_MS - 100);
    notices.set('rate_limited');
    vi.advanceTimersByTime(200);
    expect(state.notice).toBe('rate_limited');
    vi.advanceTimersByTime(NOTICE_MS);
    expect(state.notice).toBeNull();
  });

  it('lasting notices (a room gone, the welcome screen’s reasons) stay until cleared', () => {
    const { state, notices } = setup();
    for (const code of ['kicked_ban', 'session_expired']) {
      notices.set(code, { room: '#x' });
      vi.advanceTimersByTime(10 * NOTICE_MS);
      expect(state.notice).toBe(code);
    }
    notices.clear();
    expect(state.notice).toBeNull();
  });

  it('does not expire while the page is hidden', () => {
    const { state, notices } = setup();
    state.hidden = true;
    notices.set('invitation', { room: '#x', user: 'bob' });
    vi.advanceTimersByTime(5 * NOTICE_MS);
    expect(state.notice).toBe('invitation');
    state.hidden = false;
    vi.advanceTimersByTime(NOTICE_MS);
    expect(state.notice).toBeNull();
  });
});
