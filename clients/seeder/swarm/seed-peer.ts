/**
 * One peer connection of the seed server, on bittorrent-protocol's Wire behind the shared
 * frame guard (the Wire trusts every length prefix a peer sends). Encrypted connections (MSE,
 * which aria2c and libtorrent try first) are answered too: the Wire does the key exchange,
 * the volume is found from the hashed info hash in the peer's third message, plaintext is
 * chosen for the payload, and since the guard cannot read an encrypted stream a cap on the
 * Wire's buffered bytes stands in for it. It only uploads: it says
 * what it has (have-all with the fast extension, else the bitfield), answers BEP 9 metadata
 * requests, unchokes interested peers as the server allows, and answers block requests from
 * the server's piece cache. Requests for pieces it lacks are rejected (BEP 6) or ignored.
 */
import type { Socket } from 'node:net';
// @ts-ignore -- untyped package; used: constructor, use, handshake, bitfield, haveAll, choke, unchoke, events.
import Wire from 'bittorrent-protocol';
// @ts-ignore -- untyped package: ut_metadata(metadata) returns the BEP 9 extension for Wire#use.
import utMetadata from 'ut_metadata';
import { FrameGuard } from '../../../shared/torrent/frame-guard.ts';

/** BitTorrent clients ask for 16 KiB blocks; the spec lets a seed drop anyone asking for more than 128 KiB. */
export const MAX_REQUEST_BYTES = 128 * 1024;
const BLOCK_BYTES = 16 * 1024;
/** An encrypted peer whose unparsed bytes pass this is sending a message no seed needs. */
const MAX_BUFFERED_BYTES = 1024 * 1024;
/** Requests a peer may have in flight (libtorrent's default too). */
const MAX_QUEUED_REQUESTS = 500;
const CLIENT_NAME = 'Seedbank 0.1';
/** length (4) + id (1) + index (4) + begin (4). */
const PIECE_HEADER_BYTES = 13;
const PIECE_MESSAGE_ID = 7;
/** bittorrent-protocol's "PE with plaintext fallback" mode: answers MSE, prefers plaintext payload. */
const PE_WITH_PLAINTEXT = 1;

/** A volume as the seed server needs it: what it has, how to read a piece, its info dictionary. */
export interface ServedVolume {
  readonly infoHash: string;
  readonly pieceCount: number;
  pieceSize(index: number): number;
  has(index: number): boolean;
  /** True when every piece is had (then have-all is sent). */
  hasAll(): boolean;
  /** The bitfield to send (bit 0 is the high bit of byte 0). */
  bitfield(): Uint8Array;
  /** Reads `length` bytes of piece `index` from `offset`, from disk (into `target` when given). */
  readRange(index: number, offset: number, length: number, target?: Buffer): Promise<Buffer>;
  /** The bencoded info dictionary, for BEP 9. */
  readonly metadata: Buffer;
}

/** What a peer connection needs from the server. */
export interface PeerHost {
  readonly peerId: Buffer;
  /** The operator-proof extension (sb_operator) every connection carries, when the seeder has a key. */
  readonly operatorExtension?: unknown;
  /** The served volume whose SHA-1('req2' + info hash) is `hashHex` (MSE), or null. */
  byEncryptedHash(hashHex: string): ServedVolume | null;
  /** The block at once when its piece is in memory and no upload limit applies, else null. */
  blockNow(volume: ServedVolume, index: number, offset: number, length: number): Buffer | null;
  /** Reads a block through the cache and the upload limit. */
  block(volume: ServedVolume, index: number, offset: number, length: number): Promise<Buffer>;
  /** A block from blockNow/block has been written: its memory may be reused. */
  released(block: Uint8Array): void;
  /** The peer became interested; resolves true when it may be unchoked now. */
  wantsUnchoke(peer: SeedPeer): boolean;
  /** The peer lost interest or left: its upload slot is free. */
  freeSlot(peer: SeedPeer): void;
  /** The connection ended. */
  closed(peer: SeedPeer): void;
  /** A peer misbehaved; the reason is logged. */
  refused(peer: SeedPeer, reason: string): void;
}

interface WireLike {
  readonly _bufferSize: number;
  extendedHandshake: Record<string, unknown>;
  readonly _finished: boolean;
  readonly _encryptionMethod: number | null | undefined;
  uploaded: number;
  piece(index: number, offset: number, block: Uint8Array): void;
  emit(event: 'upload', bytes: number): boolean;
  readonly amChoking: boolean;
  readonly peerInterested: boolean;
  readonly hasFast: boolean;
  uploadSpeed(n?: number): number;
  use(ext: unknown): void;
  handshake(infoHash: string, peerId: Buffer, exts: { dht: boolean; fast: boolean }): void;
  bitfield(bits: Uint8Array): void;
  haveAll(): void;
  have(index: number): void;
  choke(): void;
  unchoke(): void;
  setKeepAlive(on: boolean): void;
  setInfoHash(infoHash: string): void;
  write(chunk: Buffer): boolean;
  pause(): void;
  resume(): void;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): void;
  once(event: string, listener: (...args: never[]) => void): void;
}

/** How a connection started. */
export interface PeerStart {
  /** We dialled the peer (we send the handshake first). */
  outgoing: boolean;
  /** The volume, when known from a plaintext handshake or because we dialled; null for MSE. */
  volume: ServedVolume | null;
}

export class SeedPeer {
  readonly wire: WireLike;
  /** The volume this connection is about (null until an encrypted peer says which). */
  volume: ServedVolume | null;
  /** Last time the peer showed interest or asked for something. */
  lastActive = Date.now();
  private ended = false;

  constructor(
    private readonly host: PeerHost,
    readonly socket: Socket,
    start: PeerStart,
  ) {
    const { outgoing } = start;
    this.volume = start.volume;
    const encrypted = start.volume === null;
    const WireCtor = Wire as unknown as new (type: string, peEnabled: number) => WireLike;
    this.wire = new WireCtor(outgoing ? 'tcpOutgoing' : 'tcpIncoming', encrypted ? PE_WITH_PLAINTEXT : 0);
    const guard = encrypted ? null : new FrameGuard({ pieceCount: start.volume!.pieceCount, maxBlockBytes: BLOCK_BYTES, maxTotalBytes: Infinity, keepExtended: true });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      if (guard) {
        const r = guard.filter(chunk);
        if (r.problem !== undefined) return this.end(r.problem);
        this.wire.write(r.pass);
      } else {
        this.wire.write(chunk);
        if (this.wire._bufferSize > MAX_BUFFERED_BYTES) this.end(`encrypted peer sent a message over ${MAX_BUFFERED_BYTES} bytes`);
      }
    });
    socket.on('error', () => this.end());
    socket.on('close', () => this.end());
    socket.on('end', () => this.end());
    this.wire.on('error', () => this.end());
    this.wire.on('close', () => this.end());
    this.forwardTo(socket);
    this.sendPiecesDirectly(socket);
    this.wire.once('crypto-infohash', (hashHex: string) => {
      const v = host.byEncryptedHash(hashHex);
      if (!v) return this.end('encrypted handshake for a volume not served here');
      this.volume = v;
      this.wire.setInfoHash(v.infoHash);
    });
    this.wire.once('handshake', (infoHash: string) => {
      const v = this.volume;
      if (!v || infoHash !== v.infoHash) return this.end(`handshake for ${infoHash}, expected ${v?.infoHash ?? 'a served volume'}`);
      if (!outgoing) {
        this.wire.use(utMetadata(v.metadata));
        if (host.operatorExtension) this.wire.use(host.operatorExtension);
        this.wire.handshake(v.infoHash, host.peerId, { dht: false, fast: true });
      }
      this.announceHaves(v);
    });
    this.wire.on('interested', () => {
      this.lastActive = Date.now();
      if (this.wire.amChoking && host.wantsUnchoke(this)) this.wire.unchoke();
    });
    this.wire.on('uninterested', () => {
      if (!this.wire.amChoking) this.wire.choke();
      host.freeSlot(this);
    });
    this.wire.on('request', (index: number, offset: number, length: number, respond: (err: Error | null, buf?: Buffer) => void) => {
      this.lastActive = Date.now();
      const v = this.volume;
      if (length <= 0 || length > MAX_REQUEST_BYTES) return this.end(`asked for a block of ${length} bytes (at most ${MAX_REQUEST_BYTES})`);
      if (!v || index >= v.pieceCount || !v.has(index) || offset < 0 || offset + length > v.pieceSize(index)) {
        return respond(new Error(`piece ${index} [${offset}, +${length}) is not here`));
      }
      // Answered in the same turn when possible, so a burst of requests leaves as one write.
      const now = host.blockNow(v, index, offset, length);
      if (now) return respond(null, now);
      host.block(v, index, offset, length).then((buf) => respond(null, buf), (err: Error) => respond(err));
    });
    this.wire.setKeepAlive(true);
    // BEP 10: how many requests we take in flight; without it clients assume a small queue.
    this.wire.extendedHandshake.reqq = MAX_QUEUED_REQUESTS;
    this.wire.extendedHandshake.v = CLIENT_NAME;
    if (outgoing && start.volume) {
      this.wire.use(utMetadata(start.volume.metadata));
      if (host.operatorExtension) this.wire.use(host.operatorExtension);
      this.wire.handshake(start.volume.infoHash, host.peerId, { dht: false, fast: true });
    }
  }

  /** True while the peer is unchoked (it holds an upload slot). */
  get unchoked(): boolean {
    return !this.wire.amChoking;
  }

  /** Unchokes a waiting peer the server found a slot for. */
  unchoke(): void {
    if (!this.ended && this.wire.amChoking && this.wire.peerInterested) this.wire.unchoke();
  }

  /** Closes the connection (once); `reason` names a misbehaviour. */
  end(reason?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (reason) this.host.refused(this, reason);
    this.wire.destroy();
    this.socket.destroy();
    this.host.freeSlot(this);
    this.host.closed(this);
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * The Wire's output to the socket. Instead of a pipe (one write system call per message),
   * writes within one turn of the event loop are corked and leave together: a burst of answered
   * block requests goes out in one writev. Backpressure pauses the Wire.
   */
  private forwardTo(socket: Socket): void {
    this.wire.on('data', (chunk: Buffer) => {
      if (socket.destroyed) return;
      this.corkUntilNextTick(socket);
      if (!socket.write(chunk)) {
        this.wire.pause();
        socket.once('drain', () => this.wire.resume());
      }
    });
  }

  /**
   * Block answers, the bulk of what a seed sends, skip the Wire's stream: a 13-byte header and
   * the block (a view into the cached piece, no copy) go to the socket as one corked write.
   * The Wire's own path stays for everything else and for RC4-encrypted payloads. Messages
   * leave whole either way, and a block only answers a request made after the peer saw our
   * unchoke, so nothing depends on their relative order.
   */
  private sendPiecesDirectly(socket: Socket): void {
    const wire = this.wire;
    const viaWire = wire.piece.bind(wire);
    const RC4 = 2;
    const host = this.host;
    wire.piece = (index, offset, block) => {
      if (wire._encryptionMethod === RC4) {
        viaWire(index, offset, block); // encrypted into a copy at once
        return host.released(block);
      }
      if (wire._finished || socket.destroyed) return host.released(block);
      const header = Buffer.allocUnsafe(PIECE_HEADER_BYTES);
      header.writeUInt32BE(PIECE_HEADER_BYTES - 4 + block.length, 0);
      header[4] = PIECE_MESSAGE_ID;
      header.writeUInt32BE(index, 5);
      header.writeUInt32BE(offset, 9);
      this.corkUntilNextTick(socket);
      socket.write(header);
      socket.write(block, () => host.released(block));
      wire.uploaded += block.length;
      wire.uploadSpeed(block.length);
      wire.emit('upload', block.length);
    };
  }

  private corked = false;

  /** Writes until the current turn ends leave together (one writev). */
  private corkUntilNextTick(socket: Socket): void {
    if (this.corked) return;
    this.corked = true;
    socket.cork();
    process.nextTick(() => {
      this.corked = false;
      socket.uncork();
    });
  }

  private announceHaves(v: ServedVolume): void {
    if (this.wire.hasFast && v.hasAll()) this.wire.haveAll();
    else this.wire.bitfield(v.bitfield());
  }
}
