/**
 * The seeding engine: the volume served by the seeder's own seed server from a bitfield the
 * volume keeps (every wanted piece set, taken-down ones clear). It never downloads: when a
 * piece goes missing the volume hands itself back to webtorrent.
 */
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import type { SeedServer } from './swarm/seed-server.ts';
import type { ServedVolume } from './swarm/seed-peer.ts';
import type { VolumeFiles } from './store/volume-files.ts';
import { getBit, setBit } from './store/volume-state.ts';
import { NO_TRAFFIC, type EngineTraffic, type VolumeEngine, type Wanted } from './volume-engine.ts';

/** A volume served by the seed server. */
export class SeedServerEngine implements VolumeEngine {
  readonly kind = 'seed-server';
  private readonly bits: Uint8Array;
  /** The seed server counts a volume's upload across serve periods; this engine reports its own. */
  private readonly uploadedAtStart: number;
  private closed = false;

  /** Starts serving with `bitfield` (copied; `blocked` pieces cleared). */
  constructor(
    private readonly parsed: ParsedVolumeTorrent,
    private readonly torrentBytes: Uint8Array,
    private readonly files: VolumeFiles,
    bitfield: Uint8Array,
    private readonly blocked: ReadonlySet<number>,
    private readonly server: SeedServer,
  ) {
    const n = files.layout.pieceCount;
    this.bits = Uint8Array.from(bitfield.subarray(0, Math.ceil(n / 8)));
    for (const i of blocked) setBit(this.bits, i, false);
    this.uploadedAtStart = server.traffic(parsed.infoHash).uploadedBytes;
    server.serve(this.servedView());
  }

  /** The seed server's view of the volume. */
  private servedView(): ServedVolume {
    // A view into the .torrent bytes, not a copy (the info dictionary is most of a big torrent).
    const [start, end] = this.parsed.infoSpan;
    const metadata = Buffer.from(this.torrentBytes.buffer, this.torrentBytes.byteOffset + start, end - start);
    const layout = this.files.layout;
    return {
      infoHash: this.parsed.infoHash,
      pieceCount: layout.pieceCount,
      metadata,
      pieceSize: (i) => layout.pieceSize(i),
      has: (i) => this.has(i),
      hasAll: () => this.blocked.size === 0 && this.missing() === 0,
      bitfield: () => this.bits,
      readRange: (i, offset, length, target) => this.files.readPiece(i, offset, length, target),
    };
  }

  /** Pieces not had. */
  private missing(): number {
    let count = 0;
    for (let i = 0; i < this.files.layout.pieceCount; i++) if (!getBit(this.bits, i)) count++;
    return count;
  }

  has(index: number): boolean {
    return getBit(this.bits, index);
  }

  bitfield(): Uint8Array {
    return this.bits;
  }

  addPeer(addr: string): void {
    if (!this.closed) this.server.connect(this.parsed.infoHash, addr);
  }

  gain(indices: readonly number[]): number[] {
    const gained = indices.filter((i) => !getBit(this.bits, i) && !this.blocked.has(i));
    for (const i of gained) {
      setBit(this.bits, i, true);
      this.server.announceHave(this.parsed.infoHash, i);
    }
    return gained;
  }

  lose(indices: readonly number[]): number[] {
    const lost = indices.filter((i) => getBit(this.bits, i));
    for (const i of lost) setBit(this.bits, i, false);
    // The files changed on disk: cached pieces may hold the old bytes.
    if (lost.length > 0) this.server.forgetCached(this.parsed.infoHash);
    return lost;
  }

  want(_wanted: Wanted): void {
    // Nothing to ask for: a volume is only seeded with every wanted piece here.
  }

  retry(_indices: readonly number[]): void {
    // Pieces in limbo were never marked had here.
  }

  traffic(): EngineTraffic {
    if (this.closed) return NO_TRAFFIC;
    const t = this.server.traffic(this.parsed.infoHash);
    return {
      receivedBytes: 0,
      uploadedBytes: t.uploadedBytes - this.uploadedAtStart,
      downloadBytesPerSecond: 0,
      uploadBytesPerSecond: t.uploadBytesPerSecond,
      peers: t.peers,
      webSeeds: 0,
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.server.unserve(this.parsed.infoHash);
  }
}
