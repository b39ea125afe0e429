// What a room notifies a user of (Version 1.1, the user's rooms: `notify`), for the server that
// stores and applies it and the web client that shows and sets it.

export type NotifyLevel = 'all' | 'mentions' | 'none';

export const NOTIFY_LEVELS: readonly NotifyLevel[] = ['all', 'mentions', 'none'];

/** The level of a room the user never set one for: every message in a DM, mentions elsewhere. */
export const defaultNotifyLevel = (kind: string | null): NotifyLevel => (kind === 'dm' ? 'all' : 'mentions');
