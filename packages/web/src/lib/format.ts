// Display helpers: avatar colours and text, times and day labels.

/** Background colours for name avatars; all keep white bold text at AA contrast. */
const AVATAR_COLOURS = ['#1f6f8b', '#7a4fa3', '#a2402f', '#2e7d32', '#7a5c12', '#0f766e', '#9d174d', '#4338ca'];

export function avatarColour(userId: string): string {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) | 0;
  return AVATAR_COLOURS[Math.abs(hash) % AVATAR_COLOURS.length] as string;
}

/** Characters as people see them: Intl.Segmenter's graphemes (a flag, 👍🏽), else code points. */
function graphemes(text: string): string[] {
  if (typeof Intl !== 'undefined' && 'Segmenter' in Intl) {
    return [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text)].map((s) => s.segment);
  }
  return [...text];
}

/**
 * What the avatar shows: the initials of the first two words ("Mary Ann" → "MA", "jean-luc" →
 * "JL"), or the first two characters of a single word ("alice" → "AL", "欧阳娜娜" → "欧阳"),
 * upper-cased. Two characters always fit on one line, where a whole name wrapped mid-word.
 */
export function avatarText(nick: string): string {
  const words = nick.split(/[\s_.\-]+/u).filter((w) => w.length > 0);
  if (words.length === 0) return '?';
  const chars = words.length === 1 ? graphemes(words[0]!).slice(0, 2) : words.slice(0, 2).map((w) => graphemes(w)[0]!);
  // Upper-cased one by one, unless that makes two (ß → SS).
  return chars.map((c) => (graphemes(c.toUpperCase()).length === 1 ? c.toUpperCase() : c)).join('');
}

export function dayKey(ts: number): string {
  const d = new Date(ts);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

export function timeOfDay(ts: number, locale: string): string {
  return new Date(ts).toLocaleTimeString(locale, { hour: '2-digit', minute: '2-digit' });
}

/** "today" | "yesterday" | a date in the locale's format. */
export function dayLabel(ts: number, now: number, locale: string): { kind: 'today' | 'yesterday' | 'date'; text: string } {
  if (dayKey(ts) === dayKey(now)) return { kind: 'today', text: '' };
  if (dayKey(ts) === dayKey(now - 86_400_000)) return { kind: 'yesterday', text: '' };
  return { kind: 'date', text: new Date(ts).toLocaleDateString(locale, { year: 'numeric', month: 'long', day: 'numeric' }) };
}

const SIZE_UNITS = ['B', 'KB', 'MB', 'GB'] as const;

/** A byte count as people read it: "512 B", "1.5 KB", "23 MB" (1 KB = 1024 B, as file managers show). */
export function fileSize(bytes: number, locale: string): string {
  let value = Math.max(0, bytes);
  let unit = 0;
  while (value >= 1024 && unit < SIZE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  // One decimal under 10 ("1.5 KB"), none above ("230 KB"), none for bytes.
  const digits = unit > 0 && value < 10 ? 1 : 0;
  return `${new Intl.NumberFormat(locale, { maximumFractionDigits: digits }).format(value)} ${SIZE_UNITS[unit]}`;
}
