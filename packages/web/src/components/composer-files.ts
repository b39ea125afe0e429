// The files a message is about to carry (issue 17), per room as the composer's draft is: chosen
// with the paperclip, pasted, or dropped on the chat. Only this glue is in the initial bundle; the
// upload queue (lib/uploads.ts) and the preview strip (UploadStrip.vue) are loaded by a dynamic
// import when the first file comes, so a page that never sends a file never loads them.
import { computed, reactive, ref, watch } from 'vue';
import type { FileInfo } from '@chat/protocol';
import type { UploadEntry, UploadQueue } from '../lib/uploads.js';
import { ClientStorage } from '../lib/client-storage.js';
import { httpUrl } from '../lib/urls.js';
import { chat, ui } from '../chat.js';

/** Room -> the entries its strip shows (reactive: the queue changes them through this list). */
const lists = reactive(new Map<string, UploadEntry[]>());
const queues = new Map<string, UploadQueue>();
/** Room -> how many files the last choice left out (over MAX_FILES_PER_MESSAGE). */
export const leftOut = reactive(new Map<string, number>());

/** The paperclip, paste and drop work: the server takes files, and from guests when this is one. */
export const filesEnabled = computed(() => ui.uploads !== null && (chat.account || ui.uploads.guests));

/** The files of a room's next message, as the strip shows them. */
export function uploadsOf(room: string): readonly UploadEntry[] {
  return lists.get(room) ?? [];
}

/** The upload queue of a room once a file was added there (the strip's remove and retry). */
export function queueOf(room: string): UploadQueue | undefined {
  return queues.get(room);
}

/**
 * What the files let the composer do: `none` (send text as usual), `uploading` or `failed` (Send
 * waits: every file must be uploaded, or removed), `ready`.
 */
export function filesState(room: string): 'none' | 'uploading' | 'failed' | 'ready' {
  const list = lists.get(room);
  if (!list?.length) return 'none';
  if (list.some((e) => e.status === 'failed')) return 'failed';
  return list.every((e) => e.status === 'done') ? 'ready' : 'uploading';
}

/** Adds files to a room's next message, loading the uploader the first time; `pasted`: from the clipboard. */
export async function addFiles(room: string, files: File[], pasted = false): Promise<void> {
  if (files.length === 0 || !filesEnabled.value) return;
  const uploads = await (loading ??= import('../lib/uploads.js'));
  const queue = queues.get(room) ?? newQueue(uploads.UploadQueue, room);
  const now = new Date();
  leftOut.set(room, queue.add(pasted ? files.map((f) => uploads.pastedFile(now, f)) : files));
}

/** The message is sent: its files leave the strip (their previews are revoked). */
export function takeFiles(room: string): FileInfo[] {
  const queue = queues.get(room);
  const files = queue?.files() ?? [];
  queue?.clear();
  leftOut.delete(room);
  return files;
}

/** The uploader's module, once asked for. */
let loading: Promise<typeof import('../lib/uploads.js')> | undefined;

function newQueue(Queue: typeof UploadQueue, room: string): UploadQueue {
  lists.set(room, []);
  const storage = new ClientStorage(localStorage);
  const queue = new Queue({
    room,
    entries: lists.get(room)!,
    url: (path) => httpUrl(location.href, path),
    guestToken: () => (chat.account ? null : storage.token()),
    maxBytes: () => ui.uploads?.maxBytes ?? null,
    online: () => chat.status === 'online',
  });
  queues.set(room, queue);
  return queue;
}

// Uploads that waited for the connection, or lost it, go when it is back.
watch(
  () => chat.status,
  (status) => {
    if (status === 'online') for (const queue of queues.values()) queue.resume();
  },
);
// Signed out, or in (a guest's uploads are not the account's to send): the files go.
watch(
  () => [chat.needsName, chat.account],
  () => {
    for (const queue of queues.values()) queue.clear();
    leftOut.clear();
  },
);

/**
 * Files pasted into the composer, or null to let the paste be: text with a picture of itself
 * (a spreadsheet's cells, a word processor's paragraph) pastes as the text.
 */
export function pastedFiles(data: DataTransfer | null): File[] | null {
  const files = Array.from(data?.files ?? []);
  return files.length === 0 || data?.getData('text/plain') ? null : files;
}

/**
 * Dragging files over the chat: `dragging` shows the drop overlay; a drop adds the files to the
 * room's message. Counted per element entered, since leaving a child fires `dragleave` too.
 */
export function useDropZone(room: () => string | undefined) {
  const dragging = ref(false);
  let depth = 0;
  const carriesFiles = (e: DragEvent) => filesEnabled.value && room() !== undefined && (e.dataTransfer?.types ?? []).includes('Files');
  const handlers = {
    dragenter(e: DragEvent) {
      if (!carriesFiles(e)) return;
      e.preventDefault();
      depth++;
      dragging.value = true;
    },
    dragover(e: DragEvent) {
      if (!carriesFiles(e)) return;
      e.preventDefault(); // a drop target, else the browser opens the file in place of the chat
      e.dataTransfer!.dropEffect = 'copy';
    },
    dragleave() {
      depth = Math.max(0, depth - 1);
      if (depth === 0) dragging.value = false;
    },
    drop(e: DragEvent) {
      depth = 0;
      dragging.value = false;
      const name = room();
      if (!carriesFiles(e) || name === undefined) return;
      e.preventDefault();
      void addFiles(name, Array.from(e.dataTransfer?.files ?? []));
    },
  };
  return { dragging, handlers };
}
