// `chat-server admin create NAME [--reset]`: the operator makes an admin account.
import { USERNAME } from '@chat/protocol';
import { createOperatorAdmin } from '../auth/operator-admin.js';
import { passwordProblem } from '../auth/password-policy.js';
import { createBackends } from '../backends.js';
import type { Config } from '../config.js';
import { checkDataDir } from './data-dir.js';
import { fail } from './exit.js';
import { silentLog } from './maintenance.js';
import { PromptError, readNewPassword } from './password-prompt.js';

const ADMIN_USAGE = 'usage: chat-server admin create NAME [--reset] [options]';

/**
 * `admin create NAME [--reset]`: the operator makes an admin account. The password comes from the
 * terminal (twice, no echo) or from the first line of standard input, never from argv. The options
 * after NAME are read by `readConfig` (main.ts, the one reader of the environment).
 */
export async function adminCreate(args: string[], readConfig: (argv: string[]) => Config): Promise<void> {
  const [sub, name, ...more] = args;
  if (sub !== 'create' || name === undefined || name.startsWith('-')) fail(ADMIN_USAGE, 2);
  const reset = more.includes('--reset');
  const config = readConfig(more.filter((a) => a !== '--reset'));
  if (!USERNAME.test(name)) fail(`error: "${name}" is not a username (3-32 of a-z, 0-9, _ and -)`, 2);
  let password: string;
  try {
    password = await readNewPassword(`Password for ${name}`);
  } catch (err) {
    if (err instanceof PromptError) fail(`error: ${err.message}`, 2);
    throw err;
  }
  if (password === '') fail('error: no password given (type it on the terminal, or give it as one line on standard input)', 2);
  const problem = passwordProblem(password);
  if (problem !== null) fail(`error: ${problem}`, 2);
  if (config.databaseUrl === null) checkDataDir(config.dataDir);
  let store: Awaited<ReturnType<typeof createBackends>>['store'];
  try {
    ({ store } = await createBackends({ ...config, redisUrl: null }, silentLog));
  } catch (err) {
    fail(`error: cannot open the database: ${(err as Error).message}`, 1);
  }
  let outcome: Awaited<ReturnType<typeof createOperatorAdmin>>;
  try {
    outcome = await createOperatorAdmin(store, name, password, { reset });
  } catch (err) {
    await store.close().catch(() => undefined);
    fail(`error: ${(err as Error).message}`, 1);
  }
  await store.close();
  switch (outcome.kind) {
    case 'exists':
      fail(
        `error: an account named ${name} exists (${outcome.operatorAdmin ? 'made by the operator' : 'registered by someone'}); ` +
          `\`chat-server admin create ${name} --reset\` gives it this password, makes it admin and ends all its sessions and tokens`,
        2,
      );
    case 'created':
      process.stdout.write(`admin account ${name} created\n`);
      break;
    case 'reset':
      process.stdout.write(`admin account ${name}: new password set, made admin; ${outcome.revoked} sessions and tokens ended\n`);
      break;
  }
  if (!config.adminUsers.includes(name)) {
    process.stderr.write(`warning: ${name} is not in ADMIN_USERS here: the account has admin rights only while it is listed there\n`);
  }
}
