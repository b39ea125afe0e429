// How the timeline shows a message's files (Version 1.1, "Files"): images as thumbnails, audio and
// video as players, anything else as a card whose icon says what kind of file it is. A thumbnail's
// box is known from the file's width and height before its bytes arrive, so an image that loads
// never moves the messages around it (the list keeps following the newest message).
import type { FileInfo } from '@chat/protocol';

/** A thumbnail's box at most, in CSS pixels (the stylesheet makes it smaller on phones). */
export const THUMB_MAX = 320;
/** A very long or tall image still gets a box one can hit; the thumbnail is cropped to it. */
const THUMB_MIN = 48;

export type FileShow = 'image' | 'audio' | 'video' | 'card';
export type CardKind = 'pdf' | 'archive' | 'text' | 'document' | 'generic';

/**
 * Images are what the server made a thumbnail of; audio and video play inline (the server serves
 * common ones inline); the rest (HTML, SVG, PDF, …) is downloaded, so it gets a card.
 */
export function showAs(file: FileInfo): FileShow {
  if (file.thumbUrl) return 'image';
  if (file.type.startsWith('audio/')) return 'audio';
  if (file.type.startsWith('video/')) return 'video';
  return 'card';
}

export interface Box {
  width: number;
  height: number;
}

/** The thumbnail's box: the image scaled down (never up) to fit THUMB_MAX square; 4:3 if unknown. */
export function thumbBox(file: FileInfo, max = THUMB_MAX): Box {
  const { width, height } = file;
  if (!width || !height || width <= 0 || height <= 0) return { width: max, height: Math.round((max * 3) / 4) };
  const scale = Math.min(1, max / width, max / height);
  const side = (n: number) => Math.min(max, Math.max(THUMB_MIN, Math.round(n * scale)));
  return { width: side(width), height: side(height) };
}

/** The name's extension, lower-cased ("" without one). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 && dot < name.length - 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** Each kind by its MIME types or extensions, tried on "TYPE .EXTENSION" in this order. */
const KINDS: Array<[CardKind, RegExp]> = [
  ['pdf', /\/pdf|\.pdf$/],
  ['archive', /\/(zip|gzip|x-(tar|gzip|7z|rar|bzip2|xz)|vnd\.rar|zstd)\b|\.(zip|tar|t?gz|7z|rar|bz2|xz|zst)$/],
  ['document', /msword|officedocument|opendocument|ms-(excel|powerpoint)|\/rtf|\/epub|\.(docx?|xlsx?|pptx?|od[tsp]|rtf|epub)$/],
  ['text', /^text\/|\/(json|xml|yaml)\b|\.(txt|md|csv|log|json|xml|ya?ml)$/],
];

/**
 * The card's icon. The server's type comes from the bytes, which say nothing about plain text
 * ("application/octet-stream"): the name's extension decides then.
 */
export function cardKind(file: FileInfo): CardKind {
  const typeAndName = `${file.type} .${extensionOf(file.name)}`;
  return KINDS.find(([, pattern]) => pattern.test(typeAndName))?.[0] ?? 'generic';
}
