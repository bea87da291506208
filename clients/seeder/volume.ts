/**
 * One hosted volume: its parsed torrent, its files in the shared store, its saved state, and
 * the holder (volume-holder.ts) that knows its lifecycle state and which engine holds it:
 * webtorrent while pieces are missing, the seed server once every wanted piece is here.
 * HostedVolume delegates piece work to that engine and never asks which one it is. One
 * announcer entry follows the volume through both.
 */
import { SeedbankError } from '../../shared/errors.ts';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { formatSize } from '../../shared/units.ts';
import type { VolumeFiles } from './store/volume-files.ts';
import { verifyOnDisk, type DiskCheck } from './store/verify-on-disk.ts';
import { emptyBitfield, setBit, VolumeStateFile, type VolumeStateData } from './store/volume-state.ts';
import type { EngineEvents } from './volume-engine.ts';
import { VolumeHolder } from './volume-holder.ts';
import { WEBTORRENT_STATES, type VolumeState } from './volume-lifecycle.ts';
import type { VolumeHooks, VolumeStartOptions } from './volume-options.ts';
import { volumeStatus, type VolumeStatus } from './volume-status.ts';

export type { VolumeActivity, VolumeStatus } from './volume-status.ts';
export type { VolumeState } from './volume-lifecycle.ts';
export type { VolumeHooks, VolumeStartOptions } from './volume-options.ts';
export { WEB_SEED_PIPELINE_PIECES } from './volume-engine-webtorrent.ts';

/** A volume hosted by the seeder. */
export class HostedVolume {
  error: string | null = null;
  /** Pieces verified but not written (disk full): asked for again when writing works. */
  readonly limbo = new Set<number>();
  bytesOnDisk = 0;
  webSeedBytes = 0;
  scrubCursor: number;
  lastScrubAt?: string;
  private readonly holder: VolumeHolder;
  private opts: VolumeStartOptions | null = null;

  constructor(
    readonly parsed: ParsedVolumeTorrent,
    readonly torrentBytes: Uint8Array,
    readonly files: VolumeFiles,
    readonly stateFile: VolumeStateFile,
    readonly addedAt: string,
    private readonly saved: VolumeStateData | null,
    private readonly hooks: VolumeHooks,
  ) {
    this.scrubCursor = saved?.scrubCursor ?? 0;
    this.lastScrubAt = saved?.lastScrubAt;
    const events: EngineEvents = {
      verified: (index) => this.onPieceVerified(index),
      done: () => {
        void this.saveNow();
        this.opts?.logger.info({ infoHash: this.infoHash, bytes: this.parsed.totalBytes }, 'volume complete');
        void this.holder.maybeSeed();
      },
      failed: (message) => this.fail(message),
    };
    this.holder = new VolumeHolder({ parsed, torrentBytes, files, blocked: files.blocked, saveNow: () => this.saveNow(), addWebSeedBytes: (n) => (this.webSeedBytes += n), onStateChange: (state) => hooks.onStateChange?.(state) }, events);
    files.onWriteFailed = (index, err) => {
      this.limbo.add(index);
      hooks.onWriteFailed(index, err);
    };
  }

  get infoHash(): string {
    return this.parsed.infoHash;
  }

  get layout() {
    return this.files.layout;
  }

  /** The lifecycle state (volume-lifecycle.ts). */
  get state(): VolumeState {
    return this.holder.state;
  }

  /** Finds what is on disk, hands the volume to the seed server (complete) or webtorrent (not), starts announcing it. */
  async start(o: VolumeStartOptions): Promise<DiskCheck> {
    this.holder.lifecycle.to('checking');
    const check = await verifyOnDisk(this.files, VolumeStateFile.bitfieldOf(this.saved, this.layout.pieceCount));
    this.bytesOnDisk = check.files.totalAllocated();
    this.opts = o;
    await this.holder.begin(check.bitfield, o);
    if (this.holder.lifecycle.is('closed')) return check;
    o.announcer.add({
      infoHash: this.infoHash,
      trackers: this.parsed.announce,
      left: () => this.parsed.totalBytes - this.verifiedBytes(),
      uploaded: () => this.holder.traffic()?.uploadedBytes ?? 0,
      downloaded: () => this.holder.traffic()?.receivedBytes ?? 0,
      onPeer: (addr) => this.addPeer(addr),
    });
    await this.saveNow();
    return check;
  }

  /** True once started and until closed (held by webtorrent or the seed server). */
  get running(): boolean {
    return this.holder.lifecycle.is('downloading', 'paused', 'seeding', 'repairing', 'error');
  }

  /** True while the seed server holds the volume (every wanted piece is here). */
  get isServed(): boolean {
    return this.holder.lifecycle.is('seeding');
  }

  /** Resolves once the seed server holds the volume; rejects after `timeoutMs` (or on an error) saying how far it got. */
  async whenSeeding(timeoutMs: number): Promise<void> {
    if (await this.holder.lifecycle.reached(['seeding'], timeoutMs)) return;
    const got = `${formatSize(this.verifiedBytes())} of ${formatSize(this.parsed.totalBytes)}`;
    const stopped = this.state === 'error' || this.state === 'closed';
    throw new SeedbankError(stopped ? 'VOLUME_INCOMPLETE' : 'VOLUME_TIMEOUT', `volume ${this.infoHash} not complete after ${timeoutMs} ms: ${got} (${this.state}${this.error ? `: ${this.error}` : ''})`, {
      hint: 'check that peers or web seeds for it are reachable, or wait longer',
      context: { infoHash: this.infoHash, state: this.state, verifiedBytes: this.verifiedBytes() },
    });
  }

  /** Connects to a peer for this volume. */
  addPeer(addr: string): void {
    this.holder.current?.addPeer(addr);
  }

  /** True when piece `index` is verified. */
  has(index: number): boolean {
    return this.holder.has(index);
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
    this.holder.pause();
  }

  /** Asks for missing pieces again, including those that could not be written. */
  resumeDownloading(): void {
    if (this.holder.resume([...this.limbo])) this.limbo.clear();
  }

  /** Pieces holding taken-down files (shared with the chunk store, which refuses to write them). */
  get blocked(): Set<number> {
    return this.files.blocked;
  }

  /** Blocks pieces for good (a takedown): they are marked missing, peers are told, and never asked for again. */
  block(indices: readonly number[]): void {
    for (const i of indices) this.blocked.add(i);
    this.markMissing(indices);
    this.holder.reselect();
  }

  /**
   * Hashes pieces on disk: good ones not yet had are marked verified and announced to peers
   * (another volume wrote the same file); with `dropBad`, verified ones that fail are marked missing.
   */
  async recheck(indices: readonly number[], dropBad: boolean): Promise<{ good: number[]; bad: number[] }> {
    const good: number[] = [];
    const bad: number[] = [];
    for (const i of indices) ((await this.files.checkPiece(i)) ? good : bad).push(i);
    const engine = this.holder.current;
    if (!this.running || !engine) return { good, bad };
    const gained = engine.gain(good);
    if (dropBad) this.markMissing(bad);
    if (gained.length > 0) this.scheduleSave();
    return { good, bad };
  }

  /** Marks pieces missing (bad on disk): peers are told (BEP 54 lt_donthave) and they are downloaded again. */
  markMissing(indices: readonly number[]): void {
    const engine = this.holder.current;
    if (!this.running || !engine || indices.length === 0) return;
    const lost = engine.lose(indices);
    if (this.isServed) {
      if (lost.length === 0) return;
      void this.saveNow();
      // Taken-down pieces stay missing; anything else comes back from the swarm.
      if (lost.some((i) => !this.blocked.has(i))) void this.holder.repair().catch((err: unknown) => this.fail(`could not start repairing: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    this.holder.reselect();
    void this.saveNow();
  }

  /** The volume's line in the status. */
  status(): VolumeStatus {
    const t = this.holder.traffic();
    return volumeStatus(this, {
      activity: this.state === 'new' ? 'checking' : this.state,
      engine: this.isServed ? 'seed-server' : 'webtorrent',
      peers: t?.peers ?? 0,
      webSeeds: t?.webSeeds ?? 0,
      downloadBytesPerSecond: t?.downloadBytesPerSecond ?? 0,
      uploadBytesPerSecond: t?.uploadBytesPerSecond ?? 0,
      receivedBytes: t?.receivedBytes ?? 0,
      uploadedBytes: t?.uploadedBytes ?? 0,
    });
  }

  /** Saves the state now. */
  async saveNow(): Promise<void> {
    if (this.holder.lifecycle.is('new', 'closed') || !this.opts) return; // closed: the last save already happened
    await this.stateFile.flush(() => this.snapshot());
  }

  /** Saves the state soon. */
  scheduleSave(): void {
    if (this.holder.lifecycle.is('new', 'closed') || !this.opts) return;
    this.stateFile.schedule(() => this.snapshot());
  }

  /** Saves the state, stops announcing and takes the volume out of webtorrent or the seed server (its files stay). */
  async close(): Promise<void> {
    if (this.holder.lifecycle.is('closed')) return;
    if (this.running) await this.saveNow().catch(() => undefined);
    if (this.opts) await this.opts.announcer.remove(this.infoHash);
    await this.holder.close();
  }

  private onPieceVerified(index: number): void {
    this.scheduleSave();
    this.hooks.onVerified(index);
    // With blocked pieces webtorrent is never 'done': check after each piece instead.
    if (this.blocked.size > 0 && WEBTORRENT_STATES.has(this.state)) void this.holder.maybeSeed();
  }

  private fail(message: string): void {
    this.error = message;
    this.opts?.logger.error({ infoHash: this.infoHash, err: message }, 'volume stopped by an error');
    this.holder.fail();
  }

  private snapshot(): VolumeStateData {
    const n = this.layout.pieceCount;
    const bits = emptyBitfield(n);
    for (let i = 0; i < n; i++) if (this.has(i)) setBit(bits, i, true);
    return VolumeStateFile.record(this.infoHash, this.addedAt, bits, n, this.scrubCursor, this.lastScrubAt);
  }
}
