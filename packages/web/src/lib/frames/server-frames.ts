// Every server frame type and its handler, one module per family of frames. The map is checked
// against ServerFrame: a frame type added to the protocol does not compile until it is handled.
import type { ServerFrame } from '@chat/protocol';
import { onChanged, onUpdated } from './change-frames.js';
import { onError } from './error-frames.js';
import type { FrameContext, FrameHandlers } from './frame-context.js';
import { onAck, onHistory, onMessage } from './message-frames.js';
import { onCreated, onDeleted, onInvitation, onInvited, onModerated } from './moderation-frames.js';
import { onPresence, onTyping } from './presence-frames.js';
import { onJoined, onKicked, onLeft } from './room-frames.js';
import { onNick, onPong, onRead, onWelcome } from './session-frames.js';
import { onTopic } from './settings-frames.js';

const handlers = {
  welcome: onWelcome,
  nick: onNick,
  pong: onPong,
  joined: onJoined,
  left: onLeft,
  kicked: onKicked,
  message: onMessage,
  ack: onAck,
  history: onHistory,
  presence: onPresence,
  typing: onTyping,
  created: onCreated,
  invited: onInvited,
  moderated: onModerated,
  invitation: onInvitation,
  deleted: onDeleted,
  error: onError,
  read: onRead,
  topic: onTopic,
  changed: onChanged,
  updated: onUpdated,
} satisfies FrameHandlers;

/** Hands a frame to its handler; a type this client does not know (a newer server's) is ignored. */
export function onServerFrame(ctx: FrameContext, frame: ServerFrame): void {
  if (!Object.prototype.hasOwnProperty.call(handlers, frame.type)) return;
  const handler = handlers[frame.type] as (ctx: FrameContext, frame: ServerFrame) => void;
  handler(ctx, frame);
}
