/**
 * What the copy-figure warm-up's main thread (warm-in-worker.ts) and its worker thread
 * (warm-worker.ts) say to each other, and the figures that shape it.
 */
import type { VolumeHolders } from '../census/index.ts';
import type { CopyMode } from '../operators/copy-figures.ts';
import type { ApprovedOperator } from '../operators/operator-list.ts';
import type { LmdbOptions } from '../store/open-lmdb.ts';
import type { SetCopyStats } from './set-figures.ts';

/**
 * The worker's CPU priority (nice): on a machine whose cores are busy the catalogue's main
 * thread, which answers requests, goes first; the warm-up takes what is left.
 */
export const WARM_WORKER_NICE = 19;
/** The worker sends its figures back after this much work or this many sets, whichever comes first. */
export const WARM_BATCH_MS = 10;
export const WARM_BATCH_SETS = 32;
/**
 * Below this many audited volumes the warm-up runs on the main thread: it takes milliseconds
 * there, less than starting a worker thread (a V8 isolate, the module graph) costs. The bench's
 * 1,000,000-file catalogue has 4,000 volumes.
 */
export const WARM_WORKER_MIN_VOLUMES = 1_000;
/** How long the worker may take to close its store and end once told to stop, before it is ended from outside. */
export const WARM_WORKER_STOP_MS = 10_000;

/** Where the warm-up runs (`seedbank serve --copy-warm-up`). */
export const WARM_UP_PLACES = ['auto', 'thread', 'main'] as const;
export type WarmUpPlace = (typeof WARM_UP_PLACES)[number];
/**
 * Cores below which `auto` keeps the warm-up on the main thread. Measured on 2 cores (README,
 * "Catalogue at scale"): the worker made lookups made meanwhile slower, not faster (p99 10-15 ms
 * against 5-7 ms at 1M files), because its core is the one the requests and the garbage
 * collector's helpers need; the main thread's slices give way to requests. With cores to spare
 * the worker takes the warm-up's work and garbage off the thread that answers (not measured here).
 */
export const WARM_WORKER_MIN_CORES = 4;

/** How the worker opens the store and counts. */
export interface WarmWorkerData {
  dataDir: string;
  lmdb: LmdbOptions;
  mode: CopyMode;
  operators: readonly ApprovedOperator[];
  layoutCacheBytes?: number;
  nice?: number;
}

/** One volume's holders as sent: info hash, each passing host's bitfield, each host's proved operator keys. */
export type HolderRow = [infoHash: string, passing: Array<[string, Uint8Array]>, operatorKeys: Array<[string, readonly string[]]>];

/** One set's figures as the worker computed them. */
export interface WarmedSet {
  setId: string;
  version: number;
  stats: SetCopyStats;
  volumeCopies: Array<[string, number]>;
}

/** `stop`: close the store and end (the thread ends itself: a thread ended from outside while it had the environment open crashed the process later, at its close). */
export type ToWarmWorker = { type: 'holders'; volumes: HolderRow[] } | { type: 'go' } | { type: 'stop' };

export type FromWarmWorker =
  | { type: 'ready'; reniced: boolean }
  | { type: 'sets'; sets: WarmedSet[] }
  | { type: 'done'; sets: number; volumes: number; layoutReads: number; wallMs: number };

/** A volume nobody holds (no verdict, or none counted). */
export const EMPTY_HOLDERS: Omit<VolumeHolders, 'infoHash'> = { passing: new Map(), failing: new Map(), operatorKeys: new Map() };
