/**
 * Decoded set and volume records, kept for as long as the sets generation (storeInfo, bumped by
 * every publish and key rotation, from any process) stays the same: the home page reads every
 * latest volume and a copy lookup reads each holding set and volume, and decoding those records
 * from LMDB on every request was most of their cost. A check costs one small read; the maps grow
 * with sets and volumes, never with files. Records are frozen: callers share them.
 */
import type { CatalogueTables } from './open-lmdb.ts';
import type { SetRecord, VolumeRecord } from './records.ts';
import { SETS_GENERATION_KEY } from './write-version.ts';

/** Set and volume records of the current sets generation. */
export class RecordCache {
  private generation = -1;
  private sets = new Map<string, SetRecord>();
  private volumes = new Map<string, VolumeRecord>();
  /** Records decoded from LMDB (misses), for tests. */
  reads = 0;

  /** `t`: the store's open tables. */
  constructor(private readonly t: CatalogueTables) {}

  /** Drops every record when the sets generation moved since the last call. */
  private current(): void {
    const generation = this.t.storeInfo.get(SETS_GENERATION_KEY) ?? 0;
    if (generation === this.generation) return;
    this.generation = generation;
    this.sets = new Map();
    this.volumes = new Map();
  }

  /** One set's record (unknown ids are not remembered, so probing cannot grow the cache). */
  set(setId: string): SetRecord | undefined {
    this.current();
    let r = this.sets.get(setId);
    if (!r) {
      r = this.t.sets.get(setId);
      if (!r) return undefined;
      this.reads++;
      this.sets.set(setId, (r = deepFreeze(r)));
    }
    return r;
  }

  /** One volume's record (unknown info hashes are not remembered). */
  volume(infoHash: string): VolumeRecord | undefined {
    this.current();
    let r = this.volumes.get(infoHash);
    if (!r) {
      r = this.t.volumes.get(infoHash);
      if (!r) return undefined;
      this.reads++;
      this.volumes.set(infoHash, (r = deepFreeze(r)));
    }
    return r;
  }
}

/** Freezes a decoded record and the arrays and objects in it, so no caller can change the shared copy. */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
