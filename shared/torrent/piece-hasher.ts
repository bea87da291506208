/**
 * SHA-1 piece hashing of a list of files taken as one concatenated byte stream (BitTorrent v1),
 * on pooled worker threads (hash-pool.ts, hash-worker.mjs). Each worker hashes contiguous,
 * piece-aligned ranges with large positioned reads into a reused buffer and writes digests
 * straight into shared memory.
 * Pieces of an unchanged prefix of a previous version of the same volume can be reused.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { isErrorCode, SeedbankError } from '../errors.ts';
import { acquireWorkers, discardWorkers, releaseWorkers } from './hash-pool.ts';

/** Bytes in one SHA-1 digest, i.e. one entry of the `pieces` string. */
export const SHA1_BYTES = 20;
/** The smallest piece length we accept: BEP 52's minimum; smaller pieces only bloat the torrent. */
export const MIN_PIECE_LENGTH = 16 * 1024;
/**
 * Bytes per positioned read (rounded to whole pieces): large enough to amortise syscalls,
 * small enough that the bytes just copied are still in L2 when they are hashed.
 */
const READ_CHUNK_BYTES = 1024 * 1024;
/**
 * Bytes per job handed to a worker: small enough that the last jobs balance across workers,
 * large enough that per-job messages and file opens do not matter.
 */
const JOB_TARGET_BYTES = 16 * 1024 * 1024;
/** Jobs queued per worker, so a worker never waits for the main thread between jobs. */
const JOBS_IN_FLIGHT_PER_WORKER = 2;

/** One file of the stream: `path` identifies it for reuse, `absPath` is where its bytes are. */
export interface HashFile {
  path: string;
  length: number;
  absPath: string;
  sha1Hex?: string;
}

/** Pieces of a previous version of the same volume, reusable over the common prefix of files. */
export interface PieceReuse {
  files: ReadonlyArray<{ path: string; length: number; sha1Hex?: string }>;
  pieces: Uint8Array;
  pieceLength: number;
}

/** Called with the bytes read and hashed so far and the bytes that need hashing in total. */
export type HashProgress = (bytesHashed: number, bytesToHash: number) => void;

export interface HashPiecesOptions {
  files: readonly HashFile[];
  pieceLength: number;
  reuse?: PieceReuse;
  onProgress?: HashProgress;
  signal?: AbortSignal;
  /** Worker threads; default os.availableParallelism(). */
  workers?: number;
}

export interface HashPiecesResult {
  /** Concatenated 20-byte SHA-1 digests, one per piece. */
  pieces: Buffer;
  piecesHashed: number;
  piecesReused: number;
  totalBytes: number;
}

interface JobFile {
  absPath: string;
  offset: number;
  length: number;
}

interface Job {
  jobId: number;
  firstPiece: number;
  byteStart: number;
  byteEnd: number;
  files: JobFile[];
}

type WorkerReply =
  | { type: 'done'; jobId: number; bytes: number }
  | { type: 'error'; jobId: number; code: string; message: string; path?: string };

/** True when n is a power of two of at least MIN_PIECE_LENGTH bytes. */
export function isValidPieceLength(n: number): boolean {
  return Number.isSafeInteger(n) && n >= MIN_PIECE_LENGTH && (n & (n - 1)) === 0;
}

/** Number of pieces for a stream of totalBytes. */
export function pieceCount(totalBytes: number, pieceLength: number): number {
  return Math.ceil(totalBytes / pieceLength);
}

/**
 * How many leading pieces of the new stream are byte-for-byte the same as in the previous
 * version: those ending within the longest common prefix of files (same path, length and,
 * when both sides know it, SHA-1), at the same end offset in both streams.
 */
export function reusablePieces(files: readonly HashFile[], totalBytes: number, pieceLength: number, reuse: PieceReuse): number {
  if (reuse.pieceLength !== pieceLength) return 0;
  let prefixBytes = 0;
  let oldTotal = 0;
  let inPrefix = true;
  for (let i = 0; i < reuse.files.length; i++) {
    const old = reuse.files[i]!;
    oldTotal += old.length;
    const cur = files[i];
    if (!inPrefix || cur === undefined) {
      inPrefix = false;
      continue;
    }
    const sameSha1 = old.sha1Hex === undefined || cur.sha1Hex === undefined || old.sha1Hex.toLowerCase() === cur.sha1Hex.toLowerCase();
    if (old.path === cur.path && old.length === cur.length && sameSha1) prefixBytes += cur.length;
    else inPrefix = false;
  }
  if (reuse.pieces.length !== pieceCount(oldTotal, pieceLength) * SHA1_BYTES) {
    throw new SeedbankError('TORRENT_REUSE_INVALID', `reused pieces are ${reuse.pieces.length} bytes, expected ${pieceCount(oldTotal, pieceLength) * SHA1_BYTES} for ${oldTotal} bytes of files`, {
      hint: 'pass the pieces and the file list of the same previous torrent',
    });
  }
  // Identical streams: every piece, including a short last one, is the same.
  if (prefixBytes === totalBytes && totalBytes === oldTotal) return pieceCount(totalBytes, pieceLength);
  // Otherwise only whole pieces inside the prefix: a short last piece would now extend further.
  return Math.floor(prefixBytes / pieceLength);
}

/** Splits pieces [first, total) into piece-aligned jobs, each listing only the files it overlaps. */
function planJobs(files: readonly HashFile[], offsets: number[], totalBytes: number, pieceLength: number, firstPiece: number): Job[] {
  const jobPieces = Math.max(1, Math.round(JOB_TARGET_BYTES / pieceLength));
  const total = pieceCount(totalBytes, pieceLength);
  const jobs: Job[] = [];
  let fileIndex = 0;
  for (let p = firstPiece; p < total; p += jobPieces) {
    const byteStart = p * pieceLength;
    const byteEnd = Math.min((p + jobPieces) * pieceLength, totalBytes);
    // Files are in stream order: skip those ending before this job, collect those starting before its end.
    while (fileIndex < files.length && offsets[fileIndex]! + files[fileIndex]!.length <= byteStart) fileIndex++;
    const jobFiles: JobFile[] = [];
    for (let i = fileIndex; i < files.length && offsets[i]! < byteEnd; i++) {
      const f = files[i]!;
      if (f.length > 0) jobFiles.push({ absPath: f.absPath, offset: offsets[i]!, length: f.length });
    }
    jobs.push({ jobId: jobs.length, firstPiece: p, byteStart, byteEnd, files: jobFiles });
  }
  return jobs;
}

/** Aborts with the signal's reason (an AbortError unless the caller chose another). */
function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The operation was aborted', 'AbortError');
}

/**
 * Hashes the concatenation of `files` into SHA-1 pieces of `pieceLength` bytes on worker
 * threads, reusing pieces of a previous version over the common prefix of files.
 */
export async function hashPieces(o: HashPiecesOptions): Promise<HashPiecesResult> {
  const { files, pieceLength } = o;
  if (!isValidPieceLength(pieceLength)) {
    throw new SeedbankError('TORRENT_BAD_PIECE_LENGTH', `piece length ${pieceLength} is not a power of two of at least ${MIN_PIECE_LENGTH} bytes`, {
      hint: 'use e.g. 1 MiB (1048576) or 4 MiB (4194304)',
    });
  }
  if (o.signal?.aborted) throw abortError(o.signal);
  const offsets: number[] = [];
  let totalBytes = 0;
  for (const f of files) {
    if (!Number.isSafeInteger(f.length) || f.length < 0) {
      throw new SeedbankError('TORRENT_BAD_LENGTH', `file ${f.path} has invalid length ${f.length}`);
    }
    offsets.push(totalBytes);
    totalBytes += f.length;
  }
  if (!Number.isSafeInteger(totalBytes)) {
    throw new SeedbankError('TORRENT_TOO_LARGE', `volume of ${totalBytes} bytes is too large`);
  }

  const total = pieceCount(totalBytes, pieceLength);
  const shared = new SharedArrayBuffer(total * SHA1_BYTES);
  const out = new Uint8Array(shared);
  const reused = o.reuse ? reusablePieces(files, totalBytes, pieceLength, o.reuse) : 0;
  if (reused > 0) out.set(o.reuse!.pieces.subarray(0, reused * SHA1_BYTES));

  const jobs = planJobs(files, offsets, totalBytes, pieceLength, reused);
  const bytesToHash = totalBytes - Math.min(totalBytes, reused * pieceLength);
  if (jobs.length > 0) await runJobs(jobs, shared, pieceLength, bytesToHash, o);
  if (jobs.length === 0) o.onProgress?.(0, 0);
  // Copy out of shared memory: callers get an ordinary Buffer they may keep or transfer.
  return { pieces: Buffer.from(out), piecesHashed: total - reused, piecesReused: reused, totalBytes };
}

/** The number of workers worth starting for a stream: no more than there are jobs to run. */
export function plannedWorkers(bytesToHash: number, pieceLength: number, requested?: number): number {
  const jobs = Math.ceil(bytesToHash / (Math.max(1, Math.round(JOB_TARGET_BYTES / pieceLength)) * pieceLength));
  return Math.max(1, Math.min(requested ?? availableParallelism(), jobs));
}

/** Runs the jobs on pooled workers; workers that failed or were aborted are terminated, never reused. */
async function runJobs(jobs: Job[], shared: SharedArrayBuffer, pieceLength: number, bytesToHash: number, o: HashPiecesOptions): Promise<void> {
  const poolSize = Math.max(1, Math.min(o.workers ?? availableParallelism(), jobs.length));
  const chunkBytes = Math.max(pieceLength, Math.floor(READ_CHUNK_BYTES / pieceLength) * pieceLength);
  const workers = acquireWorkers(poolSize);
  const cleanups: Array<() => void> = [];
  let ok = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let finished = 0;
      let hashed = 0;
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        reject(err);
      };
      const dispatch = (w: Worker): void => {
        const job = jobs[next];
        if (job === undefined || failed) return;
        next++;
        w.postMessage({ type: 'job', ...job });
      };
      if (o.signal) {
        const signal = o.signal;
        const onAbort = (): void => fail(abortError(signal));
        signal.addEventListener('abort', onAbort, { once: true });
        cleanups.push(() => signal.removeEventListener('abort', onAbort));
      }
      for (const w of workers) {
        const onMessage = (m: WorkerReply): void => {
          if (m.type === 'done') {
            finished++;
            hashed += m.bytes;
            dispatch(w);
            try {
              if (!failed) o.onProgress?.(hashed, bytesToHash);
            } catch (err) {
              // A throwing callback would otherwise be an uncaught exception in an event handler.
              fail(err);
            }
            if (finished === jobs.length) resolve();
          } else {
            fail(new SeedbankError(isErrorCode(m.code) ? m.code : 'TORRENT_HASH_FAILED', m.message, {
              hint: m.code === 'TORRENT_FILE_CHANGED' ? 'a file changed while hashing; rebuild the volume' : 'check that the files are readable',
              context: { path: m.path },
            }));
          }
        };
        const onError = (err: Error): void => fail(new SeedbankError('TORRENT_HASH_FAILED', `hash worker failed: ${err.message}`, { cause: err }));
        const onExit = (code: number): void => fail(new SeedbankError('TORRENT_HASH_FAILED', `hash worker exited early with code ${code}`));
        w.on('message', onMessage).on('error', onError).on('exit', onExit);
        cleanups.push(() => w.off('message', onMessage).off('error', onError).off('exit', onExit));
        w.postMessage({ type: 'begin', pieces: shared, pieceLength, chunkBytes });
        for (let k = 0; k < JOBS_IN_FLIGHT_PER_WORKER; k++) dispatch(w);
      }
    });
    ok = true;
  } finally {
    for (const cleanup of cleanups) cleanup();
    // Only workers that finished every job cleanly are idle and safe to reuse.
    if (ok) releaseWorkers(workers);
    else await discardWorkers(workers);
  }
}
