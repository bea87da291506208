/**
 * The copy-figure warm-up's worker thread (started by warm-in-worker.ts through
 * warm-worker-entry.mjs). At 10,000,000 files the warm-up reads 10,000 sets, 40,000 volume
 * records and the torrents of every partly held volume, and allocates about 500 MiB doing it:
 * on the catalogue's main thread that work, however finely sliced, and the young-generation
 * collections of its garbage were what a copy lookup made during a warm-up waited for. Here it
 * runs on its own thread, with its own heap, at a lower CPU priority, over the same LMDB
 * environment (lmdb-js shares one environment between the threads of a process).
 *
 * It only reads: the main thread sends each audited volume's holders (the census lives there),
 * then says go; this thread walks every set's latest version with the same code the main thread
 * uses (set-figures.ts) and sends the figures back in batches; the main thread keeps them and
 * writes them to the store.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import { SeedbankError } from '../../../shared/errors.ts';
import { currentThreadId, lowerThreadPriority } from '../../../shared/thread-priority.ts';
import type { VolumeHolders } from '../census/index.ts';
import { ApprovedOperators } from '../operators/operator-list.ts';
import { CatalogueStore } from '../store/catalogue-store.ts';
import { LMDB_FOLDER } from '../store/open-lmdb.ts';
import { HeadlineCounts } from './headline.ts';
import { LayoutCache } from './layout-cache.ts';
import { latestVolumes, SetFigureWalk, type SetFigureSources } from './set-figures.ts';
import { EMPTY_HOLDERS, WARM_BATCH_MS, WARM_BATCH_SETS, WARM_WORKER_NICE, type FromWarmWorker, type ToWarmWorker, type WarmedSet, type WarmWorkerData } from './warm-protocol.ts';

/** Lowers this thread's CPU priority (Linux: a thread is a task with its own id; elsewhere it stays as it is). */
function lowerPriority(nice: number): boolean {
  const tid = currentThreadId();
  return tid !== null && lowerThreadPriority(tid, nice);
}

/**
 * Walks every set and sends the figures back in batches (a batch per WARM_BATCH_MS of work, or
 * WARM_BATCH_SETS sets), yielding this thread's event loop after each so lmdb-js renews its read
 * transaction (one held for the whole walk would keep the main thread's writes from reusing pages).
 */
async function warmAll(store: CatalogueStore, data: WarmWorkerData, holders: ReadonlyMap<string, VolumeHolders>, post: (m: FromWarmWorker) => void, stopped: () => boolean): Promise<void> {
  const approved = new ApprovedOperators(data.operators);
  const headlines = new HeadlineCounts(data.mode, () => approved);
  const layouts = new LayoutCache(store, data.layoutCacheBytes);
  const src: SetFigureSources = {
    holders: (ih) => holders.get(ih) ?? { ...EMPTY_HOLDERS, infoHash: ih },
    layout: (ih) => layouts.extents(ih),
    headline: (ih, hosts, keys, mode) => headlines.count(ih, hosts, keys, mode),
    mode: data.mode,
  };
  const t0 = performance.now();
  let batch: WarmedSet[] = [];
  let batchStart = performance.now();
  let sets = 0;
  let volumes = 0;
  for (const setId of store.setIds()) {
    const latest = latestVolumes(store, setId);
    if (latest) {
      const walk = new SetFigureWalk(latest.copyTarget, src);
      const volumeCopies: Array<[string, number]> = latest.volumes.map((vol) => [vol.infoHash, walk.addVolume(vol)]);
      batch.push({ setId, version: latest.version, stats: walk.result(), volumeCopies });
      sets++;
      volumes += latest.volumes.length;
    }
    if (batch.length >= WARM_BATCH_SETS || (batch.length > 0 && performance.now() - batchStart >= WARM_BATCH_MS)) {
      post({ type: 'sets', sets: batch });
      batch = [];
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopped()) return;
      batchStart = performance.now();
    }
  }
  if (batch.length > 0) post({ type: 'sets', sets: batch });
  post({ type: 'done', sets, volumes, layoutReads: layouts.reads, wallMs: performance.now() - t0 });
}

/**
 * The worker's life: holders arrive, then `go`; the figures go back; on `stop` (after `done`, or
 * to abandon a walk between two batches) it closes its handle on the store and ends by itself.
 */
function main(): void {
  const port = parentPort;
  if (!port) throw new SeedbankError('INTERNAL', 'warm-worker.ts runs as a worker thread (warm-in-worker.ts starts it)');
  const data = workerData as WarmWorkerData;
  const reniced = lowerPriority(data.nice ?? WARM_WORKER_NICE);
  // Opening creates a store where none is: a worker sent to the wrong folder must fail, not count an empty catalogue.
  const file = path.join(data.dataDir, LMDB_FOLDER, 'data.mdb');
  if (!existsSync(file)) throw new SeedbankError('INTERNAL', `the copy-figure warm-up worker found no catalogue store at ${file}`);
  const store = CatalogueStore.open(data.dataDir, data.lmdb);
  const holders = new Map<string, VolumeHolders>();
  const post = (m: FromWarmWorker) => port.postMessage(m);
  let stopping = false;
  let walking: Promise<void> | null = null;
  port.on('message', (m: ToWarmWorker) => {
    if (m.type === 'holders') {
      for (const [infoHash, passing, keys] of m.volumes) holders.set(infoHash, { infoHash, passing: new Map(passing), failing: EMPTY_HOLDERS.failing, operatorKeys: new Map(keys) });
    } else if (m.type === 'go') {
      walking = warmAll(store, data, holders, post, () => stopping);
      // A failure ends the thread with the error: the main thread's 'error' handler gets it.
      walking.catch((err: unknown) => process.nextTick(() => {
        throw err;
      }));
    } else if (!stopping) {
      stopping = true;
      // The walk stops at its next batch; then this thread's handle on the shared environment is
      // closed (the main thread's stays open) and, with the port closed, the thread ends.
      void (walking ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => store.close())
        .finally(() => port.close());
    }
  });
  post({ type: 'ready', reniced });
}

main();
