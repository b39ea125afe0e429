// Display helpers: avatar colours and text, times and day labels.

/** Background colours for name avatars; all keep white bold text at AA contrast. */
const AVATAR_COLOURS = ['#1f6f8b', '#7a4fa3', '#a2402f', '#2e7d32', '#7a5c12', '#0f766e', '#9d174d', '#4338ca'];

export function avatarColour(userId: string): string {
  let hash = 0;
  for (let i = 0; i < userId.length; i++) hash = (hash * 31 + userId.charCodeAt(i)) | 0;
  return AVATAR_COLOURS[Math.abs(hash) % AVATAR_COLOURS.length] as string;
}

/** What the square avatar shows: the name, shortened to fit (the tutorial shows the name). */
export function avatarText(nick: string): string {
  const chars = [...nick];
  return chars.length <= 6 ? nick : chars.slice(0, 5).join('') + '…';
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
