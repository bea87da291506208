/**
 * One hosted volume: its parsed torrent, its files in the shared store, its saved state, and
 * whichever half of the seeder holds it: webtorrent while pieces are missing (downloading, or
 * repairing what a scrub found bad), the seed server once every wanted piece is here. The
 * bitfield is webtorrent's while it holds the volume and the volume's own after. One announcer
 * entry follows the volume through both. The few webtorrent internals touched (_markVerified,
 * _markUnverified, _selections) are the ones its own rescan and selection code use; they let
 * the seeder trust hashes it checked itself and pause without a restart.
 */
import type { Logger } from '../../shared/log.ts';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { withoutTrackers } from '../../shared/torrent/top-level.ts';
import type { Announcer } from './swarm/announcer.ts';
import type { SeedServer } from './swarm/seed-server.ts';
import type { ServedVolume } from './swarm/seed-peer.ts';
import { VolumeChunkStore } from './store/volume-chunk-store.ts';
import type { VolumeFiles } from './store/volume-files.ts';
import { verifyOnDisk, type DiskCheck } from './store/verify-on-disk.ts';
import { emptyBitfield, getBit, setBit, VolumeStateFile, type VolumeStateData } from './store/volume-state.ts';
import type { HostLimiter } from './web-seed/host-limiter.ts';
import { addWebSeeds } from './web-seed/web-seed-conn.ts';
import type { WTClient, WTTorrent } from './webtorrent-api.ts';
import type { VolumeActivity, VolumeStatus } from './volume-status.ts';

export type { VolumeActivity, VolumeStatus } from './volume-status.ts';

/** Pieces webtorrent may ask one web seed for at once; queued ones are merged into larger range requests. */
export const WEB_SEED_PIPELINE_PIECES = 32;

/** How a volume is started. */
export interface VolumeStartOptions {
  client: WTClient;
  webSeeds: boolean;
  /** Web seed hosts: per-host slots and the polite client (User-Agent, back-off). */
  limiter: HostLimiter;
  /** Start without asking for pieces (downloads are paused). */
  paused: boolean;
  logger: Logger;
  /** Serves the volume once complete. */
  seedServer: SeedServer;
  announcer: Announcer;
}

/** A volume hosted by the seeder. */
export class HostedVolume {
  torrent: WTTorrent | null = null;
  error: string | null = null;
  /** Pieces verified but not written (disk full): asked for again when writing works. */
  readonly limbo = new Set<number>();
  bytesOnDisk = 0;
  webSeedBytes = 0;
  scrubCursor: number;
  lastScrubAt?: string;
  /** Called after a piece is verified once the volume runs (the seeder shares files between volumes). */
  onVerified: (index: number) => void = () => undefined;
  private paused = false;
  /** The bitfield while the seed server holds the volume (null while webtorrent does). */
  private bits: Uint8Array | null = null;
  private opts: VolumeStartOptions | null = null;
  private closed = false;
  /** Traffic of webtorrent torrents this volume had before (it comes back to webtorrent for repairs). */
  private receivedBefore = 0;
  private uploadedBefore = 0;
  private metadataBytes: Buffer | null = null;

  constructor(
    readonly parsed: ParsedVolumeTorrent,
    readonly torrentBytes: Uint8Array,
    readonly files: VolumeFiles,
    readonly stateFile: VolumeStateFile,
    readonly addedAt: string,
    private readonly saved: VolumeStateData | null,
  ) {
    this.scrubCursor = saved?.scrubCursor ?? 0;
    this.lastScrubAt = saved?.lastScrubAt;
  }

  get infoHash(): string {
    return this.parsed.infoHash;
  }

  get layout() {
    return this.files.layout;
  }

  /** Finds what is on disk, hands the volume to the seed server (complete) or webtorrent (not), starts announcing it. */
  async start(o: VolumeStartOptions): Promise<DiskCheck> {
    const check = await verifyOnDisk(this.files, VolumeStateFile.bitfieldOf(this.saved, this.layout.pieceCount));
    this.bytesOnDisk = check.files.totalAllocated();
    this.paused = o.paused;
    this.opts = o;
    if (this.missingWanted(check.bitfield) === 0) this.serve(check.bitfield);
    else await this.download(check.bitfield);
    o.announcer.add({
      infoHash: this.infoHash,
      trackers: this.parsed.announce,
      left: () => this.parsed.totalBytes - this.verifiedBytes(),
      uploaded: () => this.uploadedBefore + (this.torrent?.uploaded ?? 0) + (this.bits ? (this.opts?.seedServer.traffic(this.infoHash).uploadedBytes ?? 0) : 0),
      downloaded: () => this.receivedBefore + (this.torrent?.received ?? 0),
      onPeer: (addr) => this.addPeer(addr),
    });
    await this.saveNow();
    return check;
  }

  /** True once started and until closed (held by webtorrent or the seed server). */
  get running(): boolean {
    return !this.closed && (this.torrent !== null || this.bits !== null);
  }

  /** True while the seed server holds the volume (every wanted piece is here). */
  get isServed(): boolean {
    return this.bits !== null && this.torrent === null;
  }

  /** Connects to a peer for this volume. */
  addPeer(addr: string): void {
    if (this.torrent) this.torrent.addPeer(addr);
    else if (this.bits) this.opts?.seedServer.connect(this.infoHash, addr);
  }

  /** Pieces neither had nor blocked in `bits`. */
  private missingWanted(bits: Uint8Array): number {
    let missing = 0;
    for (let i = 0; i < this.layout.pieceCount; i++) if (!getBit(bits, i) && !this.blocked.has(i)) missing++;
    return missing;
  }

  /** The seed server's view of this volume. */
  private servedView(): ServedVolume {
    // A view into the .torrent bytes, not a copy (the info dictionary is most of a big torrent).
    const [start, end] = this.parsed.infoSpan;
    this.metadataBytes ??= Buffer.from(this.torrentBytes.buffer, this.torrentBytes.byteOffset + start, end - start);
    const n = this.layout.pieceCount;
    return {
      infoHash: this.infoHash,
      pieceCount: n,
      metadata: this.metadataBytes,
      pieceSize: (i) => this.layout.pieceSize(i),
      has: (i) => this.has(i),
      hasAll: () => this.bits !== null && this.missingWanted(this.bits) === 0 && this.blocked.size === 0,
      bitfield: () => this.bits ?? emptyBitfield(n),
      readRange: (i, offset, length, target) => this.files.readPiece(i, offset, length, target),
    };
  }

  /** Hands the volume to the seed server with this bitfield (blocked pieces cleared). */
  private serve(bits: Uint8Array): void {
    const own = Uint8Array.from(bits.subarray(0, Math.ceil(this.layout.pieceCount / 8)));
    for (const i of this.blocked) setBit(own, i, false);
    this.bits = own;
    this.opts!.seedServer.serve(this.servedView());
  }

  /** Once webtorrent has every wanted piece: the seed server takes over and webtorrent lets go. */
  private async toServed(): Promise<void> {
    const t = this.torrent;
    if (!t || t.destroyed || this.closed || this.bits) return;
    if (this.missingWanted(t.bitfield.buffer) > 0) return;
    this.serve(t.bitfield.buffer);
    this.torrent = null;
    this.receivedBefore += t.received;
    this.uploadedBefore += t.uploaded;
    await this.saveNow();
    await new Promise<void>((resolve) => t.destroy({ destroyStore: false }, () => resolve()));
    this.opts!.announcer.complete(this.infoHash);
    this.opts!.logger.info({ infoHash: this.infoHash }, 'volume complete: served by the seed server');
  }

  /** Pieces went bad while served: webtorrent fetches them again from peers and web seeds. */
  private async toDownload(): Promise<void> {
    const bits = this.bits;
    if (!bits || this.closed || this.torrent) return;
    this.opts!.seedServer.unserve(this.infoHash);
    await this.download(bits);
    this.bits = null;
    this.opts!.logger.info({ infoHash: this.infoHash }, 'volume back in webtorrent to repair damaged pieces');
  }

  /** Hands the volume to webtorrent (trackers stripped: the announcer announces) and resolves once it is ready. */
  private async download(bitfield: Uint8Array): Promise<void> {
    const o = this.opts!;
    const torrent = o.client.add(withoutTrackers(this.torrentBytes), {
      store: VolumeChunkStore,
      storeOpts: { volumeFiles: this.files },
      // No piece cache: scrub and peers must see what is on disk, and memory stays flat.
      storeCacheSlots: 0,
      bitfield,
      maxWebConns: WEB_SEED_PIPELINE_PIECES,
      // Blocked pieces (takedowns) must never be asked for: start empty and select around them.
      deselect: this.paused || this.blocked.size > 0,
    });
    this.torrent = torrent;
    torrent.on('warning', (err) => o.logger.debug({ infoHash: this.infoHash, err: String(err) }, 'torrent warning'));
    torrent.on('error', (err) => {
      this.error = String(err instanceof Error ? err.message : err);
      o.logger.error({ infoHash: this.infoHash, err: this.error }, 'volume stopped by an error');
    });
    await new Promise<void>((resolve, reject) => {
      if (torrent.ready) return resolve();
      torrent.once('ready', () => resolve());
      torrent.once('error', (err) => reject(err instanceof Error ? err : new Error(err)));
    });
    if (!this.paused && this.blocked.size > 0) this.selectWanted();
    torrent.on('verified', (index) => {
      this.scheduleSave();
      this.onVerified(index);
      if (this.blocked.size > 0) void this.toServed();
    });
    torrent.on('done', () => {
      void this.saveNow();
      o.logger.info({ infoHash: this.infoHash, bytes: this.parsed.totalBytes }, 'volume complete');
      void this.toServed();
    });
    if (o.webSeeds) {
      addWebSeeds(torrent, this.parsed.urlList, { torrentName: this.parsed.name, layout: this.layout, limiter: o.limiter, onBytes: (n) => (this.webSeedBytes += n) });
    }
  }

  /** True when piece `index` is verified. */
  has(index: number): boolean {
    if (this.bits) return getBit(this.bits, index);
    return this.torrent?.bitfield?.get(index) ?? false;
  }

  /** True when every piece of file `index` is verified. */
  isFileComplete(index: number): boolean {
    const range = this.layout.piecesOfFile(index);
    if (!range) return true;
    for (let i = range[0]; i <= range[1]; i++) if (!this.has(i)) return false;
    return true;
  }

  /** Bytes of verified pieces. */
  verifiedBytes(): number {
    let sum = 0;
    for (let i = 0; i < this.layout.pieceCount; i++) if (this.has(i)) sum += this.layout.pieceSize(i);
    return sum;
  }

  /** Stops asking for pieces; seeding goes on. */
  stopDownloading(): void {
    this.paused = true;
    const t = this.torrent;
    if (!t || t.destroyed) return;
    t._selections.clear();
    t._updateInterest();
  }

  /** Asks for missing pieces again, including those that could not be written. */
  resumeDownloading(): void {
    this.paused = false;
    const t = this.torrent;
    if (!t || t.destroyed) return;
    for (const i of this.limbo) t._markUnverified(i);
    this.limbo.clear();
    this.selectWanted();
  }

  /** Pieces holding taken-down files (shared with the chunk store, which refuses to write them). */
  get blocked(): Set<number> {
    return this.files.blocked;
  }

  /** Selects every piece except the blocked ones. */
  selectWanted(): void {
    const t = this.torrent;
    if (!t || t.destroyed || this.paused) return;
    t.select(0, this.layout.pieceCount - 1);
    for (const i of this.blocked) t.deselect(i, i);
  }

  /** Blocks pieces for good (a takedown): they are marked missing, peers are told, and never asked for again. */
  block(indices: readonly number[]): void {
    for (const i of indices) this.blocked.add(i);
    this.markMissing(indices);
    this.selectWanted();
  }

  /**
   * Hashes pieces on disk: good ones not yet had are marked verified and announced to peers
   * (another volume wrote the same file); with `dropBad`, verified ones that fail are marked missing.
   */
  async recheck(indices: readonly number[], dropBad: boolean): Promise<{ good: number[]; bad: number[] }> {
    const good: number[] = [];
    const bad: number[] = [];
    for (const i of indices) ((await this.files.checkPiece(i)) ? good : bad).push(i);
    if (this.bits) {
      const bits = this.bits;
      const gained = good.filter((i) => !getBit(bits, i) && !this.blocked.has(i));
      for (const i of gained) {
        setBit(bits, i, true);
        this.opts?.seedServer.announceHave(this.infoHash, i);
      }
      if (dropBad) this.markMissing(bad);
      if (gained.length > 0) this.scheduleSave();
      return { good, bad };
    }
    const t = this.torrent;
    if (!t || t.destroyed) return { good, bad };
    const gained = good.filter((i) => !t.bitfield.get(i));
    for (const i of gained) {
      t._markVerified(i);
      for (const w of t.wires) w.have(i);
    }
    if (dropBad) this.markMissing(bad);
    if (gained.length > 0) {
      t._checkDone();
      this.scheduleSave();
    }
    return { good, bad };
  }

  /** Marks pieces missing (bad on disk): peers are told (BEP 54 lt_donthave) and they are downloaded again. */
  markMissing(indices: readonly number[]): void {
    if (this.bits && !this.torrent) {
      const bits = this.bits;
      const lost = indices.filter((i) => getBit(bits, i));
      if (lost.length === 0) return;
      for (const i of lost) setBit(bits, i, false);
      this.opts?.seedServer.forgetCached(this.infoHash);
      void this.saveNow();
      // Taken-down pieces stay missing; anything else comes back from the swarm.
      if (lost.some((i) => !this.blocked.has(i))) void this.toDownload();
      return;
    }
    const t = this.torrent;
    if (!t || t.destroyed || indices.length === 0) return;
    for (const i of indices) {
      if (!t.bitfield.get(i)) continue;
      t._markUnverified(i);
      for (const w of t.wires) w.lt_donthave?.donthave(i);
    }
    t._checkDone();
    this.selectWanted();
    void this.saveNow();
  }

  /** The volume's line in the status. */
  status(): VolumeStatus {
    const t = this.torrent;
    const verifiedBytes = this.verifiedBytes();
    const wires = t?.wires ?? [];
    const served = this.bits && !t && this.opts ? this.opts.seedServer.traffic(this.infoHash) : null;
    const activity: VolumeActivity = this.error ? 'error'
      : served ? 'seeding'
      : !t?.ready ? 'checking'
      : t.done ? 'seeding'
      : this.paused ? 'paused'
      : 'downloading';
    return {
      infoHash: this.infoHash,
      activity,
      files: this.layout.files.length,
      totalBytes: this.parsed.totalBytes,
      verifiedBytes,
      progress: this.parsed.totalBytes === 0 ? 1 : verifiedBytes / this.parsed.totalBytes,
      peers: (served?.peers ?? 0) + wires.filter((w) => w.type !== 'webSeed').length,
      webSeeds: wires.filter((w) => w.type === 'webSeed').length,
      downloadBytesPerSecond: Math.round(t?.downloadSpeed ?? 0),
      uploadBytesPerSecond: Math.round((served?.uploadBytesPerSecond ?? 0) + (t?.uploadSpeed ?? 0)),
      receivedBytes: this.receivedBefore + (t?.received ?? 0),
      uploadedBytes: this.uploadedBefore + (served?.uploadedBytes ?? 0) + (t?.uploaded ?? 0),
      webSeedBytes: this.webSeedBytes,
      bytesOnDisk: this.bytesOnDisk,
      ...(this.error ? { error: this.error } : {}),
      ...(this.lastScrubAt ? { lastScrubAt: this.lastScrubAt } : {}),
      addedAt: this.addedAt,
      blockedPieces: this.blocked.size,
      engine: served ? 'seed-server' : 'webtorrent',
    };
  }

  /** Saves the state now. */
  async saveNow(): Promise<void> {
    if (this.closed || !this.opts) return; // closed: the last save already happened
    await this.stateFile.flush(() => this.snapshot());
  }

  /** Saves the state soon. */
  scheduleSave(): void {
    if (this.closed || !this.opts) return;
    this.stateFile.schedule(() => this.snapshot());
  }

  /** Saves the state, stops announcing and takes the volume out of webtorrent or the seed server (its files stay). */
  async close(): Promise<void> {
    if (this.closed) return;
    const t = this.torrent;
    if (this.bits || t?.ready) await this.saveNow().catch(() => undefined);
    this.closed = true;
    this.torrent = null;
    if (this.opts) {
      this.opts.seedServer.unserve(this.infoHash);
      await this.opts.announcer.remove(this.infoHash);
    }
    if (t && !t.destroyed) await new Promise<void>((resolve) => t.destroy({ destroyStore: false }, () => resolve()));
  }

  private snapshot(): VolumeStateData {
    const n = this.layout.pieceCount;
    const bits = emptyBitfield(n);
    for (let i = 0; i < n; i++) if (this.has(i)) setBit(bits, i, true);
    return VolumeStateFile.record(this.infoHash, this.addedAt, bits, n, this.scrubCursor, this.lastScrubAt);
  }
}
