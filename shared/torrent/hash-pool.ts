/**
 * The hash workers, kept warm between calls. Starting a worker thread costs tens of
 * milliseconds (a V8 isolate and a Node bootstrap), a noticeable share of hashing a
 * gigabyte, so workers that finished cleanly wait, unref'd, for the next call and are
 * terminated after POOL_IDLE_MS. A worker that failed or was aborted is terminated at once.
 * Idle workers and the idle timer never keep the process alive.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** How long finished workers wait for another call before they are terminated. */
const POOL_IDLE_MS = 5_000;
const WORKER_URL = new URL('./hash-worker.mjs', import.meta.url);

const idle: Worker[] = [];
let idleTimer: NodeJS.Timeout | undefined;

function spawn(): Worker {
  // execArgv: [] so workers skip the parent's loader flags (vitest, tsx): the worker is plain JS.
  const w = new Worker(WORKER_URL, { execArgv: [] });
  // An idle worker that dies must leave the pool, and its 'error' must not crash the process.
  w.on('error', () => undefined);
  w.on('exit', () => {
    const i = idle.indexOf(w);
    if (i !== -1) idle.splice(i, 1);
  });
  return w;
}

function scheduleIdleClose(): void {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = setTimeout(() => void closeHashWorkers(), POOL_IDLE_MS);
  idleTimer.unref();
}

/** Takes n workers for one call: idle ones first, then new ones; they keep the process alive while held. */
export function acquireWorkers(n: number): Worker[] {
  const out = idle.splice(0, n);
  while (out.length < n) out.push(spawn());
  for (const w of out) w.ref();
  return out;
}

/** Returns workers that finished cleanly to the pool (beyond the CPU count they are terminated). */
export function releaseWorkers(workers: Worker[]): void {
  const cap = availableParallelism();
  for (const w of workers) {
    if (idle.length < cap) {
      w.unref();
      idle.push(w);
    } else {
      void w.terminate();
    }
  }
  scheduleIdleClose();
}

/** Terminates workers whose state is unknown (after an error or an abort). */
export async function discardWorkers(workers: Worker[]): Promise<void> {
  await Promise.all(workers.map((w) => w.terminate()));
}

/** Starts idle workers ahead of a call (e.g. while files are stat'ed), up to n in total. */
export function prewarmHashWorkers(n: number = availableParallelism()): void {
  while (idle.length < n) {
    const w = spawn();
    w.unref();
    idle.push(w);
  }
  scheduleIdleClose();
}

/** Terminates all idle hash workers now (they would otherwise go after a few idle seconds). */
export async function closeHashWorkers(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  await discardWorkers(idle.splice(0));
}
