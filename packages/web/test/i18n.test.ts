// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { detectLocale, LOCALES, locale, noticeText, setLocale, t } from '../src/i18n.js';
import { NOTIFY_TEXTS, tn } from '../src/notify-i18n.js';
import { SEARCH_TEXTS, ts } from '../src/search-i18n.js';

describe('i18n', () => {
  it('picks Chinese for zh browsers, English otherwise, and a saved choice over both', () => {
    expect(detectLocale(null, ['zh-CN', 'en'])).toBe('zh-CN');
    expect(detectLocale(null, ['zh-TW'])).toBe('zh-CN');
    expect(detectLocale(null, ['de-DE', 'en-US'])).toBe('en');
    expect(detectLocale('en', ['zh-CN'])).toBe('en');
    expect(detectLocale('klingon', ['zh-CN'])).toBe('zh-CN');
  });

  it('translates with placeholders, switches language, and remembers it', () => {
    setLocale('en');
    expect(t('online', { n: 3 })).toBe('3 online');
    setLocale('zh-CN');
    expect(t('online', { n: 3 })).toBe('3 人在线');
    expect(locale.value).toBe('zh-CN');
    expect(localStorage.getItem('chat.lang')).toBe('zh-CN');
    expect(document.documentElement.lang).toBe('zh-CN');
    setLocale('en');
  });

  it('has every English text in Chinese, and a fallback notice for unknown codes', () => {
    expect(Object.keys(LOCALES['zh-CN'].messages).sort()).toEqual(Object.keys(LOCALES.en.messages).sort());
    for (const text of Object.values(LOCALES['zh-CN'].messages)) expect(text.length).toBeGreaterThan(0);
    expect(noticeText('identity_lost')).toContain('identity');
    expect(noticeText('weird_code')).toContain('weird_code');
  });

  it('has every text of the lazily loaded search panel in both languages too, following the page language', () => {
    expect(Object.keys(SEARCH_TEXTS['zh-CN']).sort()).toEqual(Object.keys(SEARCH_TEXTS.en).sort());
    for (const text of Object.values(SEARCH_TEXTS['zh-CN'])) expect(text.length).toBeGreaterThan(0);
    setLocale('zh-CN');
    expect(ts('searchNone', { q: '北京' })).toBe('没有消息匹配“北京”。');
    setLocale('en');
    expect(ts('searchNone', { q: 'x' })).toBe('No messages match “x”.');
  });

  it("has every text of the lazily loaded bell menu in both languages too, following the page language", () => {
    expect(Object.keys(NOTIFY_TEXTS['zh-CN']).sort()).toEqual(Object.keys(NOTIFY_TEXTS.en).sort());
    for (const text of Object.values(NOTIFY_TEXTS['zh-CN'])) expect(text.length).toBeGreaterThan(0);
    setLocale('zh-CN');
    expect(tn('notifyRoom', { room: '#lobby' })).toBe('在 #lobby 中通知我：');
    setLocale('en');
    expect(tn('notifyRoom', { room: '#lobby' })).toBe('In #lobby, notify me of');
  });
});
