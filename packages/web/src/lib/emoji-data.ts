// The emoji list of the reaction picker's "More…" (Version 1.1, issue 16): emojibase-data's compact
// dataset in the page's language (names and keywords to search by). It is ~90 KB gzipped, so it is
// loaded only when the list is opened: a dynamic import(), which Vite turns into a chunk of its
// own that the page does not load up front (test/bundle-size.test.ts).
import type { CompactEmoji } from 'emojibase';

export interface EmojiEntry {
  emoji: string;
  label: string;
  /** What a search matches besides the label: keywords and shortcodes, lower case. */
  keywords: string;
}

/** emojibase's group 2 is skin-tone and hair components, not emoji to react with. */
const COMPONENT_GROUP = 2;

let loaded: Promise<EmojiEntry[]> | null = null;

/** The emoji in their usual order, with names in Chinese for a Chinese page and English otherwise. */
export function loadEmoji(language: string): Promise<EmojiEntry[]> {
  loaded ??= (language.startsWith('zh') ? import('emojibase-data/zh/compact.json') : import('emojibase-data/en/compact.json'))
    .then((module) => toEntries(module.default as CompactEmoji[]))
    .catch((error: unknown) => {
      loaded = null; // a failed chunk load (offline) may work next time
      throw error;
    });
  return loaded;
}

export function toEntries(data: CompactEmoji[]): EmojiEntry[] {
  return data
    .filter((e) => e.group !== undefined && e.group !== COMPONENT_GROUP)
    .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
    .map((e) => ({ emoji: e.unicode, label: e.label, keywords: [...(e.tags ?? []), ...(e.shortcodes ?? [])].join(' ').toLowerCase() }));
}

/** Entries whose name or keywords contain every word of the query (all of them for an empty one). */
export function searchEmoji(list: EmojiEntry[], query: string): EmojiEntry[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return list;
  return list.filter((e) => {
    const text = `${e.label.toLowerCase()} ${e.keywords}`;
    return words.every((w) => text.includes(w));
  });
}
