// Which passwords an account may get (registration, `chat-server admin create`,
// ADMIN_PASSWORD_FILE): MIN_PASSWORD_CHARS to MAX_PASSWORD_CHARS characters, and none of the most
// common passwords (NIST SP 800-63B §5.1.1.2: refuse values from lists of commonly used ones).
// The list ships as JSON beside this module, so tsc copies it into dist/ with the code that needs
// it; its header fields say where it comes from and under which licence.
import { MIN_PASSWORD_CHARS } from '@chat/protocol';
import list from './common-passwords.json' with { type: 'json' };
import { MAX_PASSWORD_CHARS } from './password.js';

/** Lower-cased: the check ignores case, as guessing tools try every capitalisation first. */
const COMMON = new Set<string>(list.passwords);

/** How many passwords the list holds (for tests and docs). */
export const COMMON_PASSWORD_COUNT = COMMON.size;

/** Why this password cannot be used (a sentence for the person choosing it), or null when it can. */
export function passwordProblem(password: string): string | null {
  // Characters as people count them (code points), as the JSON schema of the routes does.
  const length = [...password].length;
  if (length < MIN_PASSWORD_CHARS || length > MAX_PASSWORD_CHARS) {
    return `password must be ${MIN_PASSWORD_CHARS} to ${MAX_PASSWORD_CHARS} characters`;
  }
  if (COMMON.has(password.toLowerCase())) return 'password is too common: choose one that is not on lists of leaked passwords';
  return null;
}
