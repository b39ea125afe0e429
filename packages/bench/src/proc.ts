// CPU and memory of a process or thread, read from Linux's /proc (the benchmark runs on Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';

let ticksPerSecond = 100;
try {
  ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
} catch {
  // getconf missing: Linux's USER_HZ is 100 almost everywhere
}

/** utime + stime in seconds from a /proc/…/stat file (fields 14 and 15, after the command name). */
function statCpuSeconds(file: string): number {
  return cpuOfStat(readFileSync(file, 'utf8'));
}

function cpuOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), so utime (14) is fields[11] and stime (15) fields[12]
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

export function processCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/stat`);
}

/**
 * CPU seconds of every process on this machine whose command name (/proc/PID/comm, e.g.
 * `postgres`, `redis-server`) is one of `names`, by pid.
 */
export function cpuSecondsByCommand(names: readonly string[]): Map<number, { name: string; seconds: number }> {
  const found = new Map<number, { name: string; seconds: number }>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return found; // not Linux
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!names.includes(name)) continue;
      found.set(Number(pid), { name, seconds: cpuOfStat(stat) });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

/** CPU seconds of the calling thread (a worker thread sees its own). */
export function threadCpuSeconds(): number {
  try {
    return statCpuSeconds('/proc/thread-self/stat');
  } catch {
    return 0;
  }
}

function statusKiB(pid: number, field: string): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

export function rssBytes(pid: number): number {
  return statusKiB(pid, 'VmRSS') * 1024;
}

/** Peak resident set size over the process's life. */
export function peakRssBytes(pid: number): number {
  return statusKiB(pid, 'VmHWM') * 1024;
}

export interface Machine {
  nproc: number;
  cpuModel: string;
  node: string;
  os: string;
  memoryGiB: number;
}

export function describeMachine(): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (m?.[1]) cpuModel = m[1].trim();
  } catch {
    // keep os.cpus()'s answer
  }
  let nproc = cpus().length;
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // keep os.cpus()'s count
  }
  let os = `${process.platform} ${process.arch}`;
  try {
    os = `Linux ${readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()} ${process.arch}`;
  } catch {
    // not Linux
  }
  let memoryGiB = 0;
  try {
    const m = /^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    memoryGiB = m ? Math.round(Number(m[1]) / 1024 / 1024) : 0;
  } catch {
    // unknown
  }
  return { nproc, cpuModel, node: process.version, os, memoryGiB };
}
