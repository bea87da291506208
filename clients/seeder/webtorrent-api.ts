/**
 * The corner of webtorrent@2 the seeder uses, typed (the package ships no types), and the
 * one place a webtorrent client is created: always sealed off from discovery that reaches
 * beyond what the operator configured (no UPnP, NAT-PMP, local service discovery, DHT, uTP).
 * Declared as local interfaces, not an ambient `declare module`, so they cannot clash with
 * another part's declarations of the same package.
 *
 * Every webtorrent internal the seeder touches is reached only through the functions at the
 * end of this file and listed in WEBTORRENT_INTERNALS, which test/unit/webtorrent-internals
 * checks against a real client: webtorrent is pinned to an exact version in package.json, and
 * an upgrade that drops one of them fails that test by name instead of breaking a seeder.
 */
// @ts-ignore -- untyped package; the interfaces below are what we rely on (node_modules/webtorrent/index.js).
import WebTorrentImpl from 'webtorrent';
// @ts-ignore -- untyped module inside webtorrent; see node_modules/webtorrent/lib/webconn.js.
import WebConnImpl from 'webtorrent/lib/webconn.js';
import type { Socket } from 'node:net';
import { verifyBytes } from '../../shared/signing.ts';

/** The protocol connection to one peer (bittorrent-protocol's Wire). */
export interface WTWire {
  readonly type: string;
  readonly remoteAddress?: string;
  readonly destroyed: boolean;
  have(index: number): void;
  /** Adds a BEP 10 extension (before the handshake goes out). */
  use(ext: unknown): void;
  lt_donthave?: { donthave(index: number): void };
  downloadSpeed(): number;
  uploadSpeed(): number;
}

/** The bitfield webtorrent keeps (the `bitfield` package). */
export interface WTBitField {
  readonly buffer: Uint8Array;
  get(index: number): boolean;
}

/** One file of a torrent (webtorrent's public File). */
export interface WTFile {
  /** The path inside the torrent, the torrent's name first. */
  readonly path: string;
  readonly length: number;
  /** True once every piece covering the file is verified. */
  readonly done: boolean;
  /** Wants the file's pieces (a torrent added with `deselect: true` fetches only selected files). */
  select(priority?: number): void;
  once(event: 'done', listener: () => void): this;
}

/** A torrent in the client (public API only; the internals are behind the functions below). */
export interface WTTorrent {
  readonly infoHash: string;
  readonly ready: boolean;
  readonly done: boolean;
  readonly destroyed: boolean;
  readonly wires: WTWire[];
  readonly bitfield: WTBitField;
  readonly downloadSpeed: number;
  readonly uploadSpeed: number;
  /** Bytes received from peers and web seeds (including bad pieces). */
  readonly received: number;
  readonly uploaded: number;
  addPeer(addr: string): boolean;
  addWebSeed(conn: unknown): void;
  select(from: number, to: number, priority?: number): void;
  deselect(from: number, to: number): void;
  /** The .torrent bytes (once the info dictionary is known, e.g. fetched from peers). */
  readonly torrentFile?: Uint8Array;
  readonly numPeers: number;
  /** The files, once the info dictionary is known. */
  readonly files: WTFile[];
  destroy(opts: { destroyStore: boolean }, cb: (err?: Error | null) => void): void;
  on(event: 'verified', listener: (index: number) => void): this;
  on(event: 'done' | 'ready', listener: () => void): this;
  on(event: 'warning' | 'error', listener: (err: Error | string) => void): this;
  on(event: 'wire', listener: (wire: WTWire, addr?: string) => void): this;
  once(event: 'ready' | 'done' | 'close' | 'metadata', listener: () => void): this;
  once(event: 'error', listener: (err: Error | string) => void): this;
  removeListener(event: string, listener: (...args: never[]) => void): this;
}

/** A BEP 44 mutable item as bittorrent-dht returns it from `get`. */
export interface WTDhtItem {
  k?: Uint8Array;
  salt?: Uint8Array;
  seq?: number;
  v: unknown;
  sig?: Uint8Array;
}

/** The slice of the client's bittorrent-dht node the follower uses (BEP 44 get). */
export interface WTDht {
  get(target: Buffer, opts: { salt?: Buffer; cache?: boolean }, cb: (err: Error | null, item: WTDhtItem | null) => void): void;
  nodes: { count(): number };
  announce(infoHash: string, port: number, cb: (err?: Error | null) => void): void;
  address(): { address: string; port: number } | null;
  readonly listening: boolean;
  once(event: 'listening', listener: () => void): this;
}

/** The client. */
export interface WTClient {
  /** Hex. */
  readonly peerId: string;
  readonly destroyed: boolean;
  /** The port announced to the DHT and recognised as our own (set to the seed server's). */
  torrentPort: number;
  readonly listening: boolean;
  readonly torrents: WTTorrent[];
  readonly downloadSpeed: number;
  readonly uploadSpeed: number;
  /** The client's DHT node (bittorrent-dht), when the DHT is on. */
  readonly dht: WTDht | false | null;
  address(): { address: string; port: number } | null;
  get(infoHash: string): WTTorrent | null | Promise<WTTorrent | null>;
  add(torrent: Uint8Array | string, opts: Record<string, unknown>): WTTorrent;
  throttleDownload(bytesPerSecond: number): void;
  throttleUpload(bytesPerSecond: number): void;
  once(event: 'listening', listener: () => void): this;
  on(event: 'error' | 'warning', listener: (err: Error | string) => void): this;
  /** Emitted synchronously by add(), before any connection of the torrent. */
  on(event: 'add', listener: (torrent: WTTorrent) => void): this;
  destroy(cb?: (err?: Error | string | null) => void): void;
}

/** Options the seeder sets on its client. */
export interface ClientOptions {
  /** TCP port webtorrent's own listener takes (0: a free one); closed at once unless `listen` (see createClient). */
  torrentPort: number;
  /**
   * Keep webtorrent's own TCP listener open. The seeder does not: its seed server owns the
   * peer port and hands webtorrent the connections it does not serve, so a second port open
   * on every interface would only be a door nobody announced. Default false.
   */
  listen?: boolean;
  /** The 20-byte peer id (default: webtorrent's own random one). */
  peerId?: Uint8Array;
  /** Announce to the trackers named in each torrent. */
  trackers: boolean;
  /** Peer exchange (BEP 11) with connected peers. */
  pex: boolean;
  /** Bytes per second, or -1 for no limit. */
  downloadLimit: number;
  uploadLimit: number;
  /** Peer connections at most, over all torrents. */
  maxConns: number;
  /** The BitTorrent DHT (peers and BEP 44 pointers); false: off. Bootstrap omitted: the library's public routers. */
  dht: false | { bootstrap?: string[]; port?: number };
}

/** BEP 44's ed25519 signature check, with Node's crypto. */
function ed25519Check(sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyBytes(Buffer.from(publicKey).toString('hex'), message, sig);
}


/**
 * Creates a client and resolves once it is ready: its TCP listener up (and closed again unless
 * `listen`), its DHT socket bound when the DHT is on. Rejects when a port cannot be had (the
 * client is destroyed).
 */
export async function createClient(o: ClientOptions): Promise<WTClient> {
  const Ctor = WebTorrentImpl as unknown as new (opts: Record<string, unknown>) => WTClient;
  const client = new Ctor({
    ...(o.peerId ? { peerId: o.peerId } : {}),
    torrentPort: o.torrentPort,
    // BEP 44 gets must check signatures: bittorrent-dht takes the check as `verify`.
    dht: o.dht === false ? false : { verify: ed25519Check, ...(o.dht.bootstrap ? { bootstrap: o.dht.bootstrap } : {}) },
    ...(o.dht !== false && o.dht.port ? { dhtPort: o.dht.port } : {}),
    lsd: false,
    natUpnp: false,
    natPmp: false,
    utp: false,
    utPex: o.pex,
    tracker: o.trackers ? {} : false,
    // Web seeds are added by the seeder with its own connection (web-seed/web-seed-conn.ts).
    webSeeds: false,
    downloadLimit: o.downloadLimit,
    uploadLimit: o.uploadLimit,
    maxConns: o.maxConns,
  });
  const failed = new Promise<never>((_resolve, reject) => client.on('error', (err) => reject(err instanceof Error ? err : new Error(err))));
  failed.catch(() => undefined);
  const ready: Promise<void>[] = [];
  if (!client.listening) ready.push(new Promise<void>((resolve) => client.once('listening', () => resolve())));
  const dht = client.dht;
  if (dht && !dht.listening) ready.push(new Promise<void>((resolve) => dht.once('listening', () => resolve())));
  try {
    await Promise.race([Promise.all(ready), failed]);
  } catch (err) {
    await new Promise<void>((resolve) => (client.destroyed ? resolve() : client.destroy(() => resolve())));
    throw err;
  }
  if (!o.listen) closeOwnListener(client);
  return client;
}

// ---- webtorrent internals, each used on purpose and each checked by test/unit/webtorrent-internals.test.ts ----

/** torrent-piece's Piece, what webtorrent keeps per missing piece: blocks of 16 KiB handed out by reserve(), filled by set(). */
interface PieceInternals {
  readonly length: number;
  /** Bytes of the piece not yet received. */
  readonly missing: number;
  /** The next block to request (a cancelled one first), or -1. */
  reserve(): number;
  /** Gives a reserved block back, to be handed out again. */
  cancel(block: number): void;
  /** Stores a block; true once every block is there (the caller then flushes and hashes). */
  set(block: number, data: Uint8Array, source: unknown): boolean;
}

/** The torrent internals used (lib/torrent.js): the ones its own rescanFiles() and load() use, and its pieces. */
interface TorrentInternals {
  _markVerified(index: number): void;
  _markUnverified(index: number): void;
  _checkDone(): boolean;
  /** One Piece per piece not verified, null for the others (lib/torrent.js `pieces`). */
  pieces: Array<PieceInternals | null>;
}

/** The client internal used (index.js, lib/conn-pool.js): the TCP listener webtorrent accepts peers on. */
interface ClientInternals {
  _connPool?: { tcpServer?: { emit(event: 'connection', socket: Socket): boolean; address(): unknown; close(): unknown } | null } | null;
}

/** One internal, what it is for, and how to tell it is still there. */
export interface WebtorrentInternal {
  readonly name: string;
  readonly why: string;
  /** True when `client` (listening) and `torrent` (ready) still have it in the shape used here. */
  present(client: WTClient, torrent: WTTorrent): boolean;
}

const isFunction = (v: unknown, arity: number) => typeof v === 'function' && (v as (...a: unknown[]) => unknown).length === arity;

/** Every webtorrent internal the seeder relies on. */
export const WEBTORRENT_INTERNALS: readonly WebtorrentInternal[] = [
  {
    name: 'Torrent#_markVerified(index)',
    why: 'trust a piece the seeder hashed itself (another volume wrote the same file) without re-reading it',
    present: (_c, t) => isFunction((t as unknown as TorrentInternals)._markVerified, 1),
  },
  {
    name: 'Torrent#_markUnverified(index)',
    why: 'forget a piece a scrub found bad, or one verified but never written (full disk), so it is fetched again',
    present: (_c, t) => isFunction((t as unknown as TorrentInternals)._markUnverified, 1),
  },
  {
    name: 'Torrent#_checkDone()',
    why: "recompute 'done' after pieces were marked verified or unverified from outside",
    present: (_c, t) => isFunction((t as unknown as TorrentInternals)._checkDone, 0),
  },
  {
    name: 'Torrent#pieces[i]: torrent-piece Piece with length, missing, reserve(), cancel(block), set(block, data, source)',
    why: "mark a piece's BEP 47 pad blocks as received zeros so they are not requested from peers (presetZeroTail)",
    present: (_c, t) => {
      const pieces = (t as unknown as TorrentInternals).pieces;
      const p = Array.isArray(pieces) ? pieces.find((x) => x) : undefined;
      return !!p && typeof p.length === 'number' && typeof p.missing === 'number' && isFunction(p.reserve, 0) && isFunction(p.cancel, 1) && isFunction(p.set, 3);
    },
  },
  {
    name: 'WebTorrent#_connPool.tcpServer',
    why: 'hand webtorrent the incoming connections the seed server (which owns the peer port) does not serve, and close its own listener',
    present: (c) => {
      const server = (c as unknown as ClientInternals)._connPool?.tcpServer;
      return !!server && typeof server.emit === 'function' && typeof server.address === 'function' && typeof server.close === 'function';
    },
  },
  {
    name: "webtorrent/lib/webconn.js default export WebConn(url, torrent) with httpRequest(index, offset, length, cb)",
    why: "the seeder's web seed connection subclasses it and replaces its request logic (web-seed/web-seed-conn.ts)",
    present: () => typeof WebConnImpl === 'function' && isFunction((WebConnImpl as { prototype: { httpRequest?: unknown } }).prototype.httpRequest, 4),
  },
];

/** webtorrent's web seed connection class, to subclass (see WEBTORRENT_INTERNALS). */
export const WebConnBase = WebConnImpl as unknown as new (url: string, torrent: unknown) => { destroyed: boolean; destroy(): void };

/** Marks a piece verified without hashing it (the caller hashed it); emits 'verified'. */
export function markVerified(t: WTTorrent, index: number): void {
  (t as unknown as TorrentInternals)._markVerified(index);
}

/** Marks a piece missing so it is downloaded again (webtorrent selects it unless the torrent started deselected). */
export function markUnverified(t: WTTorrent, index: number): void {
  (t as unknown as TorrentInternals)._markUnverified(index);
}

/** The block size webtorrent requests pieces in (torrent-piece's BLOCK_LENGTH). */
export const WIRE_BLOCK_BYTES = 16 * 1024;
/** Zeros for preset blocks: torrent-piece keeps a view of what it is given and never writes into it, so one serves every piece. */
const ZERO_BLOCK = new Uint8Array(WIRE_BLOCK_BYTES);

/**
 * Marks the blocks of missing piece `index` that lie wholly at or after byte `fromByte` of the
 * piece as received zeros, so webtorrent requests only the blocks before them and hashes the
 * piece with these zeros once those arrive: the tail of a piece that a BEP 47 pad fills, which
 * webtorrent (knowing nothing of pads) would otherwise fetch from peers. Only an untouched piece
 * is changed (nothing reserved or received yet, and at least one block left to fetch), so a
 * piece already in flight, or verified, is left as it is; a piece that fails its hash is
 * replaced by webtorrent and then fetched whole. Returns the bytes preset (0 when nothing was).
 */
export function presetZeroTail(t: WTTorrent, index: number, fromByte: number): number {
  const piece = (t as unknown as TorrentInternals).pieces[index];
  if (!piece || t.bitfield.get(index) || piece.missing !== piece.length) return 0;
  const blocks = Math.ceil(piece.length / WIRE_BLOCK_BYTES);
  const firstZero = Math.ceil(fromByte / WIRE_BLOCK_BYTES);
  if (firstZero < 1 || firstZero >= blocks) return 0;
  // Reserve every block, keep the zero ones, give the others back lowest last (reserve() hands back the last given first).
  const taken: number[] = [];
  for (let b = piece.reserve(); b !== -1; b = piece.reserve()) taken.push(b);
  const untouched = taken.length === blocks;
  const give = untouched ? taken.filter((b) => b < firstZero) : taken;
  for (const b of give.sort((x, y) => y - x)) piece.cancel(b);
  if (!untouched) return 0;
  let preset = 0;
  for (let b = firstZero; b < blocks; b++) {
    const len = Math.min(WIRE_BLOCK_BYTES, piece.length - b * WIRE_BLOCK_BYTES);
    piece.set(b, ZERO_BLOCK.subarray(0, len), null);
    preset += len;
  }
  return preset;
}

/** Recomputes whether the torrent is done (emits 'done' when it just became so). */
export function checkDone(t: WTTorrent): boolean {
  return (t as unknown as TorrentInternals)._checkDone();
}

/**
 * Stops webtorrent's own listener from accepting (its port is closed); its connection handler
 * stays, so passIncoming still works. webtorrent 2.8 has no option to not listen at all.
 */
function closeOwnListener(client: WTClient): void {
  (client as unknown as ClientInternals)._connPool?.tcpServer?.close();
}

/**
 * Hands an incoming connection to webtorrent as if its own listener had accepted it (the
 * seed server owns the peer port and passes on what it does not serve). Whatever the seed
 * server read of the handshake has been unshifted back onto the socket.
 */
export function passIncoming(client: WTClient, socket: Socket): void {
  const server = (client as unknown as ClientInternals)._connPool?.tcpServer;
  if (!server) return void socket.destroy();
  server.emit('connection', socket);
}
