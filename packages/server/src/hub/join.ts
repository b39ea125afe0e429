// Entering and leaving a room: `join` (with the history or the resume the client asked for, and
// presence) and `leave`. docs/protocol.md, `join` → `joined` and `leave` → `left`.
import type { JoinedFrame, User } from '@chat/protocol';
import type { Presence } from '../presence/presence.js';
import type { EntryPage, Store } from '../store/store.js';
import type { HubLogger } from './hub-logger.js';
import type { LocalRooms } from './local-rooms.js';
import type { Publisher } from './publisher.js';
import { ref } from './refusal.js';
import { fitPage } from './reply-size.js';
import type { Admission, RoomRules } from './room-rules.js';
import type { Session } from './session.js';

export interface JoinsOptions {
  store: Store;
  presence: Presence;
  rooms: LocalRooms;
  publisher: Publisher;
  rules: RoomRules;
  log: HubLogger;
  /** Messages in `joined.history` for a join without `since`. */
  historyWindow: number;
  /** Cap on `joined.history` for a join with `since`. */
  resumeCap: number;
  /** `joined.members` holds at most this many users. */
  presenceDetailLimit: number;
}

/** The connection closed while its join was under way: nothing to answer. */
class SessionClosed extends Error {}

export class Joins {
  /** JSON of members lists still held by the presence (see membersJson). */
  private readonly serializedMembers = new WeakMap<readonly User[], string>();

  constructor(private readonly options: JoinsOptions) {}

  /** Joins the room (admit throws its Refusal), answering `joined`; a failure after admission answers `internal`. */
  async join(s: Session, room: string, since: number | undefined, frameRef: string | undefined): Promise<void> {
    const { store, presence, rooms, publisher } = this.options;
    const channel = rooms.channel(room);
    const rejoin = channel.has(s);
    // Live messages are buffered from here, before admit reads the room's last seq with the
    // user's standing (one store read: Store.joinStanding); a refused join stops buffering.
    if (!rejoin) channel.beginJoin(s);
    let admission: Admission;
    try {
      admission = await this.options.rules.admit(s, room);
    } catch (err) {
      if (!rejoin) rooms.detach(s, room);
      throw err;
    }
    const { kind, role, topic, read } = admission;
    let presenceJoined = false;
    try {
      // A room admit created was not read with the standing: its own reads, after beginJoin too.
      const lastSeq = read ? read.info.lastSeq : ((await store.lastSeq(room)) ?? 0);
      const mutedUntil = read ? read.mutedUntil : await store.mutedUntil(room, s.userId);
      if (mutedUntil > 0) s.setMutedUntil(room, mutedUntil);
      // Nothing to read when the room is empty or the client has seen its last message: messages
      // committed from here on reach it through the channel (beginJoin above).
      // A resume larger than a reply can carry comes in pages: `joined` holds what fits and
      // `hasMore`, and the client goes on with `history` after the last seq it got.
      const page: EntryPage =
        lastSeq === 0 || (since !== undefined && since >= lastSeq)
          ? { messages: [], hasMore: false }
          : since === undefined
            ? fitPage(await store.messagesBefore(room, undefined, this.options.historyWindow), 'backward')
            : fitPage(await store.messagesAfter(room, since, this.options.resumeCap), 'forward');
      let online: number;
      let changed = false;
      if (rejoin) {
        online = await presence.roomOnline(room);
      } else {
        ({ online, changed } = await presence.join(room, s.user));
        presenceJoined = true;
      }
      const members = await presence.members(room, this.options.presenceDetailLimit);
      // A room already in the user's list came with its marker; otherwise it joins the list now.
      const readSeq = read?.readSeq ?? (await this.keepInList(s, room));
      if (s.closed) throw new SessionClosed();
      const seen = Math.max(lastSeq, page.messages.at(-1)?.seq ?? 0);
      const newer = rejoin ? [] : channel.completeJoin(s, seen);
      s.addRoom(room);
      const joined = JSON.stringify({ type: 'joined', room, kind, role, ...(topic === undefined ? {} : { topic }), seq: seen, ...(readSeq === null ? {} : { readSeq }), online, history: page.messages, hasMore: page.hasMore, ...ref(frameRef) } satisfies Omit<JoinedFrame, 'members'>);
      s.sendRaw(`${joined.slice(0, -1)},"members":${this.membersJson(members)}}`);
      for (const message of newer) s.sendRaw(JSON.stringify(message));
      // A muted user learns it on each join while it lasts (a reload, another tab), not at the
      // first refused send: the client disables its composer until then.
      if (mutedUntil > Date.now()) s.send({ type: 'moderated', action: 'mute', room, user: { ...s.user }, until: mutedUntil });
      if (changed) publisher.announce(room, online, { joined: { ...s.user } });
    } catch (err) {
      if (!rejoin) rooms.detach(s, room);
      if (presenceJoined) await publisher.leavePresence(s.user, room);
      if (err instanceof SessionClosed) return;
      this.options.log.error({ err, room }, 'join failed');
      s.error('internal', 'could not join the room; try again', frameRef);
    }
  }

  /**
   * The room joins the user's stored list (Version 1.1): the first time, read up to its end.
   * Resolves with the read marker, or null when the list could not be written: the join itself
   * still succeeds (the list is the user's convenience, the room's messages are not at stake).
   */
  private async keepInList(s: Session, room: string): Promise<number | null> {
    try {
      return await this.options.store.addUserRoom(s.userId, room);
    } catch (err) {
      this.options.log.error({ err, room }, "could not add the room to the user's list");
      return null;
    }
  }

  /** Leaves the room on this connection and takes it off the user's list (other devices keep their connections). */
  async leave(s: Session, room: string, frameRef: string | undefined): Promise<void> {
    await this.options.store.removeUserRoom(s.userId, room);
    const wasMember = s.forgetRoom(room);
    if (wasMember) this.options.rooms.detach(s, room);
    s.send({ type: 'left', room, ...ref(frameRef) });
    if (wasMember) await this.options.publisher.leavePresence(s.user, room);
  }

  /** A members list as JSON, serialized once per list (a big room's list is handed out again: Presence.members). */
  private membersJson(members: readonly User[]): string {
    let json = this.serializedMembers.get(members);
    if (json === undefined) this.serializedMembers.set(members, (json = JSON.stringify(members)));
    return json;
  }
}
