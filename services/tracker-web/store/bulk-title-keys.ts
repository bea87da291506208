/**
 * The title-id keys (hash of the title · id, title-ids.ts) a bulk load hands out: kept in an
 * open-addressing table of typed arrays (12 bytes a slot, no object per title) so the load
 * finds a title it has already numbered without a B-tree write per new title, and written in
 * key order at the end of the load. The ids table then holds exactly the rows one publish
 * after another would have put there.
 */
import type { Database, RootDatabase } from 'lmdb';
import { SortedBulkLoad } from './sorted-bulk-load.ts';
import type { DeferredTitleKeys } from './title-ids.ts';

const INITIAL_SLOTS = 2 ** 16;
/** Grow the table past this share of slots in use (linear probing slows near full). */
const MAX_LOAD = 0.5;
const EMPTY = Buffer.alloc(0);
const NONE: readonly number[] = [];

/** See the module comment. */
export class BulkTitleKeys implements DeferredTitleKeys {
  private hashHigh = new Uint32Array(INITIAL_SLOTS);
  private hashLow = new Uint32Array(INITIAL_SLOTS);
  /** 0: an empty slot (title ids start at 1). */
  private ids = new Uint32Array(INITIAL_SLOTS);
  private used = 0;
  private readonly rows: SortedBulkLoad;

  /** `arenaBytes`: memory for the keys before a sorted run is written out. */
  constructor(arenaBytes?: number) {
    this.rows = new SortedBulkLoad(arenaBytes);
  }

  /** Ids whose key begins with this 8-byte title hash (almost always none or one). */
  idsOf(hash: Buffer): readonly number[] {
    const high = hash.readUInt32BE(0);
    const low = hash.readUInt32BE(4);
    const mask = this.ids.length - 1;
    let out: number[] | null = null;
    for (let s = low & mask; this.ids[s] !== 0; s = (s + 1) & mask) {
      if (this.hashLow[s] === low && this.hashHigh[s] === high) (out ??= []).push(this.ids[s]!);
    }
    return out ?? NONE;
  }

  /** Records a new key (8-byte title hash · u32 id). */
  add(key: Buffer): void {
    this.rows.add(key, EMPTY);
    if (this.used + 1 > this.ids.length * MAX_LOAD) this.grow();
    this.insert(key.readUInt32BE(0), key.readUInt32BE(4), key.readUInt32BE(8));
  }

  private insert(high: number, low: number, id: number): void {
    const mask = this.ids.length - 1;
    let s = low & mask;
    while (this.ids[s] !== 0) s = (s + 1) & mask;
    this.hashHigh[s] = high;
    this.hashLow[s] = low;
    this.ids[s] = id;
    this.used++;
  }

  private grow(): void {
    const [high, low, ids] = [this.hashHigh, this.hashLow, this.ids];
    this.hashHigh = new Uint32Array(ids.length * 2);
    this.hashLow = new Uint32Array(ids.length * 2);
    this.ids = new Uint32Array(ids.length * 2);
    this.used = 0;
    for (let s = 0; s < ids.length; s++) if (ids[s] !== 0) this.insert(high[s]!, low[s]!, ids[s]!);
  }

  /** Writes the keys into the ids table in key order and frees the memory; returns the rows written. */
  finish(env: RootDatabase, db: Database<Buffer, Buffer>): number {
    this.hashHigh = this.hashLow = this.ids = new Uint32Array(INITIAL_SLOTS);
    this.used = 0;
    return this.rows.finish(env, db);
  }
}
