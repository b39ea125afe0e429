// The notification's words in the app's two languages. The worker cannot reach the page's i18n
// (no window, no localStorage), so it goes by the browser's language as the page does first.

const STRINGS = {
  en: {
    inRoom: (from: string, room: string) => `${from} in #${room}`,
    mentionIn: (from: string, room: string) => `${from} mentioned you in #${room}`,
    noText: 'New message',
  },
  'zh-CN': {
    inRoom: (from: string, room: string) => `${from} 在 #${room}`,
    mentionIn: (from: string, room: string) => `${from} 在 #${room} 提到了你`,
    noText: '新消息',
  },
} as const;

export type SwLocale = keyof typeof STRINGS;
export type SwStrings = (typeof STRINGS)[SwLocale];

/** zh, zh-CN, zh-Hans… → zh-CN; anything else (or nothing) → en. */
export function swLocale(language: string | undefined): SwLocale {
  return language?.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export const swStrings = (locale: SwLocale): SwStrings => STRINGS[locale];
