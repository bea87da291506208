/**
 * CPU priorities of a process's threads (Linux: each thread is a task with its own id and its
 * own nice value; elsewhere nothing changes). A server whose requests run on one thread, the
 * event loop, can let its other threads (V8's compiler and garbage-collector helpers, libuv's
 * pool, worker threads) yield to it when the machine has more runnable threads than cores.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { getPriority, setPriority } from 'node:os';
import { isMainThread } from 'node:worker_threads';

/** The highest nice value, the lowest priority. */
const LOWEST = 19;

/** The calling thread's task id, or null where threads have none to read (not Linux). */
export function currentThreadId(): number | null {
  try {
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/** Sets a thread's nice value unless it is already that low (a raise needs privileges); whether it now is. */
export function lowerThreadPriority(tid: number, nice: number): boolean {
  try {
    if (getPriority(tid) < nice) setPriority(tid, Math.min(LOWEST, nice));
    return true;
  } catch {
    // The thread ended, or the system refuses.
    return false;
  }
}

/**
 * From the main thread: gives every other thread of the process a nice value `delta` above the
 * main thread's (at most 19), so that under contention the event loop gets a core first. Threads
 * made later (libuv makes its pool at first use) inherit the main thread's; call again after
 * them. Returns how many threads were lowered; 0 off Linux, in a worker thread, or for `delta` 0.
 */
export function lowerOtherThreads(delta: number): number {
  if (delta <= 0 || !isMainThread || process.platform !== 'linux') return 0;
  let tids: string[];
  try {
    tids = readdirSync('/proc/self/task');
  } catch {
    return 0;
  }
  const nice = Math.min(LOWEST, getPriority(process.pid) + delta);
  let lowered = 0;
  for (const t of tids) {
    const tid = Number(t);
    if (tid !== process.pid && lowerThreadPriority(tid, nice)) lowered++;
  }
  return lowered;
}
