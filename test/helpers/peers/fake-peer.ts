/**
 * Scriptable BitTorrent peers for census tests and benchmarks: a `net` server on loopback that
 * speaks the peer protocol with bittorrent-protocol and serves pieces from a buffer, honestly or
 * in one of the ways a broken or hostile peer might misbehave.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import Wire from 'bittorrent-protocol';

export type FakeBehaviour =
  /** Bitfield (or have-all with `fast`), unchoke on interest, serve the right bytes. */
  | 'honest'
  /** Handshakes with a different info hash. */
  | 'wrong-info-hash'
  /** Sends a bitfield of the wrong length. */
  | 'garbage-bitfield'
  /** Sends a bitfield with the spare bits after the last piece set. */
  | 'spare-bits'
  /** Announces a piece past the end of the torrent. */
  | 'have-beyond'
  /** No bitfield; announces its pieces one `have` at a time. */
  | 'haves-only'
  /** Claims pieces but never unchokes. */
  | 'never-unchoke'
  /** Answers requests with blocks one byte short. */
  | 'wrong-block'
  /** Answers requests with the right lengths but altered bytes. */
  | 'corrupt-block'
  /** Accepts requests and never answers them. */
  | 'stall-blocks'
  /** Announces a 2 GiB message after the handshake. */
  | 'huge-message'
  /** Honest, after a BEP 10 handshake whose bencode (`l-3:e`) hangs bencode@4's decoder. */
  | 'poison-extended'
  /** Accepts the TCP connection and never says a word. */
  | 'silent'
  /** Answers like an HTTP server. */
  | 'not-bittorrent';

export interface FakePeerOptions {
  infoHash: string;
  pieceLength: number;
  /** The torrent's content: all files concatenated. */
  data: Buffer;
  behaviour?: FakeBehaviour;
  /** Which pieces the peer claims and serves; default all. */
  claims?: (piece: number) => boolean;
  /** Offer the BEP 6 fast extension (a complete peer then sends have-all). */
  fast?: boolean;
  /** With `fast`: pieces offered as allowed-fast (served even while choking), after the claims. */
  allowedFast?: number[];
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** Called for each accepted connection, before anything is read. */
  onConnection?: () => void;
}

export interface FakePeer {
  host: string;
  port: number;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Resolves once no connection is open (the other side closed them all). */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Requests for larger blocks than this are refused by every common client. */
const MAX_REQUEST_BYTES = 128 * 1024;
/** A length prefix of 2^31 - 1 followed by a `piece` id. */
const HUGE_MESSAGE = Buffer.from([0x7f, 0xff, 0xff, 0xff, 7]);
/** Extended message (id 20), extension 0 (the handshake), payload `l-3:e`. */
const POISON_EXTENDED = Buffer.concat([Buffer.from([0, 0, 0, 7, 20, 0]), Buffer.from('l-3:e')]);

/** Starts one fake peer; resolves when it listens. */
export async function startFakePeer(opts: FakePeerOptions): Promise<FakePeer> {
  const behaviour = opts.behaviour ?? 'honest';
  const pieceCount = Math.ceil(opts.data.length / opts.pieceLength);
  const claims = opts.claims ?? (() => true);
  const bitfield = Buffer.alloc(Math.ceil(pieceCount / 8));
  for (let i = 0; i < pieceCount; i++) if (claims(i)) bitfield[i >> 3]! |= 0x80 >> (i & 7);
  const complete = Array.from({ length: pieceCount }, (_, i) => claims(i)).every(Boolean);
  const peerId = Buffer.concat([Buffer.from('-FK0001-'), randomBytes(12)]);
  const sockets = new Set<net.Socket>();
  let connections = 0;
  let idleWaiters: Array<() => void> = [];

  const onConnection = (socket: net.Socket) => {
    connections++;
    opts.onConnection?.();
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('close', () => {
      sockets.delete(socket);
      if (sockets.size > 0) return;
      for (const wake of idleWaiters) wake();
      idleWaiters = [];
    });
    socket.on('error', () => socket.destroy());
    if (behaviour === 'silent') return;
    if (behaviour === 'not-bittorrent') {
      socket.end('HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const wire = new Wire('tcpIncoming');
    /** Raw bytes to send right after the Wire's next output (i.e. after our handshake). */
    let raw: Buffer | null = null;
    socket.on('data', (chunk: Buffer) => wire.write(chunk));
    wire.on('data', (chunk) => {
      if (socket.destroyed) return;
      socket.write(chunk);
      if (raw) socket.write(raw);
      raw = null;
    });
    wire.on('error', () => socket.destroy());
    socket.on('close', () => wire.destroy());

    wire.on('handshake', (infoHash) => {
      if (infoHash !== opts.infoHash.toLowerCase()) return socket.destroy();
      const answer = behaviour === 'wrong-info-hash' ? randomBytes(20).toString('hex') : infoHash;
      wire.handshake(answer, peerId, { fast: !!opts.fast });
      sendClaims(wire, (bytes) => { raw = bytes; });
      if (opts.fast) for (const piece of opts.allowedFast ?? []) wire.allowedFast(piece);
    });
    wire.on('interested', () => {
      if (behaviour !== 'never-unchoke') wire.unchoke();
    });
    wire.on('request', (index, offset, length, respond) => {
      const start = index * opts.pieceLength + offset;
      const pieceEnd = Math.min((index + 1) * opts.pieceLength, opts.data.length);
      if (index >= pieceCount || !claims(index) || length > MAX_REQUEST_BYTES || start + length > pieceEnd) return socket.destroy();
      if (behaviour === 'stall-blocks') return;
      const block = Buffer.from(opts.data.subarray(start, start + length));
      if (behaviour === 'wrong-block') return respond(null, block.subarray(0, length - 1));
      if (behaviour === 'corrupt-block') block[0]! ^= 0xff;
      respond(null, block);
    });
  };

  const sendClaims = (wire: Wire, sendRaw: (bytes: Buffer) => void) => {
    switch (behaviour) {
      case 'garbage-bitfield':
        return wire.bitfield(randomBytes(bitfield.length + 3));
      case 'spare-bits':
        return wire.bitfield(Buffer.alloc(bitfield.length, 0xff));
      case 'have-beyond':
        return wire.have(pieceCount + 5);
      case 'haves-only':
        for (let i = 0; i < pieceCount; i++) if (claims(i)) wire.have(i);
        return;
      case 'huge-message':
        // Around the Wire, which would frame it properly, but after its handshake.
        return sendRaw(HUGE_MESSAGE);
      case 'poison-extended':
        sendRaw(POISON_EXTENDED);
        return wire.bitfield(bitfield);
      default:
        if (opts.fast && complete) wire.haveAll();
        else wire.bitfield(bitfield);
    }
  };

  const server = net.createServer(onConnection);
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host,
    port,
    get connections() {
      return connections;
    },
    idle: () => (sockets.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => idleWaiters.push(resolve))),
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
