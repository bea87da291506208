/**
 * Which engine holds a hosted volume, in which lifecycle state, and the hand-overs between
 * engines: to the seed server once every wanted piece is here, back to webtorrent when a
 * served piece goes bad. Each hand-over moves the state first, so a second trigger while the
 * first is under way finds the new state and does nothing.
 */
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import type { VolumeFiles } from './store/volume-files.ts';
import { getBit } from './store/volume-state.ts';
import type { EngineEvents, EngineTraffic, VolumeEngine, Wanted } from './volume-engine.ts';
import { SeedServerEngine } from './volume-engine-seed-server.ts';
import { WebtorrentEngine } from './volume-engine-webtorrent.ts';
import { canTransition, VolumeLifecycle, WEBTORRENT_STATES, type VolumeState } from './volume-lifecycle.ts';
import type { VolumeStartOptions } from './volume-options.ts';

/** What the holder needs of its volume. */
export interface HeldVolume {
  readonly parsed: ParsedVolumeTorrent;
  readonly torrentBytes: Uint8Array;
  readonly files: VolumeFiles;
  /** Pieces never to serve nor ask for (taken-down files). */
  readonly blocked: ReadonlySet<number>;
  /** Saves the volume's state file now. */
  saveNow(): Promise<void>;
  /** Counts bytes fetched from web seeds. */
  addWebSeedBytes(n: number): void;
  /** Told after every lifecycle transition. */
  onStateChange?(state: VolumeState): void;
}

/** One volume's engine, state and hand-overs. */
export class VolumeHolder {
  readonly lifecycle: VolumeLifecycle;
  /** Null before start; after close, the closed engine stays so the last status reads right. */
  private engine: VolumeEngine | null = null;
  /** What was on disk at start, answered while no engine holds the volume yet. */
  private startBits: Uint8Array | null = null;
  /** The seeder stopped downloads (an input; the state says what the volume does about it). */
  private paused = false;
  /** Where a paused volume goes when downloads resume. */
  private resumeTo: 'downloading' | 'repairing' = 'downloading';
  private opts: VolumeStartOptions | null = null;
  /** Traffic of the engines that held this volume before the current one. */
  private before = { receivedBytes: 0, uploadedBytes: 0 };

  constructor(
    private readonly v: HeldVolume,
    private readonly events: EngineEvents,
  ) {
    this.lifecycle = new VolumeLifecycle(v.parsed.infoHash, (state) => v.onStateChange?.(state));
  }

  get state(): VolumeState {
    return this.lifecycle.state;
  }

  /** The engine holding the volume (null before start). */
  get current(): VolumeEngine | null {
    return this.engine;
  }

  /** True when piece `index` is verified. */
  has(index: number): boolean {
    if (this.engine) return this.engine.has(index);
    return this.startBits ? getBit(this.startBits, index) : false;
  }

  /** The current engine's figures, with bytes counted over every engine that held the volume. */
  traffic(): EngineTraffic | null {
    const t = this.engine?.traffic();
    if (!t) return null;
    return { ...t, receivedBytes: this.before.receivedBytes + t.receivedBytes, uploadedBytes: this.before.uploadedBytes + t.uploadedBytes };
  }

  /** Hands the volume, found on disk as `bits`, to the seed server (every wanted piece here) or to webtorrent. */
  async begin(bits: Uint8Array, o: VolumeStartOptions): Promise<void> {
    this.opts = o;
    this.paused = o.paused;
    this.startBits = bits;
    if (this.lifecycle.is('closed')) return;
    if (this.missingWanted(bits) === 0) this.seed(bits);
    else await this.toWebtorrent(bits, 'downloading');
  }

  /** Which pieces to ask for now. */
  wanted(): Wanted {
    return { paused: this.paused, blocked: this.v.blocked };
  }

  /** Asks the engine for the wanted pieces (only webtorrent downloads). */
  reselect(): void {
    if (WEBTORRENT_STATES.has(this.state)) this.engine?.want(this.wanted());
  }

  /** Stops asking for pieces; seeding goes on. */
  pause(): void {
    this.paused = true;
    if (!this.lifecycle.is('downloading', 'repairing')) return;
    this.resumeTo = this.lifecycle.is('repairing') ? 'repairing' : 'downloading';
    this.lifecycle.to('paused');
    this.engine?.want(this.wanted());
  }

  /** Asks for missing pieces again, `retry` included (verified before but never written). */
  resume(retry: readonly number[]): boolean {
    this.paused = false;
    if (!WEBTORRENT_STATES.has(this.state) || !this.engine) return false;
    this.engine.retry(retry);
    if (this.lifecycle.is('paused')) this.lifecycle.to(this.resumeTo);
    this.engine.want(this.wanted());
    return true;
  }

  /** Moves to 'error' when the state allows it (a late error from a replaced engine does not). */
  fail(): void {
    if (canTransition(this.state, 'error')) this.lifecycle.to('error');
  }

  /** Once webtorrent has every wanted piece: the seed server takes over and webtorrent lets go. */
  async maybeSeed(): Promise<void> {
    const wt = this.engine;
    // kind: during a repair's hand-back the closed seed-server engine still holds the bitfield.
    if (!wt || wt.kind !== 'webtorrent' || !WEBTORRENT_STATES.has(this.state) || this.missingWanted(wt.bitfield()) > 0) return;
    this.retire(wt);
    this.seed(wt.bitfield());
    await this.v.saveNow();
    await wt.close();
    this.opts!.announcer.complete(this.v.parsed.infoHash);
    this.opts!.logger.info({ infoHash: this.v.parsed.infoHash }, 'volume complete: served by the seed server');
  }

  /** Pieces went bad while served: webtorrent fetches them again from peers and web seeds. */
  async repair(): Promise<void> {
    const served = this.engine;
    if (!served || !this.lifecycle.is('seeding')) return;
    // The closed seed-server engine keeps answering has() until webtorrent is ready.
    this.lifecycle.to(this.paused ? 'paused' : 'repairing');
    this.retire(served);
    await served.close();
    await this.toWebtorrent(served.bitfield(), 'repairing');
    this.opts!.logger.info({ infoHash: this.v.parsed.infoHash }, 'volume back in webtorrent to repair damaged pieces');
  }

  /** Takes the volume out of its engine for good. */
  async close(): Promise<void> {
    if (this.lifecycle.is('closed')) return;
    this.lifecycle.to('closed');
    await this.engine?.close();
  }

  /** Pieces neither had nor blocked in `bits`. */
  private missingWanted(bits: Uint8Array): number {
    let missing = 0;
    for (let i = 0; i < this.v.files.layout.pieceCount; i++) if (!getBit(bits, i) && !this.v.blocked.has(i)) missing++;
    return missing;
  }

  private seed(bits: Uint8Array): void {
    this.engine = new SeedServerEngine(this.v.parsed, this.v.torrentBytes, this.v.files, bits, this.v.blocked, this.opts!.seedServer);
    this.lifecycle.to('seeding');
  }

  /** Hands the volume to webtorrent; state `next` (or paused) once it is ready. */
  private async toWebtorrent(bits: Uint8Array, next: 'downloading' | 'repairing'): Promise<void> {
    const o = this.opts!;
    this.resumeTo = next;
    const engine = await WebtorrentEngine.open(this.v.parsed, this.v.torrentBytes, this.v.files, bits, this.wanted(), {
      client: o.client, webSeeds: o.webSeeds, limiter: o.limiter, logger: o.logger,
      onWebSeedBytes: (n) => this.v.addWebSeedBytes(n),
    }, this.events);
    if (this.lifecycle.is('closed', 'error')) return void (await engine.close());
    this.engine = engine;
    this.lifecycle.to(this.paused ? 'paused' : next);
    // Pieces found while it started (or re-checked meanwhile) may already complete it.
    void this.maybeSeed();
  }

  /** Adds an outgoing engine's bytes to the volume's totals. */
  private retire(engine: VolumeEngine): void {
    const t = engine.traffic();
    this.before.receivedBytes += t.receivedBytes;
    this.before.uploadedBytes += t.uploadedBytes;
  }
}
