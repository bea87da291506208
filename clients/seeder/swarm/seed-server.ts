/**
 * The seeder's peer port and its upload engine for complete volumes. webtorrent keeps
 * per-file objects, piece objects and stream pipelines for every torrent it holds (about
 * 11 kB per file: 1 GB at 100,000 files) and answers each 16 KiB request with its own disk
 * read through a throttle stream; a volume that is complete needs none of that. So complete
 * volumes are served here: a bitfield, the piece hashes' owner (VolumeFiles) and a shared
 * cache of whole pieces; downloads stay with webtorrent.
 *
 * All incoming connections arrive here. A plaintext handshake is read far enough to see the
 * info hash: connections for served volumes get a SeedPeer, the others (volumes still
 * downloading) are handed unread to webtorrent's own connection handler. Encrypted (MSE)
 * handshakes name their volume only after our reply, so they are answered here while any
 * volume is served; one for a volume webtorrent holds is closed, and peers then retry in
 * plaintext (webtorrent, as we run it, does not answer MSE either).
 *
 * One address cannot take the port over: connections are counted per remote address from the
 * moment they arrive (in the handshake, served here, or handed to webtorrent): at most
 * `handshakesPerAddress` still in their handshake (which must arrive within
 * HANDSHAKE_TIMEOUT_MS), at most `connectionsPerAddressPerVolume` for one volume (a NAT with a
 * few clients), and `connectionsPerAddress` in all (a seeder sharing many volumes with us opens
 * one per volume). A peer that holds an upload slot without requesting for `slotIdleMs` is
 * dropped, so "interested" alone cannot sit on the slots the census and real downloaders need.
 */
import { createHash } from 'node:crypto';
import net, { type Socket } from 'node:net';
import type { Logger } from '../../../shared/log.ts';
import type { OperatorKey } from '../../../shared/operator/index.ts';
import { operatorExtension, type WireExtension } from './operator-extension.ts';
import { AddressCounts } from './address-counts.ts';
import { BlockReader } from './block-reader.ts';
import { SeedPeer, type PeerHost, type ServedVolume } from './seed-peer.ts';

/** pstrlen + "BitTorrent protocol" + 8 reserved bytes + the info hash. */
const HANDSHAKE_TO_INFO_HASH = 48;
const PROTOCOL_NAME_LENGTH = 19;
const HANDSHAKE_TIMEOUT_MS = 20_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** Peers neither interested nor asking for this long are let go (seeds and idle leechers). */
export const IDLE_PEER_MS = 3 * 60_000;
const SWEEP_MS = 30_000;
/** Connections one remote address may hold in all: one per volume for a seeder sharing many volumes with us. */
export const DEFAULT_CONNECTIONS_PER_ADDRESS = 64;
/** Connections one address may hold for one volume: a NAT with a few clients. */
export const DEFAULT_CONNECTIONS_PER_ADDRESS_PER_VOLUME = 4;
/** Connections one address may have in the handshake at once (a client starting many volumes at once fits). */
export const DEFAULT_HANDSHAKES_PER_ADDRESS = 32;
/** A peer unchoked this long without a single request loses its connection (and so its slot). */
export const DEFAULT_SLOT_IDLE_MS = 60_000;
export const DEFAULT_MAX_CONNECTIONS = 200;
export const DEFAULT_UPLOAD_SLOTS = 32;
export const DEFAULT_PIECE_CACHE_BYTES = 32 * 1024 * 1024;
export { STRETCH_BYTES } from './block-reader.ts';

export interface SeedServerOptions {
  /** TCP port (0: any free one). */
  port: number;
  /** Address to listen on (default all). */
  host?: string;
  /** Our 20-byte peer id (the webtorrent client's, so both halves are one peer). */
  peerId: Buffer;
  /** Proves this key to a census on every connection (BEP 10 `sb_operator`). */
  operatorKey?: OperatorKey;
  maxConnections?: number;
  /** Connections one remote address may hold, counted from arrival (default {@link DEFAULT_CONNECTIONS_PER_ADDRESS}). */
  connectionsPerAddress?: number;
  /** Connections one address may hold for one volume (default {@link DEFAULT_CONNECTIONS_PER_ADDRESS_PER_VOLUME}). */
  connectionsPerAddressPerVolume?: number;
  /** Connections one address may have in the handshake (default {@link DEFAULT_HANDSHAKES_PER_ADDRESS}). */
  handshakesPerAddress?: number;
  /** How long a peer may hold an upload slot without requesting (default {@link DEFAULT_SLOT_IDLE_MS}). */
  slotIdleMs?: number;
  /** Peers unchoked at once. */
  uploadSlots?: number;
  /** Bytes per second for everything uploaded here; 0 or undefined: no limit. */
  maxUploadBytesPerSecond?: number;
  pieceCacheBytes?: number;
  /**
   * Connections for anything not served here (webtorrent's handler). The socket comes paused
   * with the bytes read so far unshifted back: pipe it or resume it.
   */
  passOn: (socket: Socket) => void;
  logger: Logger;
}

/** Upload figures of one served volume. */
export interface ServedTraffic {
  peers: number;
  uploadedBytes: number;
  uploadBytesPerSecond: number;
}

export class SeedServer implements PeerHost {
  readonly peerId: Buffer;
  readonly operatorExtension?: WireExtension;
  private readonly volumes = new Map<string, ServedVolume>();
  /** SHA-1('req2' + info hash) → volume, for MSE handshakes. */
  private readonly byReq2 = new Map<string, ServedVolume>();
  private readonly peers = new Set<SeedPeer>();
  /** Connections whose handshake is still being read. */
  private readonly pending = new Set<Socket>();
  private readonly waiting: SeedPeer[] = [];
  private readonly uploadedBefore = new Map<string, number>();
  private readonly blocks: BlockReader;
  private readonly sweep: NodeJS.Timeout;
  /** Peers holding an upload slot (unchoked), with when they got it. */
  private readonly slots = new Map<SeedPeer, number>();
  /** Incoming connections per remote address, from arrival until the socket closes (whoever handles it). */
  private readonly perAddress = new AddressCounts();
  /** The same, only while in the handshake. */
  private readonly handshakesPerAddress = new AddressCounts();
  /** Per `address|info hash`, once a plaintext handshake named the volume. */
  private readonly perAddressVolume = new AddressCounts();
  private readonly slotIdleMs: number;
  /** Connections refused because their address had too many. */
  refusedPerAddress = 0;
  private closing = false;

  private constructor(private readonly server: net.Server, private readonly o: SeedServerOptions) {
    this.peerId = o.peerId;
    if (o.operatorKey) this.operatorExtension = operatorExtension(o.operatorKey);
    this.blocks = new BlockReader(o.pieceCacheBytes ?? DEFAULT_PIECE_CACHE_BYTES, o.maxUploadBytesPerSecond ?? 0);
    this.slotIdleMs = o.slotIdleMs ?? DEFAULT_SLOT_IDLE_MS;
    server.on('connection', (socket) => this.onConnection(socket));
    this.sweep = setInterval(() => this.dropIdle(), Math.min(SWEEP_MS, this.slotIdleMs));
    this.sweep.unref();
  }

  /** Listens on the port; rejects with the reason when it cannot (port taken). */
  static async listen(o: SeedServerOptions): Promise<SeedServer> {
    const server = net.createServer({ pauseOnConnect: false });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.removeListener('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => o.logger.warn({ err }, 'peer port error'));
    return new SeedServer(server, o);
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** The address it listens on ('::' or '0.0.0.0': every interface). */
  get address(): string {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.address : '';
  }

  /** Starts serving a complete (or all-but-taken-down) volume. */
  serve(v: ServedVolume): void {
    this.volumes.set(v.infoHash, v);
    this.blocks.add(v.infoHash);
    this.byReq2.set(req2Hash(v.infoHash), v);
  }

  byEncryptedHash(hashHex: string): ServedVolume | null {
    return this.byReq2.get(hashHex) ?? null;
  }

  /** Stops serving a volume: its connections close and its cached pieces go. */
  unserve(infoHash: string): void {
    this.volumes.delete(infoHash);
    this.byReq2.delete(req2Hash(infoHash));
    for (const p of [...this.peers]) if (p.volume?.infoHash === infoHash) p.end();
    this.forgetCached(infoHash);
  }

  isServed(infoHash: string): boolean {
    return this.volumes.has(infoHash);
  }

  /** Tells connected peers of a volume that a piece is had again (after a re-check). */
  announceHave(infoHash: string, index: number): void {
    for (const p of this.peers) if (p.volume?.infoHash === infoHash) p.wire.have(index);
  }

  /** Forgets cached pieces of a volume (its files changed on disk). */
  forgetCached(infoHash: string): void {
    this.blocks.forget(infoHash);
  }

  traffic(infoHash: string): ServedTraffic {
    let peers = 0;
    let uploadedBytes = this.uploadedBefore.get(infoHash) ?? 0;
    let uploadBytesPerSecond = 0;
    for (const p of this.peers) {
      if (p.volume?.infoHash !== infoHash) continue;
      peers++;
      uploadedBytes += p.wire.uploaded;
      uploadBytesPerSecond += p.wire.uploadSpeed();
    }
    return { peers, uploadedBytes, uploadBytesPerSecond };
  }

  /** Upload rate over all served volumes. */
  get uploadBytesPerSecond(): number {
    let sum = 0;
    for (const p of this.peers) sum += p.wire.uploadSpeed();
    return sum;
  }

  /** Dials a peer for a served volume (peers from trackers; a seed behind NAT needs to call out). */
  connect(infoHash: string, addr: string): void {
    const v = this.volumes.get(infoHash);
    const m = /^(.+):(\d+)$/.exec(addr);
    if (!v || !m || this.closing || this.peers.size >= (this.o.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) return;
    const host = m[1]!.replace(/^\[|\]$/g, '');
    for (const p of this.peers) if (p.volume === v && p.socket.remoteAddress === host && p.socket.remotePort === Number(m[2])) return;
    const socket = net.connect({ host, port: Number(m[2]) });
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => socket.destroy());
    socket.once('error', () => socket.destroy());
    socket.once('connect', () => {
      socket.setTimeout(0);
      if (!this.volumes.has(infoHash)) return socket.destroy();
      this.peers.add(new SeedPeer(this, socket, { outgoing: true, volume: v }));
    });
  }

  blockNow(volume: ServedVolume, index: number, offset: number, length: number): Buffer | null {
    return this.blocks.now(volume, index, offset, length);
  }

  block(volume: ServedVolume, index: number, offset: number, length: number): Promise<Buffer> {
    return this.blocks.read(volume, index, offset, length);
  }

  released(block: Uint8Array): void {
    this.blocks.released(block);
  }

  wantsUnchoke(peer: SeedPeer): boolean {
    if (this.slots.size < (this.o.uploadSlots ?? DEFAULT_UPLOAD_SLOTS)) {
      this.slots.set(peer, Date.now());
      return true;
    }
    if (!this.waiting.includes(peer)) this.waiting.push(peer);
    return false;
  }

  freeSlot(peer: SeedPeer): void {
    const i = this.waiting.indexOf(peer);
    if (i >= 0) this.waiting.splice(i, 1);
    if (!this.slots.delete(peer)) return;
    for (let next = this.waiting.shift(); next; next = this.waiting.shift()) {
      if (next.isEnded || !next.wire.peerInterested) continue;
      this.slots.set(next, Date.now());
      next.unchoke();
      break;
    }
  }

  closed(peer: SeedPeer): void {
    if (!this.peers.delete(peer) || !peer.volume) return;
    const ih = peer.volume.infoHash;
    this.uploadedBefore.set(ih, (this.uploadedBefore.get(ih) ?? 0) + peer.wire.uploaded);
  }

  refused(peer: SeedPeer, reason: string): void {
    this.o.logger.debug({ peer: `${peer.socket.remoteAddress}:${peer.socket.remotePort}`, infoHash: peer.volume?.infoHash, reason }, 'peer dropped');
  }

  /** Closes the port and every connection. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.sweep);
    for (const p of [...this.peers]) p.end();
    for (const socket of this.pending) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(socket: Socket): void {
    if (this.closing) return void socket.destroy();
    const inHandshake = this.admit(socket);
    if (!inHandshake) return;
    const chunks: Buffer[] = [];
    let have = 0;
    this.pending.add(socket);
    socket.once('close', () => this.pending.delete(socket));
    const done = () => {
      inHandshake();
      this.pending.delete(socket);
      socket.removeListener('data', onData);
      socket.removeListener('error', onError);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(Buffer.concat(chunks));
    };
    const onError = () => socket.destroy();
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      have += chunk.length;
      const first = chunks[0]![0];
      if (first !== PROTOCOL_NAME_LENGTH) {
        // An encrypted (MSE) handshake: answered here while anything is served.
        done();
        if (this.volumes.size === 0) return this.o.passOn(socket);
        return this.accept(socket, null);
      }
      if (have < HANDSHAKE_TO_INFO_HASH) return;
      const head = Buffer.concat(chunks);
      const infoHash = head.subarray(28, HANDSHAKE_TO_INFO_HASH).toString('hex');
      done();
      const forVolume = this.perAddressVolume.take(`${socket.remoteAddress ?? ''}|${infoHash}`, this.o.connectionsPerAddressPerVolume ?? DEFAULT_CONNECTIONS_PER_ADDRESS_PER_VOLUME);
      if (!forVolume) return this.refuseConnection(socket);
      socket.once('close', forVolume);
      const v = this.volumes.get(infoHash);
      if (!v) return this.o.passOn(socket);
      this.accept(socket, v);
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => socket.destroy());
  }

  private accept(socket: Socket, v: ServedVolume | null): void {
    if (this.peers.size >= (this.o.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) return void socket.destroy();
    this.peers.add(new SeedPeer(this, socket, { outgoing: false, volume: v }));
    socket.resume();
  }

  /**
   * Counts an arriving connection against its address (in all, and in the handshake); returns
   * the release of the handshake count, or null (and the socket closed) past a limit.
   */
  private admit(socket: Socket): (() => void) | null {
    const address = socket.remoteAddress ?? '';
    if (this.pending.size >= (this.o.maxConnections ?? DEFAULT_MAX_CONNECTIONS)) return this.refuseConnection(socket);
    const total = this.perAddress.take(address, this.o.connectionsPerAddress ?? DEFAULT_CONNECTIONS_PER_ADDRESS);
    if (!total) return this.refuseConnection(socket);
    const handshake = this.handshakesPerAddress.take(address, this.o.handshakesPerAddress ?? DEFAULT_HANDSHAKES_PER_ADDRESS);
    if (!handshake) {
      total();
      return this.refuseConnection(socket);
    }
    socket.once('close', () => {
      total();
      handshake();
    });
    return handshake;
  }

  private refuseConnection(socket: Socket): null {
    this.refusedPerAddress++;
    socket.destroy();
    return null;
  }

  private dropIdle(): void {
    const now = Date.now();
    for (const p of [...this.peers]) if (!p.wire.peerInterested && now - p.lastActive > IDLE_PEER_MS) p.end();
    for (const [p, since] of [...this.slots]) {
      if (now - Math.max(since, p.lastActive) <= this.slotIdleMs) continue;
      p.end(`held an upload slot for ${this.slotIdleMs} ms without a request`);
    }
  }
}

/** MSE's obfuscated info hash: SHA-1('req2' + info hash), hex. */
function req2Hash(infoHash: string): string {
  return createHash('sha1').update('req2').update(Buffer.from(infoHash, 'hex')).digest('hex');
}

