// The images of a room's loaded timeline, in order, that the lightbox steps through (Version 1.1,
// "Files", issue 17). Apart from lib/files.ts so that it goes with the lightbox's lazy chunk.
import type { FileInfo } from '@chat/protocol';
import type { DisplayMessage } from './chat-state.js';
import { showAs } from './files.js';

export interface TimelineImage {
  /** The message's render key (lib/timeline.ts): the same while pending and once stored. */
  key: string;
  file: FileInfo;
}

/** Every image of these messages, in timeline order; redacted messages have none. */
export function timelineImages(messages: readonly DisplayMessage[]): TimelineImage[] {
  const images: TimelineImage[] = [];
  for (const message of messages) {
    if (message.deleted) continue;
    for (const file of message.files ?? []) if (showAs(file) === 'image') images.push({ key: message.key, file });
  }
  return images;
}
