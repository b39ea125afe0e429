// `nick`: a guest renames itself, unless the nick is, or passes for, an account's or a reserved
// name (NickCheck). Every tab of the user and every room it is in hears it. docs/protocol.md,
// `nick` → `nick`.
import type { ClientFrame } from '@chat/protocol';
import type { NickCheck } from '../auth/nick-policy.js';
import type { Presence } from '../presence/presence.js';
import type { Store } from '../store/store.js';
import type { Publisher } from './publisher.js';
import { ref } from './refusal.js';
import type { Session } from './session.js';

export interface NickChangeOptions {
  store: Store;
  presence: Presence;
  publisher: Publisher;
  nicks: NickCheck;
}

export async function changeNick(options: NickChangeOptions, s: Session, f: Extract<ClientFrame, { type: 'nick' }>): Promise<void> {
  const { store, presence, publisher, nicks } = options;
  if (s.entry.account) return s.error('forbidden', "an account's nick is its username", f.ref);
  if (await nicks.taken(f.nick)) return s.error('nick_taken', 'that nick is, or looks like, the name of a registered account', f.ref);
  await store.renameUser(s.userId, f.nick);
  const entry = s.entry;
  entry.user.nick = f.nick;
  await presence.rename(entry.user);
  s.send({ type: 'nick', nick: f.nick, ...ref(f.ref) });
  // The user's other connections (tabs) learn their new nick too, even if in no shared room.
  for (const other of entry.sessions) if (other !== s) other.send({ type: 'nick', nick: f.nick });
  const rooms = new Set(entry.sessions.flatMap((session) => session.rooms));
  for (const room of rooms) {
    const online = await presence.roomOnline(room);
    publisher.publishPresence({ type: 'presence', room, online, renamed: { ...entry.user } });
  }
}
