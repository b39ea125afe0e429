// What SqliteStore and PgStore share: a store made of one object per aggregate (their
// sqlite-*.ts and pg-*.ts files), to which each call of the Store interface is handed. A new
// aggregate adds its field and its calls here once, for every backend.
import type { User } from '@chat/protocol';
import type {
  AbandonedRoomScan,
  AccountRecord,
  AccountStore,
  AppendResult,
  EntryPage,
  EntryResult,
  IssuedIdentity,
  JoinStanding,
  MessagePage,
  MessageStore,
  NewEntry,
  NewMessage,
  NotifyLevel,
  RoomInfo,
  RoomKind,
  RoomListQuery,
  RoomPage,
  RoomRole,
  RoomStore,
  Store,
  SweepStore,
  TokenIdentity,
  TokenInfo,
  TokenSweep,
  UserRoom,
  UserRoomStore,
} from './store.js';
import type { FileRecord, FileStore, NewFile } from './file-store.js';
import type { SearchPage, SearchQuery, SearchStore } from './search-store.js';
import type { PushAsk, PushStore, PushSubscriptionKeys, PushTarget, VapidKeyPair } from './push-store.js';

/** The objects a ComposedStore hands its calls to. */
export interface StoreParts {
  messages: MessageStore;
  accounts: AccountStore;
  rooms: RoomStore;
  sweep: SweepStore;
  userRooms: UserRoomStore;
  files: FileStore;
  search: SearchStore;
  push: PushStore;
}

export abstract class ComposedStore implements Store {
  private parts!: StoreParts;

  /** Sets the parts; until then (SQLite: before open) every call throws a TypeError. */
  protected compose(parts: StoreParts): void {
    this.parts = parts;
  }

  abstract ping(): Promise<void>;
  abstract close(): Promise<void>;

  // ---- messages -------------------------------------------------------------------------

  appendMessages(batch: NewMessage[]): Promise<AppendResult[]> {
    return this.parts.messages.appendMessages(batch);
  }
  appendEntries(batch: NewEntry[]): Promise<EntryResult[]> {
    return this.parts.messages.appendEntries(batch);
  }
  ensureRoom(room: string): Promise<number> {
    return this.parts.messages.ensureRoom(room);
  }
  lastSeq(room: string): Promise<number | null> {
    return this.parts.messages.lastSeq(room);
  }
  messagesBefore(room: string, before: number | undefined, limit: number): Promise<MessagePage> {
    return this.parts.messages.messagesBefore(room, before, limit);
  }
  messagesAfter(room: string, after: number, limit: number): Promise<EntryPage> {
    return this.parts.messages.messagesAfter(room, after, limit);
  }
  pruneMessagesBefore(ts: number): Promise<number> {
    return this.parts.messages.pruneMessagesBefore(ts);
  }

  // ---- users and tokens -------------------------------------------------------------------

  createGuest(nick: string): Promise<IssuedIdentity> {
    return this.parts.accounts.createGuest(nick);
  }
  identityByToken(token: string): Promise<TokenIdentity | null> {
    return this.parts.accounts.identityByToken(token);
  }
  renameUser(userId: string, nick: string): Promise<void> {
    return this.parts.accounts.renameUser(userId, nick);
  }
  createAccount(username: string, passwordHash: string, options?: { operatorAdmin?: boolean }): Promise<User | null> {
    return this.parts.accounts.createAccount(username, passwordHash, options);
  }
  accountByUsername(username: string): Promise<AccountRecord | null> {
    return this.parts.accounts.accountByUsername(username);
  }
  lookalikeAccount(nick: string): Promise<User | null> {
    return this.parts.accounts.lookalikeAccount(nick);
  }
  setPasswordHash(userId: string, passwordHash: string): Promise<void> {
    return this.parts.accounts.setPasswordHash(userId, passwordHash);
  }
  resetAccount(userId: string, changes: { passwordHash: string; operatorAdmin: boolean }): Promise<number> {
    return this.parts.accounts.resetAccount(userId, changes);
  }
  userById(userId: string): Promise<User | null> {
    return this.parts.accounts.userById(userId);
  }
  issueToken(userId: string, kind: 'session' | 'bearer', options?: { name?: string }): Promise<{ token: string; id: string }> {
    return this.parts.accounts.issueToken(userId, kind, options);
  }
  revokeToken(token: string): Promise<void> {
    return this.parts.accounts.revokeToken(token);
  }
  revokeTokenById(userId: string, tokenId: string): Promise<boolean> {
    return this.parts.accounts.revokeTokenById(userId, tokenId);
  }
  listTokens(userId: string): Promise<TokenInfo[]> {
    return this.parts.accounts.listTokens(userId);
  }

  // ---- rooms and their rules ----------------------------------------------------------------

  roomInfo(room: string): Promise<RoomInfo | null> {
    return this.parts.rooms.roomInfo(room);
  }
  joinStanding(room: string, userId: string): Promise<JoinStanding | null> {
    return this.parts.rooms.joinStanding(room, userId);
  }
  createRoom(room: string, kind: RoomKind, ownerId: string | null): Promise<boolean> {
    return this.parts.rooms.createRoom(room, kind, ownerId);
  }
  roleOf(room: string, userId: string): Promise<RoomRole | null> {
    return this.parts.rooms.roleOf(room, userId);
  }
  setRole(room: string, userId: string, role: RoomRole): Promise<void> {
    return this.parts.rooms.setRole(room, userId, role);
  }
  ban(room: string, userId: string): Promise<void> {
    return this.parts.rooms.ban(room, userId);
  }
  revokeRole(room: string, userId: string): Promise<void> {
    return this.parts.rooms.revokeRole(room, userId);
  }
  bannedUsers(room: string, limit: number): Promise<string[]> {
    return this.parts.rooms.bannedUsers(room, limit);
  }
  setTopic(room: string, topic: string): Promise<boolean> {
    return this.parts.rooms.setTopic(room, topic);
  }
  unban(room: string, userId: string): Promise<void> {
    return this.parts.rooms.unban(room, userId);
  }
  isBanned(room: string, userId: string): Promise<boolean> {
    return this.parts.rooms.isBanned(room, userId);
  }
  mute(room: string, userId: string, until: number): Promise<void> {
    return this.parts.rooms.mute(room, userId, until);
  }
  mutedUntil(room: string, userId: string): Promise<number> {
    return this.parts.rooms.mutedUntil(room, userId);
  }
  deleteRoom(room: string): Promise<boolean> {
    return this.parts.rooms.deleteRoom(room);
  }
  listRooms(userId: string | null, query: RoomListQuery): Promise<RoomPage> {
    return this.parts.rooms.listRooms(userId, query);
  }

  // ---- the user's rooms, read markers and notify levels --------------------------------------

  addUserRoom(userId: string, room: string): Promise<number> {
    return this.parts.userRooms.addUserRoom(userId, room);
  }
  removeUserRoom(userId: string, room: string): Promise<void> {
    return this.parts.userRooms.removeUserRoom(userId, room);
  }
  userRooms(userId: string): Promise<UserRoom[]> {
    return this.parts.userRooms.userRooms(userId);
  }
  raiseReadSeq(userId: string, room: string, seq: number): Promise<number | null> {
    return this.parts.userRooms.raiseReadSeq(userId, room, seq);
  }
  setNotify(userId: string, room: string, level: NotifyLevel): Promise<boolean> {
    return this.parts.userRooms.setNotify(userId, room, level);
  }

  // ---- the periodic sweep -------------------------------------------------------------------

  sweepExpiredTokens(now: number, limit: number): Promise<TokenSweep> {
    return this.parts.sweep.sweepExpiredTokens(now, limit);
  }
  abandonedRooms(createdBefore: number, after: string | null, scan: number): Promise<AbandonedRoomScan> {
    return this.parts.sweep.abandonedRooms(createdBefore, after, scan);
  }
  deleteAbandonedRooms(rooms: string[], createdBefore: number): Promise<string[]> {
    return this.parts.sweep.deleteAbandonedRooms(rooms, createdBefore);
  }

  // SearchStore
  search(query: SearchQuery): Promise<SearchPage> {
    return this.parts.search.search(query);
  }
  indexBacklog(batch: number): Promise<number> {
    return this.parts.search.indexBacklog(batch);
  }

  // FileStore
  addFile(file: NewFile): Promise<void> {
    return this.parts.files.addFile(file);
  }
  fileById(id: string): Promise<FileRecord | null> {
    return this.parts.files.fileById(id);
  }
  uploadedBytesSince(userId: string, since: number): Promise<number> {
    return this.parts.files.uploadedBytesSince(userId, since);
  }
  expireUnsentFiles(before: number): Promise<number> {
    return this.parts.files.expireUnsentFiles(before);
  }
  goneFiles(limit: number): Promise<string[]> {
    return this.parts.files.goneFiles(limit);
  }
  bytesRemoved(ids: string[]): Promise<void> {
    return this.parts.files.bytesRemoved(ids);
  }
  purgeFiles(before: number): Promise<number> {
    return this.parts.files.purgeFiles(before);
  }

  // PushStore
  vapidKeys(made: VapidKeyPair): Promise<VapidKeyPair> {
    return this.parts.push.vapidKeys(made);
  }
  addPushSubscription(userId: string, subscription: PushSubscriptionKeys, now: number): Promise<void> {
    return this.parts.push.addPushSubscription(userId, subscription, now);
  }
  removePushSubscription(userId: string, endpoint: string): Promise<boolean> {
    return this.parts.push.removePushSubscription(userId, endpoint);
  }
  deletePushSubscription(endpoint: string): Promise<void> {
    return this.parts.push.deletePushSubscription(endpoint);
  }
  pushTargets(asks: readonly PushAsk[]): Promise<PushTarget[][]> {
    return this.parts.push.pushTargets(asks);
  }
}
