/**
 * The calling thread's CPU time and its time waiting for a CPU (Linux schedstat, nanoseconds):
 * a latency section's figures split into what the code did and what the machine's load made it
 * wait, so runs on a busy machine can still be read. Null where /proc has no schedstat.
 */
import { readFileSync } from 'node:fs';

/** Milliseconds this thread ran and waited in a run queue since it started. */
export interface ThreadSched {
  runMs: number;
  waitMs: number;
}

/** This thread's schedstat now, or null. */
export function threadSched(): ThreadSched | null {
  try {
    const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ').map(Number);
    return Number.isFinite(run) && Number.isFinite(wait) ? { runMs: run! / 1e6, waitMs: wait! / 1e6 } : null;
  } catch {
    return null;
  }
}

/** What this thread did between two readings. */
export function schedSince(before: ThreadSched | null): ThreadSched | null {
  const now = threadSched();
  return before && now ? { runMs: now.runMs - before.runMs, waitMs: now.waitMs - before.waitMs } : null;
}
