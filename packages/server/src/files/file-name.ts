// The name an uploaded file is shown and served under (docs/protocol.md, "Files"), made from the
// multipart part's filename, which the client chose freely: no path (some browsers and scripts send
// one), Unicode NFC (macOS sends NFD, so the same name would differ byte for byte), no control or
// bidirectional-override characters (U+202E makes "gpj.exe" read as "exe.jpg"), no surrounding
// white space, at most MAX_FILE_NAME_CHARS code points with the extension kept.

/** Code points a file name keeps at most. */
export const MAX_FILE_NAME_CHARS = 200;
/** The name of a file sent without one (or with one of nothing but unusable characters). */
export const DEFAULT_FILE_NAME = 'file';
/** Longest ending (dot included) kept as an extension when a long name is cut. */
const MAX_EXTENSION_CHARS = 16;

// C0 and C1 controls and DEL; the bidi controls: LRM, RLM, ALM, the embeddings and overrides
// (U+202A–U+202E) and the isolates (U+2066–U+2069); and the BOM / zero-width no-break space.
const UNWANTED = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;

export function cleanFileName(raw: string | undefined): string {
  // busboy keeps only the part after the last / or \ already; a name given some other way may not.
  const base = (raw ?? '').split(/[/\\]/).pop() ?? '';
  const clean = base.normalize('NFC').replace(UNWANTED, '').trim();
  // "." and ".." would be resolved away in a URL path (api/files/ID/..), breaking the link.
  if (/^\.*$/.test(clean)) return DEFAULT_FILE_NAME;
  return shorten(clean);
}

/** Cuts a name to MAX_FILE_NAME_CHARS code points, keeping a short extension. */
function shorten(name: string): string {
  const chars = [...name];
  if (chars.length <= MAX_FILE_NAME_CHARS) return name;
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? [...name.slice(dot)] : [];
  const kept = extension.length > 1 && extension.length <= MAX_EXTENSION_CHARS ? extension : [];
  const stem = chars.slice(0, MAX_FILE_NAME_CHARS - kept.length).join('').trimEnd();
  return stem + kept.join('');
}
