// The bell menu's texts (issue 19), in both languages like every other text (i18n.ts), but in a
// dictionary of their own: only the lazily loaded menu imports it, so they cost the page's first
// load nothing (test/bundle-size.test.ts). test/i18n.test.ts checks that both hold the same keys.
import { locale } from './i18n.js';

const en = {
  notifyMenu: 'Notifications',
  /** The radio group's legend. */
  notifyRoom: 'In {room}, notify me of',
  notifySaving: 'Saving…',
  notifyFailed_network: 'The server cannot be reached: notifications stay as they were.',
  notifyFailed_not_found: 'This room is not in your list: notifications stay as they were.',
  notifyFailed_throttled: 'Too many changes, wait a moment: notifications stay as they were.',
  notifyFailed_signed_out: 'Sign in again to change notifications.',
  notifyFailed_generic: 'The change failed: notifications stay as they were.',
  notifyDevice: 'This device',
  notifyEnable: 'Enable notifications on this device',
  notifyDisable: 'Turn off on this device',
  notifyAsking: 'Waiting for the browser…',
  notifyChecking: 'Checking this device…',
  notifyState_off: 'Notifications are off on this device.',
  notifyState_on: 'On: you are notified here, even when the chat is closed.',
  notifyState_page: 'On while the chat is open in a tab.',
  notifyState_blocked: 'The browser blocks notifications from this site. Allow them in its site settings to turn them on.',
  notifyState_unsupported: 'This browser cannot show notifications.',
  notifyReason_guest: 'Sign in to be notified when the chat is closed, too.',
  notifyReason_server: 'This server sends no push notifications.',
  notifyReason_browser: 'This browser cannot receive push notifications here.',
  notifyReason_refused: 'The server did not accept this browser for push notifications.',
  notifySound: 'Sound',
};

export type NotifyTextKey = keyof typeof en;

const zhCN: Record<NotifyTextKey, string> = {
  notifyMenu: '通知',
  notifyRoom: '在 {room} 中通知我：',
  notifySaving: '正在保存…',
  notifyFailed_network: '无法连接服务器：通知设置保持不变。',
  notifyFailed_not_found: '此房间不在你的列表中：通知设置保持不变。',
  notifyFailed_throttled: '更改太频繁，请稍等片刻：通知设置保持不变。',
  notifyFailed_signed_out: '请重新登录后再更改通知设置。',
  notifyFailed_generic: '更改失败：通知设置保持不变。',
  notifyDevice: '此设备',
  notifyEnable: '在此设备上启用通知',
  notifyDisable: '在此设备上关闭通知',
  notifyAsking: '正在等待浏览器…',
  notifyChecking: '正在检查此设备…',
  notifyState_off: '此设备上的通知已关闭。',
  notifyState_on: '已开启：即使聊天已关闭，也会在此收到通知。',
  notifyState_page: '聊天在标签页中打开时开启。',
  notifyState_blocked: '浏览器阻止了此网站的通知。请在浏览器的网站设置中允许通知。',
  notifyState_unsupported: '此浏览器无法显示通知。',
  notifyReason_guest: '登录后，聊天关闭时也能收到通知。',
  notifyReason_server: '此服务器不发送推送通知。',
  notifyReason_browser: '此浏览器在这里无法接收推送通知。',
  notifyReason_refused: '服务器没有接受此浏览器的推送通知。',
  notifySound: '声音',
};

export const NOTIFY_TEXTS = { en, 'zh-CN': zhCN } as const;

/** Translates a bell menu text in the page's language, filling {placeholders} (inserted as text). */
export function tn(key: NotifyTextKey, params: Record<string, string | number> = {}): string {
  return NOTIFY_TEXTS[locale.value][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}
