/**
 * The copy-figure warm-up on a worker thread, the main thread's side (the worker's is
 * warm-worker.ts). The main thread keeps only what must be there: it reads each audited
 * volume's holders from the census (which lives on this thread) and sends them, then takes the
 * figures back and keeps them; both in slices (warm-slices.ts), so a request waits for at most
 * one slice. The reading of sets, volumes and torrents, the walk over every file of a partly
 * held volume, and their garbage are the worker's.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SeedbankError } from '../../../shared/errors.ts';
import type { VolumeHolders } from '../census/index.ts';
import { WARM_WORKER_STOP_MS, type FromWarmWorker, type HolderRow, type ToWarmWorker, type WarmedSet, type WarmWorkerData } from './warm-protocol.ts';
import type { WarmSlicer } from './warm-slices.ts';

const ENTRY = new URL('./warm-worker-entry.mjs', import.meta.url);
/** The worker's module beside this one: .ts under the sources, .js in the compiled dist/. */
const MODULE = new URL(`warm-worker${path.extname(fileURLToPath(import.meta.url))}`, import.meta.url).href;

/** What a warm-up on a worker needs from the copy index. */
export interface WorkerWarmUp {
  data: WarmWorkerData;
  /** The volumes with census verdicts (their holders are sent; any other volume has none). */
  volumes: Iterable<string>;
  holders(infoHash: string): VolumeHolders;
  slicer: WarmSlicer;
  /** False once a newer invalidation abandoned this warm-up. */
  live(): boolean;
  /** Keeps one set's figures. */
  keep(set: WarmedSet): void;
  /** Aborted when a newer invalidation (or a close) abandons this warm-up: the worker is ended at once. */
  signal: AbortSignal;
}

/** How a warm-up on a worker went. */
export interface WorkerWarmUpResult {
  /** False when abandoned (a newer invalidation): some sets may have been kept, not all. */
  finished: boolean;
  sets: number;
  volumes: number;
  layoutReads: number;
  /** The worker's wall time for the walk. */
  wallMs: number;
  /** Whether the worker could lower its CPU priority. */
  reniced: boolean;
  /** Whether the worker closed its store and ended by itself when told (else it was ended from outside). */
  endedItself: boolean;
}

/** The worker's messages, in order, or the error that ended it. */
class Inbox {
  private readonly queue: FromWarmWorker[] = [];
  private failure: Error | null = null;
  private wake: (() => void) | null = null;

  push(m: FromWarmWorker): void {
    this.queue.push(m);
    this.wake?.();
  }

  fail(err: Error): void {
    this.failure ??= err;
    this.wake?.();
  }

  async next(): Promise<FromWarmWorker> {
    for (;;) {
      const m = this.queue.shift();
      if (m) return m;
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
  }
}

/**
 * Asks the worker to close its handle on the store and end, and waits until it has: it reads
 * the catalogue's LMDB environment, which must not be closed under it. A worker ended from
 * outside (`terminate`) while it had the environment open crashed the 10M bench's catalogue
 * later, when the main thread closed the store (SIGSEGV); that is the last resort here.
 */
async function stopWorker(worker: Worker, exited: Promise<void>): Promise<'ended' | 'terminated'> {
  worker.postMessage({ type: 'stop' } satisfies ToWarmWorker);
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), WARM_WORKER_STOP_MS)));
  const how = await Promise.race([exited.then(() => 'ended' as const), late]);
  clearTimeout(timer);
  if (how === 'ended') return 'ended';
  await worker.terminate();
  return 'terminated';
}

/**
 * Runs one warm-up on a new worker thread and ends the thread, whatever happens. Rejects when
 * the worker cannot start or fails (the caller falls back to the main thread); resolves with
 * `finished: false` when abandoned.
 */
export async function warmInWorker(o: WorkerWarmUp): Promise<WorkerWarmUpResult> {
  const worker = new Worker(ENTRY, { execArgv: [], workerData: { ...o.data, module: MODULE } });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const inbox = new Inbox();
  const early = (code: number) => inbox.fail(new SeedbankError('INTERNAL', `the copy-figure warm-up worker exited (code ${code}) before it was done`));
  worker.on('message', (m: FromWarmWorker) => inbox.push(m));
  worker.on('error', (err) => inbox.fail(err));
  worker.on('exit', early);
  const abandon = () => inbox.fail(new SeedbankError('INTERNAL', 'the copy-figure warm-up was abandoned'));
  o.signal.addEventListener('abort', abandon, { once: true });
  let result: Omit<WorkerWarmUpResult, 'endedItself'> | undefined;
  let failure: { err: unknown } | undefined;
  try {
    result = await drive(worker, inbox, o);
  } catch (err) {
    if (o.signal.aborted) result = { finished: false, sets: 0, volumes: 0, layoutReads: 0, wallMs: 0, reniced: false };
    else failure = { err };
  }
  o.signal.removeEventListener('abort', abandon);
  worker.off('exit', early);
  const ended = await stopWorker(worker, exited);
  if (failure) throw failure.err;
  return { ...result!, endedItself: ended === 'ended' };
}

/** The warm-up's conversation with its worker: holders out, figures back (null result fields when abandoned). */
async function drive(worker: Worker, inbox: Inbox, o: WorkerWarmUp): Promise<Omit<WorkerWarmUpResult, 'endedItself'>> {
  const { slicer } = o;
  const abandoned = { finished: false, sets: 0, volumes: 0, layoutReads: 0, wallMs: 0, reniced: false };
  const ready = await inbox.next();
  slicer.measureThreadCpu();
  const reniced = ready.type === 'ready' && ready.reniced;
  // The holders, a slice's worth per message.
  let rows: HolderRow[] = [];
  for (const infoHash of o.volumes) {
    const h = o.holders(infoHash);
    if (h.passing.size > 0) rows.push([infoHash, [...h.passing], [...h.operatorKeys]]);
    slicer.volumes++;
    if (!slicer.due()) continue;
    worker.postMessage({ type: 'holders', volumes: rows } satisfies ToWarmWorker);
    rows = [];
    await slicer.slice();
    if (!o.live()) return abandoned;
  }
  worker.postMessage({ type: 'holders', volumes: rows } satisfies ToWarmWorker);
  worker.postMessage({ type: 'go' } satisfies ToWarmWorker);
  // The figures, kept in slices as they come.
  for (;;) {
    const m = await inbox.next();
    // The wait for the worker held nothing: the slice starts now.
    slicer.restart();
    if (!o.live()) return abandoned;
    if (m.type === 'done') return { finished: true, sets: m.sets, volumes: m.volumes, layoutReads: m.layoutReads, wallMs: m.wallMs, reniced };
    if (m.type !== 'sets') continue;
    for (const set of m.sets) {
      if (slicer.due()) {
        await slicer.slice();
        if (!o.live()) return abandoned;
      }
      o.keep(set);
      slicer.sets++;
    }
  }
}
