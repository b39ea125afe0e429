// Uploaded files (docs/protocol.md, "Files"): their metadata, who uploaded them where, and whether
// they were sent. The bytes live in UPLOAD_DIR (files/upload-dir.ts), never in the store.
//
// A file's life: uploaded (addFile) → sent with a message (MessageStore.appendEntries claims it in
// the message's transaction: NewMessage.files) → gone, when its message is redacted or pruned by
// retention, or when it was never sent within UNSENT_FILE_MS. A gone file is 404 at once; the
// sweeper removes its bytes (goneFiles, bytesRemoved), and its row only after a day, so that the
// daily upload quota still counts it. A gone row keeps no name.

import type { FileInfo } from '@chat/protocol';

/** A file as MESSAGE.files holds it before its URLs are signed (files/file-links.ts). */
export interface StoredFile {
  id: string;
  name: string;
  size: number;
  type: string;
  width?: number;
  height?: number;
  /** A thumbnail exists (images). */
  thumb?: true;
}

export interface NewFile extends StoredFile {
  room: string;
  userId: string;
  createdAt: number;
}

export interface FileRecord extends NewFile {
  /** Sent with a message (no longer claimable). */
  sent: boolean;
}

/**
 * Turns a stored file into MESSAGE's FILE with signed URLs (files/file-links.ts). Stores take one
 * in their options, so that every MESSAGE they return, wherever it is served, carries URLs.
 */
export type FileSigner = (file: StoredFile) => FileInfo;

/**
 * For a store opened without a signer (maintenance commands, some tests): URLs that name the file
 * but carry no signature, so the file routes refuse them.
 */
export const unsignedFiles: FileSigner = ({ thumb, ...file }) => {
  const name = encodeURIComponent(file.name);
  const url = `api/files/${file.id}/${name}`;
  return thumb ? { ...file, url, thumbUrl: `api/files/${file.id}/thumb/${name}` } : { ...file, url };
};

/** How long an upload may wait to be sent; then it is gone. */
export const UNSENT_FILE_MS = 24 * 60 * 60 * 1000;

export interface FileStore {
  /** Records an uploaded file whose bytes are in place. The room must exist. */
  addFile(file: NewFile): Promise<void>;

  /** The file, or null when unknown or gone. */
  fileById(id: string): Promise<FileRecord | null>;

  /** Bytes the user uploaded since `since` (ms), gone files included: the daily quota. */
  uploadedBytesSince(userId: string, since: number): Promise<number>;

  /** Marks files never sent and uploaded before `before` gone; resolves with how many. */
  expireUnsentFiles(before: number): Promise<number>;

  /** Up to `limit` gone files whose bytes are still to be removed. */
  goneFiles(limit: number): Promise<string[]>;

  /**
   * The bytes of these gone files are removed: their rows are kept (for the quota) until
   * purgeFiles removes them.
   */
  bytesRemoved(ids: string[]): Promise<void>;

  /** Deletes the rows of gone files, bytes removed, uploaded before `before`. */
  purgeFiles(before: number): Promise<number>;
}
