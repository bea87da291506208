/**
 * The downloading engine: the volume as a webtorrent torrent over its files in the shared
 * store, with the seeder's own web seed connections. Trackers are stripped from the torrent
 * (the seeder's announcer announces for both engines), no piece cache (scrub and peers must
 * see what is on disk, and memory stays flat).
 */
import type { Logger } from '../../shared/log.ts';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { withoutTrackers } from '../../shared/torrent/top-level.ts';
import { VolumeChunkStore } from './store/volume-chunk-store.ts';
import type { VolumeFiles } from './store/volume-files.ts';
import type { HostLimiter } from './web-seed/host-limiter.ts';
import { addWebSeeds } from './web-seed/web-seed-conn.ts';
import { checkDone, markUnverified, markVerified, type WTClient, type WTTorrent } from './webtorrent-api.ts';
import { NO_TRAFFIC, type EngineEvents, type EngineTraffic, type VolumeEngine, type Wanted } from './volume-engine.ts';

/** Pieces webtorrent may ask one web seed for at once; queued ones are merged into larger range requests. */
export const WEB_SEED_PIPELINE_PIECES = 32;

/** What the webtorrent engine needs besides the volume. */
export interface WebtorrentEngineOptions {
  client: WTClient;
  /** Fetch from the torrent's url-list (BEP 19). */
  webSeeds: boolean;
  limiter: HostLimiter;
  logger: Logger;
  /** Counts bytes fetched from web seeds. */
  onWebSeedBytes(n: number): void;
}

/** A volume held by webtorrent. */
export class WebtorrentEngine implements VolumeEngine {
  readonly kind = 'webtorrent';
  private closed = false;

  private constructor(
    private readonly t: WTTorrent,
    private readonly pieceCount: number,
  ) {}

  /**
   * Adds the volume to webtorrent with the pieces known to be on disk, resolves once the torrent
   * is ready, then starts reporting pieces and asking for the wanted ones.
   */
  static async open(parsed: ParsedVolumeTorrent, torrentBytes: Uint8Array, files: VolumeFiles, bitfield: Uint8Array, wanted: Wanted, o: WebtorrentEngineOptions, events: EngineEvents): Promise<WebtorrentEngine> {
    const ih = parsed.infoHash;
    const t = o.client.add(withoutTrackers(torrentBytes), {
      store: VolumeChunkStore,
      storeOpts: { volumeFiles: files },
      storeCacheSlots: 0,
      bitfield,
      maxWebConns: WEB_SEED_PIPELINE_PIECES,
      // Blocked pieces (takedowns) must never be asked for: start empty and select around them.
      deselect: wanted.paused || wanted.blocked.size > 0,
    });
    t.on('warning', (err) => o.logger.debug({ infoHash: ih, err }, 'torrent warning'));
    t.on('error', (err) => events.failed(String(err instanceof Error ? err.message : err)));
    await new Promise<void>((resolve, reject) => {
      if (t.ready) return resolve();
      t.once('ready', () => resolve());
      t.once('error', (err) => reject(err instanceof Error ? err : new Error(err)));
    });
    const engine = new WebtorrentEngine(t, files.layout.pieceCount);
    // Listeners go on after 'ready': the pieces webtorrent confirms while starting are the ones
    // the volume handed it, not news.
    t.on('verified', (index) => events.verified(index));
    t.on('done', () => events.done());
    if (!wanted.paused && wanted.blocked.size > 0) engine.want(wanted);
    if (o.webSeeds) {
      addWebSeeds(t, parsed.urlList, { torrentName: parsed.name, layout: files.layout, limiter: o.limiter, onBytes: (n) => o.onWebSeedBytes(n) });
    }
    return engine;
  }

  has(index: number): boolean {
    return this.t.bitfield.get(index);
  }

  bitfield(): Uint8Array {
    return this.t.bitfield.buffer;
  }

  addPeer(addr: string): void {
    if (!this.t.destroyed) this.t.addPeer(addr);
  }

  gain(indices: readonly number[]): number[] {
    if (this.t.destroyed) return [];
    const gained = indices.filter((i) => !this.t.bitfield.get(i));
    for (const i of gained) {
      markVerified(this.t, i);
      for (const w of this.t.wires) w.have(i);
    }
    if (gained.length > 0) checkDone(this.t);
    return gained;
  }

  lose(indices: readonly number[]): number[] {
    if (this.t.destroyed) return [];
    const lost = indices.filter((i) => this.t.bitfield.get(i));
    for (const i of lost) {
      markUnverified(this.t, i);
      for (const w of this.t.wires) w.lt_donthave?.donthave(i);
    }
    checkDone(this.t);
    return lost;
  }

  want(wanted: Wanted): void {
    if (this.t.destroyed || this.pieceCount === 0) return;
    if (wanted.paused) {
      // Deselecting everything (public API) also drops the one-piece selections _markUnverified
      // adds, so a paused volume asks for nothing. Not done when unpausing: peers would see us
      // lose and regain interest.
      this.t.deselect(0, this.pieceCount - 1);
      return;
    }
    this.t.select(0, this.pieceCount - 1);
    for (const i of wanted.blocked) this.t.deselect(i, i);
  }

  retry(indices: readonly number[]): void {
    if (this.t.destroyed) return;
    for (const i of indices) markUnverified(this.t, i);
  }

  traffic(): EngineTraffic {
    // Closed: its bytes were added to the volume's totals when it was replaced.
    if (this.closed) return NO_TRAFFIC;
    const wires = this.t.wires;
    const webSeeds = wires.filter((w) => w.type === 'webSeed').length;
    return {
      receivedBytes: this.t.received,
      uploadedBytes: this.t.uploaded,
      downloadBytesPerSecond: this.t.downloadSpeed,
      uploadBytesPerSecond: this.t.uploadSpeed,
      peers: wires.length - webSeeds,
      webSeeds,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    const t = this.t;
    if (t.destroyed) return;
    await new Promise<void>((resolve) => t.destroy({ destroyStore: false }, () => resolve()));
  }
}
