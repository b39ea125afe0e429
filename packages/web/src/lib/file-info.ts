// A FILE (Version 1.1, "Files") from somewhere the client does not control, an upload's answer or
// the outbox saved by another version of the page, checked before the page keeps it.
import type { FileInfo } from '@chat/protocol';

/** The fields every FILE has, of the right types (the optional image fields are not needed). */
export function isFileInfo(value: unknown): value is FileInfo {
  if (typeof value !== 'object' || value === null) return false;
  const f = value as Record<string, unknown>;
  return typeof f.id === 'string' && typeof f.name === 'string' && typeof f.size === 'number' && typeof f.type === 'string' && typeof f.url === 'string';
}
