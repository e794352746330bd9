import { readdirSync, readFileSync } from 'node:fs';

// Linux reports process times in clock ticks of USER_HZ, which is 100 on every
// architecture Node supports there.
const TICKS_PER_SECOND = 100;

function readProc(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    // Not Linux, or the process is gone: the caller reports the figure as unknown.
    return null;
  }
}

/**
 * CPU milliseconds process `pid` has used so far, every thread, user and system
 * (from /proc/<pid>/stat); null where that file cannot be read. Resolution 10 ms.
 */
export function processCpuMs(pid: number): number | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // The command name may contain spaces; the fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}

/** The resident set of process `pid` in bytes (VmRSS of /proc/<pid>/status); null where it cannot be read. */
export function processRssBytes(pid: number): number | null {
  const status = readProc(`/proc/${pid}/status`);
  const kilobytes = status?.match(/^VmRSS:\s+(\d+) kB/m)?.[1];
  return kilobytes === undefined ? null : Number(kilobytes) * 1024;
}

/** The sum of `read` over `pids`, or null when any of them is unknown. */
export function sumOverProcesses(
  pids: readonly number[],
  read: (pid: number) => number | null,
): number | null {
  let sum = 0;
  for (const pid of pids) {
    const value = read(pid);
    if (value === null) return null;
    sum += value;
  }
  return sum;
}

interface ProcStat {
  name: string;
  parent: number;
  /** utime + stime, and cutime + cstime (children that exited and were waited for), in ticks. */
  own: number;
  children: number;
}

function procStat(pid: string): ProcStat | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    parent: Number(fields[1]),
    own: Number(fields[11]) + Number(fields[12]),
    children: Number(fields[13]) + Number(fields[14]),
  };
}

/**
 * CPU milliseconds every PostgreSQL server process on this machine has used so far:
 * each running process (postmaster, backends, WAL writer, checkpointer...) and the
 * backends that have exited, which the postmaster counts as its children. Null when
 * no PostgreSQL runs here (or /proc cannot be read). Resolution 10 ms per process.
 */
export function postgresCpuMs(): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    // Not Linux: the caller reports the figure as unknown.
    return null;
  }
  const stats = new Map<number, ProcStat>();
  for (const pid of pids) {
    const stat = procStat(pid);
    if (stat?.name === 'postgres') stats.set(Number(pid), stat);
  }
  if (stats.size === 0) return null;
  let ticks = 0;
  for (const stat of stats.values()) {
    ticks += stat.own;
    // The postmaster: the one PostgreSQL process whose parent is not one.
    if (!stats.has(stat.parent)) ticks += stat.children;
  }
  return (ticks * 1000) / TICKS_PER_SECOND;
}
