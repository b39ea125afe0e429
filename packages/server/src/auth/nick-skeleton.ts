// When does a nick pass for another? Unicode TR39 §4 (confusable detection): two strings are
// confusable when their skeletons are equal, skeleton(X) = NFD(each character of NFD(X) mapped to
// its prototype in confusables.txt). We compare more loosely than TR39, since a guest nick is only
// ever compared with account usernames (a-z, 0-9, _ and -), which are lower case:
// - case is folded: after the mapping (confusables.txt maps `0` to `O` but leaves `o` alone), and
//   either before it (`ALICE`) or not (`AIice`: capital I maps to `l`), so a nick has two keys;
// - combining marks are dropped: an accent is easy to miss in a nick (`alicé` passes for `alice`).
//
// The mapping is `unhomoglyph` (nodeca: the confusables.txt table, as Matrix clients use it to tell
// display names apart), a table and one regex without dependencies.
import unhomoglyph from 'unhomoglyph';

const COMBINING_MARKS = /\p{M}/gu;

function skeleton(text: string): string {
  return unhomoglyph(text.normalize('NFD')).normalize('NFD').toLowerCase().replace(COMBINING_MARKS, '');
}

/** The key an account username is stored under (usernames are lower case already). */
export function usernameSkeleton(username: string): string {
  return skeleton(username.toLowerCase());
}

/**
 * The keys under which a nick would meet an account username it passes for: one or two,
 * as case is folded before the mapping or only after it.
 */
export function nickSkeletons(nick: string): string[] {
  const normalized = nick.normalize('NFKC');
  const keys = new Set([skeleton(normalized.toLowerCase()), skeleton(normalized)]);
  return [...keys];
}
