// The search panel's texts (issue 18), in both languages like every other text (i18n.ts), but in
// a dictionary of their own: only the lazily loaded panel imports it, so they cost the page's first
// load nothing (test/bundle-size.test.ts). test/i18n.test.ts checks that both hold the same keys.
import { locale } from './i18n.js';

const en = {
  searchLabel: 'Search messages',
  searchPlaceholder: 'Words, from:nick, in:room',
  /** Before anything is typed. */
  searchHint: 'Find messages in the rooms you can read. from:nick and in:room narrow the search.',
  searching: 'Searching…',
  searchCountOne: '{n} message found',
  searchCountMany: '{n} messages found',
  searchCountMore: 'More than {n} messages found',
  searchNone: 'No messages match “{q}”.',
  searchResults: 'Search results',
  searchMore: 'Load more',
  searchClose: 'Close search',
  searchNetwork: 'Search failed: the server cannot be reached.',
  searchThrottled: 'Too many searches, wait a moment',
  searchInvalid: 'The server cannot search for that.',
  searchSignedOut: 'Sign in again to search.',
  searchFailed: 'Search failed.',
  /** A result's author and time as a screen reader says them before the text. */
  searchBy: '{nick}, {time}',
};

export type SearchKey = keyof typeof en;

const zhCN: Record<SearchKey, string> = {
  searchLabel: '搜索消息',
  searchPlaceholder: '关键词、from:昵称、in:房间',
  searchHint: '在你能阅读的房间里查找消息。用 from:昵称 和 in:房间 缩小范围。',
  searching: '正在搜索…',
  searchCountOne: '找到 {n} 条消息',
  searchCountMany: '找到 {n} 条消息',
  searchCountMore: '找到超过 {n} 条消息',
  searchNone: '没有消息匹配“{q}”。',
  searchResults: '搜索结果',
  searchMore: '加载更多',
  searchClose: '关闭搜索',
  searchNetwork: '搜索失败：无法连接服务器。',
  searchThrottled: '搜索太频繁，请稍等片刻',
  searchInvalid: '服务器无法搜索这些内容。',
  searchSignedOut: '请重新登录后再搜索。',
  searchFailed: '搜索失败。',
  searchBy: '{nick}，{time}',
};

export const SEARCH_TEXTS = { en, 'zh-CN': zhCN } as const;

/** Translates a search text in the page's language, filling {placeholders} (inserted as text). */
export function ts(key: SearchKey, params: Record<string, string | number> = {}): string {
  return SEARCH_TEXTS[locale.value][key].replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? ''));
}
