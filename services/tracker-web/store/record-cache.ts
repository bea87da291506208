/**
 * Decoded set and volume records, and the set list, kept for as long as the sets generation
 * (storeInfo, bumped by every publish and key rotation, from any process) stays the same: the
 * home page reads every latest volume and a copy lookup reads each holding set and volume, and
 * decoding those records from LMDB on every request was most of their cost. A check costs one
 * small read. The record maps are least-recently-used and bounded in entries, so the heap they
 * take stops growing with the catalogue (at 10,000 sets and 40,000 volumes, keeping every
 * record took about 3 KB a set); a miss costs one small LMDB read. Records are frozen: callers
 * share them.
 */
import { detachedString } from '../../../shared/detached-string.ts';
import type { CatalogueTables } from './open-lmdb.ts';
import type { SetRecord, SetSummary, VolumeRecord } from './records.ts';
import { SETS_GENERATION_KEY } from './write-version.ts';

/** Set records kept (about 0.5 KB each). */
export const MAX_CACHED_SETS = 4_096;
/** Volume records kept (about 0.4 KB each): a home page of 100 sets, a copy lookup's holders and a warm-up's current sets fit many times over. */
export const MAX_CACHED_VOLUMES = 16_384;

/** Set and volume records of the current sets generation. */
export class RecordCache {
  private generation = -1;
  private sets = new Map<string, SetRecord>();
  private volumes = new Map<string, VolumeRecord>();
  private setList: SetSummary[] | null = null;
  /** Records decoded from LMDB (misses), for tests. */
  reads = 0;

  /** `t`: the store's open tables; the bounds are for tests. */
  constructor(
    private readonly t: CatalogueTables,
    private readonly maxSets = MAX_CACHED_SETS,
    private readonly maxVolumes = MAX_CACHED_VOLUMES,
  ) {}

  /** The sets generation, after dropping everything kept when it moved since the last call. */
  current(): number {
    const generation = this.t.storeInfo.get(SETS_GENERATION_KEY) ?? 0;
    if (generation === this.generation) return generation;
    this.generation = generation;
    this.sets = new Map();
    this.volumes = new Map();
    this.setList = null;
    return generation;
  }

  /** Every set with its latest version's summary, built by `build` once per generation (pages and /metrics list every set per request). */
  list(build: () => SetSummary[]): SetSummary[] {
    this.current();
    this.setList ??= build().map((r) => flattenStrings(sharedShape(r)));
    return this.setList;
  }

  /** One set's record (unknown ids are not remembered, so probing cannot grow the cache). */
  set(setId: string): SetRecord | undefined {
    this.current();
    return cached(this.sets, setId, this.maxSets, () => this.decoded(this.t.sets.get(setId)));
  }

  /** One volume's record (unknown info hashes are not remembered). */
  volume(infoHash: string): VolumeRecord | undefined {
    this.current();
    return cached(this.volumes, infoHash, this.maxVolumes, () => this.decoded(this.t.volumes.get(infoHash)));
  }

  /**
   * One set's record without keeping it: a kept one when there is one, else decoded and not
   * kept, for a walk over every set (a warm-up) that would otherwise churn the whole cache and
   * make every record it read survive a young-generation collection. Frozen like the kept ones.
   */
  peekSet(setId: string): SetRecord | undefined {
    this.current();
    return this.sets.get(setId) ?? this.decoded(this.t.sets.get(setId));
  }

  /** One volume's record without keeping it (see {@link peekSet}). */
  peekVolume(infoHash: string): VolumeRecord | undefined {
    this.current();
    return this.volumes.get(infoHash) ?? this.decoded(this.t.volumes.get(infoHash));
  }

  private decoded<T>(r: T | undefined): T | undefined {
    if (r === undefined) return undefined;
    this.reads++;
    return deepFreeze(r);
  }
}

/** A least-recently-used read: a hit moves to the end (Map order), a miss is read and the oldest past `max` dropped. */
function cached<T>(map: Map<string, T>, key: string, max: number, read: () => T | undefined): T | undefined {
  let r = map.get(key);
  if (r !== undefined) {
    map.delete(key);
    map.set(key, r);
    return r;
  }
  r = read();
  if (r === undefined) return undefined;
  map.set(key, r);
  if (map.size > max) map.delete(map.keys().next().value!);
  return r;
}

/**
 * Freezes a decoded record and the arrays and objects in it, so no caller can change the shared
 * copy; its strings are replaced by flat copies first. The record decoder (msgpackr's native
 * string extraction) returns short strings as slices of one string holding the whole record's
 * bytes, so a kept info hash or title would keep the whole record's text alive: at 10,000 sets
 * the kept set list took 2.8 KB a set that way.
 */
function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    flattenStrings(value, false);
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * A copy of a row built by assignment in its own key order: a spread copy of a decoded record
 * (`{ ...record, latest }`) gets a hidden class of its own, about half a kilobyte a set at
 * 10,000 sets (heap snapshot), where rows built key by key share one.
 */
function sharedShape<T extends object>(row: T): T {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(row)) out[k] = (row as Record<string, unknown>)[k];
  return out as T;
}

/** Replaces the strings of a decoded record (and, `deep`, of the objects and arrays in it) by flat copies, in place. */
function flattenStrings<T>(value: T, deep = true): T {
  if (!value || typeof value !== 'object' || Object.isFrozen(value)) return value;
  const o = value as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (typeof v === 'string') o[k] = detachedString(v);
    else if (deep) flattenStrings(v);
  }
  return value;
}
