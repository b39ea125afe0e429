// What this node does with the events on the bus (its own included): deliver to the local
// connections of a room or a user, and catch up from the store when events may have been lost.
import type { BusEvent } from '../bus/bus.js';
import type { ExpiredMember } from '../presence/presence.js';
import type { Store } from '../store/store.js';
import type { HubLogger } from './hub-logger.js';
import type { LocalRooms } from './local-rooms.js';
import type { Moderation } from './moderation.js';
import type { Publisher } from './publisher.js';
import { SharedFrame } from './shared-frame.js';

export interface BusEventsOptions {
  store: Store;
  rooms: LocalRooms;
  publisher: Publisher;
  moderation: Moderation;
  log: HubLogger;
}

export class BusEvents {
  constructor(private readonly options: BusEventsOptions) {}

  onBusEvent(event: BusEvent): void {
    const { rooms, publisher, moderation } = this.options;
    switch (event.type) {
      case 'message':
        rooms.find(event.message.room)?.onMessage(event.message, publisher.publishingLone);
        return;
      case 'presence': {
        const channel = rooms.find(event.room);
        if (!channel) return;
        const data = SharedFrame.of(event);
        for (const member of channel.joined()) member.sendRaw(data);
        return;
      }
      case 'typing': {
        const channel = rooms.find(event.room);
        if (!channel) return;
        const data = SharedFrame.of(event);
        for (const member of channel.joined()) if (member.userId !== event.user.id) member.sendRaw(data);
        return;
      }
      case 'kick':
        for (const session of rooms.sessionsOf(event.userId)) moderation.eject(session, event.room, event.reason);
        return;
      case 'mute':
        for (const session of rooms.sessionsOf(event.userId)) {
          if (session.inRoom(event.room)) moderation.mute(session, event.room, event.until);
        }
        return;
      case 'invited':
        for (const session of rooms.sessionsOf(event.userId)) {
          session.send({ type: 'invitation', room: event.room, by: event.by, ...(event.kind ? { kind: event.kind } : {}) });
        }
        return;
      case 'read':
        for (const session of rooms.sessionsOf(event.userId)) session.send({ type: 'read', room: event.room, seq: event.seq });
        return;
      case 'opped':
        for (const session of rooms.sessionsOf(event.user.id)) {
          if (session.inRoom(event.room)) session.send({ type: 'moderated', action: 'op', room: event.room, user: event.user });
        }
        return;
      case 'topic': {
        const channel = rooms.find(event.room);
        if (!channel) return;
        const data = SharedFrame.of({ type: 'topic', room: event.room, topic: event.topic, by: event.by });
        for (const member of channel.joined()) member.sendRaw(data);
        return;
      }
      case 'roomDeleted':
        for (const entry of rooms.entries()) {
          for (const session of entry.sessions) moderation.eject(session, event.room, 'delete');
        }
        return;
      case 'catchUp':
        this.catchUp();
        return;
      case 'tokenRevoked':
        return; // the gateway closes those connections (app.ts)
    }
  }

  /** Events between nodes may have been lost: re-read from the store what they would have said. */
  catchUp(): void {
    this.options.rooms.catchUp();
    this.refreshModeration().catch((err: unknown) => this.options.log.error({ err }, 'refreshing bans and mutes failed'));
  }

  /** Another node died without saying goodbye; its users were swept from presence here. */
  onExpired(members: ExpiredMember[]): void {
    for (const { room, user, online } of members) this.options.publisher.announce(room, online, { left: user });
    this.options.publisher.publish({ type: 'catchUp' });
  }

  /**
   * A ban, mute or room deletion made on another node while the bus was down is stored, but its
   * event is lost: each local membership reads it back, and is ejected or muted as the event
   * would have done.
   */
  private async refreshModeration(): Promise<void> {
    const { store, rooms: local, moderation } = this.options;
    const rooms = new Map<string, boolean>(); // room -> still exists
    for (const entry of [...local.entries()]) {
      for (const session of entry.sessions) {
        for (const room of session.rooms) {
          if (!rooms.has(room)) rooms.set(room, (await store.roomInfo(room)) !== null);
          if (!rooms.get(room)) moderation.eject(session, room, 'delete');
          else if (await store.isBanned(room, session.userId)) moderation.eject(session, room, 'ban');
          else {
            const until = await store.mutedUntil(room, session.userId);
            if (until > session.mutedUntil(room)) moderation.mute(session, room, until);
          }
        }
      }
    }
  }
}
