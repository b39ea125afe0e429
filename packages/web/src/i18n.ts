// Two languages, the tutorial's audience: English and Simplified Chinese. A dictionary and a
// reactive locale are all this needs; no library.
import { ref } from 'vue';

const en = {
  appTitle: 'Chat',
  welcomeTitle: 'Welcome to the chat',
  welcomeLead: 'Pick a name to join. You can chat right away, no account needed.',
  nameLabel: 'Your name',
  enter: 'Enter chat',
  nameRule: '1–32 characters',
  rooms: 'Rooms',
  openRooms: 'Show rooms',
  closeRooms: 'Hide rooms',
  newRoomLabel: 'Join or create a room',
  newRoomPlaceholder: 'room name, Enter',
  newRoomRule: 'Use a–z, 0–9, - and _ (start with a letter or digit).',
  leaveRoom: 'Leave {room}',
  unread: '{n} unread',
  online: '{n} online',
  members: 'Members',
  showMembers: 'Show members',
  hideMembers: 'Hide members',
  you: 'you',
  status_online: 'Connected',
  status_connecting: 'Connecting…',
  status_offline: 'Offline',
  composerLabel: 'Message #{room}',
  composerPlaceholder: 'Write a message… (Enter to send, Shift+Enter for a new line)',
  send: 'Send',
  typingOne: '{a} is typing…',
  typingTwo: '{a} and {b} are typing…',
  typingMany: 'Several people are typing…',
  newMessages: 'New messages ↓',
  loadingOlder: 'Loading older messages…',
  beginning: 'This is the beginning of #{room}.',
  pending: 'Sending…',
  failed: 'Not sent',
  retry: 'Retry',
  discard: 'Discard',
  today: 'Today',
  yesterday: 'Yesterday',
  language: 'Language',
  dismiss: 'Dismiss',
  announce: '{nick}: {text}',
  notice_identity_lost: 'The server no longer knows your saved identity, so you continue as a new guest.',
  notice_rate_limited: 'You are sending too fast; your messages will go out in a moment.',
  notice_invalid_room: 'That room name is not allowed.',
  notice_internal: 'The server had a problem. Your messages will be retried.',
  notice_generic: 'Something went wrong ({code}).',
  error_invalid_text: 'Message empty or too long',
  error_not_member: 'Not in this room',
  error_generic: 'Error: {code}',
};

type Messages = typeof en;
export type MessageKey = keyof Messages;

const zhCN: Messages = {
  appTitle: '聊天室',
  welcomeTitle: '欢迎来到聊天室',
  welcomeLead: '起个名字就能加入，无需注册。',
  nameLabel: '你的名字',
  enter: '进入聊天',
  nameRule: '1–32 个字符',
  rooms: '房间',
  openRooms: '显示房间',
  closeRooms: '隐藏房间',
  newRoomLabel: '加入或创建房间',
  newRoomPlaceholder: '房间名，回车',
  newRoomRule: '只能用 a–z、0–9、- 和 _（以字母或数字开头）。',
  leaveRoom: '离开 {room}',
  unread: '{n} 条未读',
  online: '{n} 人在线',
  members: '成员',
  showMembers: '显示成员',
  hideMembers: '隐藏成员',
  you: '我',
  status_online: '已连接',
  status_connecting: '连接中…',
  status_offline: '离线',
  composerLabel: '发送到 #{room}',
  composerPlaceholder: '输入消息…（回车发送，Shift+回车换行）',
  send: '发送',
  typingOne: '{a} 正在输入…',
  typingTwo: '{a} 和 {b} 正在输入…',
  typingMany: '多人正在输入…',
  newMessages: '有新消息 ↓',
  loadingOlder: '正在加载更早的消息…',
  beginning: '这是 #{room} 的开始。',
  pending: '发送中…',
  failed: '未发送',
  retry: '重试',
  discard: '删除',
  today: '今天',
  yesterday: '昨天',
  language: '语言',
  dismiss: '关闭',
  announce: '{nick}：{text}',
  notice_identity_lost: '服务器已不认识你保存的身份，你将以新访客身份继续。',
  notice_rate_limited: '发送太快了，消息稍后会自动发出。',
  notice_invalid_room: '这个房间名不可用。',
  notice_internal: '服务器出了点问题，消息会自动重试。',
  notice_generic: '出错了（{code}）。',
  error_invalid_text: '消息为空或过长',
  error_not_member: '不在这个房间',
  error_generic: '错误：{code}',
};

export const LOCALES = { en: { name: 'English', messages: en }, 'zh-CN': { name: '中文', messages: zhCN } } as const;
export type Locale = keyof typeof LOCALES;

const STORAGE_KEY = 'chat.lang';

export function detectLocale(saved: string | null, languages: readonly string[]): Locale {
  if (saved && saved in LOCALES) return saved as Locale;
  return languages.some((l) => l.toLowerCase().startsWith('zh')) ? 'zh-CN' : 'en';
}

export const locale = ref<Locale>(
  detectLocale(
    typeof localStorage === 'undefined' ? null : localStorage.getItem(STORAGE_KEY),
    typeof navigator === 'undefined' ? [] : navigator.languages ?? [navigator.language],
  ),
);

export function setLocale(next: Locale): void {
  locale.value = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/** Translates a key, filling {placeholders}. Values are inserted as text by the templates. */
export function t(key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = LOCALES[locale.value].messages[key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}

/** The notice text for an error code or notice key. */
export function noticeText(code: string): string {
  const key = `notice_${code}` as MessageKey;
  return key in en ? t(key) : t('notice_generic', { code });
}
