/**
 * What survives a restart, per hosted volume, in STORAGE/.seedbank/volumes/: the .torrent
 * itself and a small JSON state with the bitfield of verified pieces (BitTorrent bit order),
 * written atomically and at most every few seconds while pieces arrive. A piece is recorded
 * only after webtorrent verified it and it was written, so the bitfield never claims a piece
 * that is not on disk; pieces verified after the last save are found again by hashing at start.
 * A save that fails (a full disk) never takes the seeder down and never blocks later saves: the
 * snapshot stays pending, the failure is reported once (onSaveFailed), the save is retried on a
 * timer and by the next flush, and onSaveResumed says when it worked again.
 */
import { readdir, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { readJson, writeFileAtomic } from '../../../shared/fs/index.ts';

/** How long verified pieces may wait before the state is saved. */
export const STATE_SAVE_INTERVAL_MS = 2_000;
const STATE_FORMAT = 1;
const VOLUMES_DIR = 'volumes';
const INFO_HASH = /^[0-9a-f]{40}$/;

/** The saved state of one volume. */
export interface VolumeStateData {
  format: number;
  infoHash: string;
  /** ISO time the volume was first added: volumes are re-added in this order at start. */
  addedAt: string;
  pieces: number;
  /** Verified pieces, base64 of the BitTorrent bitfield. */
  bitfield: string;
  /** Where the next scrub starts. */
  scrubCursor: number;
  lastScrubAt?: string;
}

const volumeStateSchema = z.object({
  format: z.literal(STATE_FORMAT),
  infoHash: z.string().regex(INFO_HASH),
  addedAt: z.string(),
  pieces: z.number().int().nonnegative(),
  bitfield: z.string(),
  scrubCursor: z.number().int().nonnegative(),
  lastScrubAt: z.string().optional(),
}) satisfies z.ZodType<VolumeStateData>;

/** True when bit `i` is set (most significant bit first, as in the peer protocol). */
export function getBit(bits: Uint8Array, i: number): boolean {
  return ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
}

/** Sets or clears bit `i`. */
export function setBit(bits: Uint8Array, i: number, value: boolean): void {
  const mask = 0x80 >> (i & 7);
  bits[i >> 3] = value ? (bits[i >> 3]! | mask) : (bits[i >> 3]! & ~mask);
}

/** A bitfield for `n` pieces, all clear. */
export function emptyBitfield(n: number): Uint8Array {
  return new Uint8Array(Math.ceil(n / 8));
}

/** What a state file reports about its saves (the seeder logs them). */
export interface VolumeStateHooks {
  /** The first failed save of a run of failures (the next ones are retried quietly). */
  onSaveFailed?: (err: unknown) => void;
  /** A save worked again after failures. */
  onSaveResumed?: () => void;
}

/** The state and torrent files of one volume, with a debounced saver. */
export class VolumeStateFile {
  readonly torrentFile: string;
  readonly stateFile: string;
  private timer: NodeJS.Timeout | null = null;
  private pending: (() => VolumeStateData) | null = null;
  /** Never rejects: each save's failure is handled in flush, so one failure cannot poison the next save. */
  private saving: Promise<void> = Promise.resolve();
  private failing = false;
  private deleted = false;

  constructor(metaDir: string, readonly infoHash: string, private readonly hooks: VolumeStateHooks = {}) {
    const dir = path.join(metaDir, VOLUMES_DIR);
    this.torrentFile = path.join(dir, `${infoHash}.torrent`);
    this.stateFile = path.join(dir, `${infoHash}.state.json`);
  }

  /** The volumes saved in `metaDir`, oldest first. */
  static async list(metaDir: string): Promise<VolumeStateFile[]> {
    const dir = path.join(metaDir, VOLUMES_DIR);
    const names = await readdir(dir).catch(() => [] as string[]);
    const found: { file: VolumeStateFile; addedAt: string }[] = [];
    for (const name of names) {
      const ih = name.replace(/\.torrent$/, '');
      if (!name.endsWith('.torrent') || !INFO_HASH.test(ih)) continue;
      const file = new VolumeStateFile(metaDir, ih);
      const state = await file.load();
      found.push({ file, addedAt: state?.addedAt ?? '' });
    }
    return found.sort((a, b) => a.addedAt.localeCompare(b.addedAt)).map((f) => f.file);
  }

  /** Saves the .torrent (once, when the volume is added). */
  async saveTorrent(bytes: Uint8Array): Promise<void> {
    await writeFileAtomic(this.torrentFile, bytes, { mkdir: true });
  }

  async readTorrent(): Promise<Buffer> {
    return readFile(this.torrentFile);
  }

  /**
   * The saved state, or null when there is none or it is unreadable. Unlike other state, a
   * damaged one loses nothing: the bitfield is only a shortcut, and without it every piece is
   * re-checked against the torrent's hashes at start.
   */
  async load(): Promise<VolumeStateData | null> {
    try {
      const data = await readJson(this.stateFile, volumeStateSchema);
      return data.infoHash === this.infoHash ? data : null;
    } catch {
      return null;
    }
  }

  /** Decodes a saved bitfield, or null when it does not fit `pieces`. */
  static bitfieldOf(state: VolumeStateData | null, pieces: number): Uint8Array | null {
    if (!state || state.pieces !== pieces) return null;
    const bits = new Uint8Array(Buffer.from(state.bitfield, 'base64'));
    return bits.length === Math.ceil(pieces / 8) ? bits : null;
  }

  /** Encodes a state record. */
  static record(infoHash: string, addedAt: string, bits: Uint8Array, pieces: number, scrubCursor: number, lastScrubAt?: string): VolumeStateData {
    return { format: STATE_FORMAT, infoHash, addedAt, pieces, bitfield: Buffer.from(bits).toString('base64'), scrubCursor, lastScrubAt };
  }

  /** Saves soon (coalescing bursts of verified pieces into one write). */
  schedule(snapshot: () => VolumeStateData): void {
    this.pending = snapshot;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush().catch(() => undefined); // flush reports its own failures; this only keeps a timer from rejecting
    }, STATE_SAVE_INTERVAL_MS);
    this.timer.unref();
  }

  /**
   * Saves now (a snapshot given here wins over a scheduled one). Resolves even when the write
   * fails (the snapshot is then kept and retried): true when the state is on disk.
   */
  async flush(snapshot?: () => VolumeStateData): Promise<boolean> {
    if (snapshot) this.pending = snapshot;
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const take = this.pending;
    this.pending = null;
    // Saves run one after another so an older snapshot never lands after a newer one.
    let saved = true;
    this.saving = this.saving.then(async () => {
      if (!take) return;
      try {
        await writeFileAtomic(this.stateFile, JSON.stringify(take()));
        if (this.failing) {
          this.failing = false;
          this.hooks.onSaveResumed?.();
        }
      } catch (err) {
        saved = false;
        if (!this.failing) this.hooks.onSaveFailed?.(err);
        this.failing = true;
        // Keep the snapshot unless a newer one arrived meanwhile, and try again later.
        if (!this.deleted) this.schedule(this.pending ?? take);
      }
    });
    await this.saving;
    return saved;
  }

  /** True while saves fail (since the last failure, until one works). */
  get saveFailing(): boolean {
    return this.failing;
  }

  /** Deletes both files (the volume was removed). */
  async delete(): Promise<void> {
    this.deleted = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = null;
    await this.saving.catch(() => undefined);
    await unlink(this.stateFile).catch(() => undefined);
    await unlink(this.torrentFile).catch(() => undefined);
  }
}
