/**
 * Synthetic versions built on worker threads while the main thread loads the previous batch
 * into the store: generation (hashing, gzip, signing, bencoding) is about half the CPU of a
 * synthetic store build, and a batch is generated while the last one is written. A set only
 * depends on its index, so the result is the same as building in one thread.
 */
import { Worker } from 'node:worker_threads';
import type { GeneratedSet } from './synthetic.ts';
import type { NewVersion } from '../../services/tracker-web/store/catalogue-store.ts';

const WORKER_URL = new URL('./generate-worker.mjs', import.meta.url);

/** One generated set: what the store takes and what the bench remembers. */
export interface Generated {
  version: NewVersion;
  summary: GeneratedSet;
}

/** A pool of generator threads; see the module comment. */
export class GeneratePool {
  private readonly workers: Worker[];
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (out: Generated[]) => void; reject: (err: Error) => void }>();

  /** `threads` workers building sets of `filesPerSet` files with `sampleSize` sampled SHA-1s each. */
  constructor(threads: number, filesPerSet: number, sampleSize: number) {
    this.workers = Array.from({ length: threads }, () => {
      const w = new Worker(WORKER_URL, { workerData: { filesPerSet, sampleSize } });
      w.on('message', ({ id, out }: { id: number; out: Generated[] }) => {
        const p = this.waiting.get(id);
        this.waiting.delete(id);
        // Structured clone turns Buffers into plain Uint8Arrays: the store takes either, but the bench's hashing wants Buffers.
        for (const g of out) restoreBuffers(g.version);
        p?.resolve(out);
      });
      w.on('error', (err) => {
        for (const p of this.waiting.values()) p.reject(err);
        this.waiting.clear();
      });
      return w;
    });
  }

  /** The sets [from, to), in order, split across the workers. */
  async batch(from: number, to: number): Promise<Generated[]> {
    const per = Math.ceil((to - from) / this.workers.length);
    const parts = this.workers.map((w, k) => {
      const a = from + k * per;
      const b = Math.min(to, a + per);
      if (a >= b) return Promise.resolve([] as Generated[]);
      const id = this.nextId++;
      return new Promise<Generated[]>((resolve, reject) => {
        this.waiting.set(id, { resolve, reject });
        w.postMessage({ id, from: a, to: b });
      });
    });
    return (await Promise.all(parts)).flat();
  }

  /** Stops the workers. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const asBuffer = (u: Uint8Array) => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

function restoreBuffers(v: NewVersion): void {
  v.pagesGz = asBuffer(v.pagesGz);
  v.metadataTorrent = asBuffer(v.metadataTorrent);
  for (const vol of v.volumes) vol.torrent = asBuffer(vol.torrent);
}
