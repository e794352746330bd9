import { readFileSync } from 'node:fs';

// Linux reports thread times in clock ticks of USER_HZ, which is 100 on every
// architecture Node supports there.
const TICKS_PER_SECOND = 100;

/**
 * CPU milliseconds the calling thread has used (user + system), from
 * /proc/thread-self/stat; null where that file does not exist (not Linux).
 * Called on the gateway's thread, it counts the gateway's work and PGlite's, not
 * the load worker's: unlike throughput, it barely moves when other processes
 * compete for the cores. Resolution 10 ms.
 */
export function mainThreadCpuMs(): number | null {
  let stat: string;
  try {
    stat = readFileSync('/proc/thread-self/stat', 'utf8');
  } catch {
    return null;
  }
  // The command name may contain spaces; the fields after it are space-separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  const ticks = Number(fields[11]) + Number(fields[12]);
  return Number.isFinite(ticks) ? (ticks * 1000) / TICKS_PER_SECOND : null;
}
