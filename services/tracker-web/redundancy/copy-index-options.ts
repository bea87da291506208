/** How a copy index counts and where it recomputes its figures (copy-index.ts). */
import type { CopyMode } from '../operators/copy-figures.ts';
import type { ApprovedOperators } from '../operators/operator-list.ts';

/** What the headline copy count counts, and who is approved (re-read as the list changes). */
export interface CopyCounting {
  mode: CopyMode;
  operators: () => ApprovedOperators;
}

/** The copy index's clock, counting and warm-up settings. */
export interface CopyIndexOptions {
  maxAgeMs?: number;
  now?: () => number;
  /** Requests the server has answered so far: the background warm-up makes room when some arrive. */
  requestsServed?: () => number;
  /** Default: any audited host, nobody approved. */
  counting?: CopyCounting;
  /** Bound on the volume layouts kept in memory (default 64 MiB; the warm-up's worker keeps its own). */
  layoutCacheBytes?: number;
  /** Warm up on a worker thread (warm-in-worker.ts) when the census has verdicts on this many volumes or more; default WARM_WORKER_MIN_VOLUMES. */
  warmWorkerMinVolumes?: number;
  /** True: on a worker thread (for a census of `warmWorkerMinVolumes` or more); false: on the main thread; unset: on a worker with WARM_WORKER_MIN_CORES cores or more. */
  warmWorker?: boolean;
  /** Told when the warm-up's worker failed (the main thread then does the warm-up). */
  onWorkerError?: (err: unknown) => void;
}
