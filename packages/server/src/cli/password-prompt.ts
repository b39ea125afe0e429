// Reading a new password for `chat-server admin create`: on a terminal it is asked twice without
// echo; otherwise (a pipe, a file, a provisioning script) it is the first line of standard input.
// The password never appears on the command line, where other users could see it in `ps`.

/** Longest input read from a pipe: a password is at most MAX_PASSWORD_CHARS; this bounds the rest. */
const MAX_INPUT_BYTES = 64 * 1024;

export class PromptError extends Error {}

/** The new password, or '' when none was given. Throws PromptError when the two entries differ or on Ctrl-C. */
export async function readNewPassword(label: string): Promise<string> {
  if (!process.stdin.isTTY) return firstLine(process.stdin);
  const first = await askHidden(`${label}: `);
  if (first === '') return '';
  const again = await askHidden('Once more, to be sure: ');
  if (again !== first) throw new PromptError('the two passwords differ; nothing was changed');
  return first;
}

/** The first line of a stream (without its line end), read up to MAX_INPUT_BYTES. */
function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      input.removeListener('data', onData);
      input.removeListener('end', done);
      input.removeListener('error', reject);
      input.pause();
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\n');
      resolve((end < 0 ? text : text.slice(0, end)).replace(/\r$/, ''));
    };
    const onData = (chunk: Buffer | string) => {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      chunks.push(buf);
      size += buf.length;
      if (buf.includes(0x0a) || size >= MAX_INPUT_BYTES) done();
    };
    input.on('data', onData);
    input.once('end', done);
    input.once('error', reject);
  });
}

/** Asks on the terminal with echo off (raw mode): Enter ends, Backspace erases, Ctrl-C aborts. */
function askHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = '';
    const finish = (err: Error | null) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish(null);
        if (ch === '\u0003') return finish(new PromptError('interrupted; nothing was changed'));
        if (ch === '\u007f' || ch === '\b') typed = [...typed].slice(0, -1).join('');
        else if (ch >= ' ') typed += ch;
      }
    };
    stdin.on('data', onData);
  });
}
