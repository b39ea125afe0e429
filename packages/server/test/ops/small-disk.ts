// A really full disk for tests: a tmpfs of a few megabytes, mounted over a directory in a mount
// namespace of the process under test only (`unshare --user --map-root-user --mount`, so no root
// is needed where unprivileged user namespaces are allowed, and nothing is left mounted if the
// test dies). Writes past its size fail with ENOSPC, as on a real full disk, which SQLite reports
// as SQLITE_FULL. The test reaches the tmpfs from outside through /proc/PID/root.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tempDir } from '../helpers.js';

/**
 * A command prefix (for startChild's and runCli's `command`) that mounts a tmpfs of `bytes` over
 * `dir`, sets umask 022, then execs the rest: the process keeps its pid, so the tmpfs is at
 * `onSmallDiskPath(pid, dir)` from the test's side.
 */
export function onSmallDisk(dir: string, bytes: number): string[] {
  return [
    'unshare', '--user', '--map-root-user', '--mount',
    '/bin/sh', '-c', 'mount -t tmpfs -o "size=$0" tmpfs "$1" && umask 022 && shift && exec "$@"',
    String(bytes), dir,
  ];
}

/** Where the test sees `dir` of a process started with onSmallDisk (its own mount namespace). */
export function onSmallDiskPath(pid: number, dir: string): string {
  return `/proc/${pid}/root${dir}`;
}

let available: boolean | undefined;

/**
 * Whether this machine lets us make a small disk (user and mount namespaces). When it does not,
 * prints one "skipped: …" line, except in CI, where it throws: there, a test that cannot run fails.
 */
export function smallDiskAvailable(): boolean {
  if (available !== undefined) return available;
  const dir = tempDir('chat-small-disk-');
  try {
    execFileSync(onSmallDisk(dir, 1 << 20)[0] as string, [...onSmallDisk(dir, 1 << 20).slice(1), '/bin/true'], { stdio: 'pipe' });
    available = true;
  } catch (err) {
    const why = `cannot mount a small tmpfs in a user namespace (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
    if (process.env.CI === 'true') throw new Error(`CI needs a small disk: ${why}`);
    console.log(`skipped: ${why}`);
    available = false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return available;
}
