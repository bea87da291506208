/**
 * The corner of webtorrent@2 the seeder uses, typed (the package ships no types), and the
 * one place a webtorrent client is created: always sealed off from discovery that reaches
 * beyond what the operator configured (no UPnP, NAT-PMP, local service discovery, DHT, uTP).
 * Declared as local interfaces, not an ambient `declare module`, so they cannot clash with
 * another part's declarations of the same package.
 */
// @ts-ignore -- untyped package; the interfaces below are what we rely on (node_modules/webtorrent/index.js).
import WebTorrentImpl from 'webtorrent';
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

/** A torrent in the client; underscored members are internals used deliberately (see volume.ts). */
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
  destroy(opts: { destroyStore: boolean }, cb: (err?: Error | null) => void): void;
  on(event: 'verified', listener: (index: number) => void): this;
  on(event: 'done' | 'ready', listener: () => void): this;
  on(event: 'warning' | 'error', listener: (err: Error | string) => void): this;
  on(event: 'wire', listener: (wire: WTWire, addr?: string) => void): this;
  once(event: 'ready' | 'done' | 'close' | 'metadata', listener: () => void): this;
  once(event: 'error', listener: (err: Error | string) => void): this;
  removeListener(event: string, listener: (...args: never[]) => void): this;
  _markVerified(index: number): void;
  _markUnverified(index: number): void;
  _checkDone(): boolean;
  _updateInterest(): void;
  _update(): void;
  _selections: { clear(): void; readonly length: number };
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
}

/** The client. */
export interface WTClient {
  /** Hex. */
  readonly peerId: string;
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
  /** TCP port for peers; 0 picks a free one. */
  torrentPort: number;
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
 * Hands an incoming connection to webtorrent as if its own listener had accepted it (the
 * seed server owns the peer port and passes on what it does not serve). Whatever the seed
 * server read of the handshake has been unshifted back onto the socket.
 */
export function passIncoming(client: WTClient, socket: Socket): void {
  const pool = (client as unknown as { _connPool?: { tcpServer?: { emit(event: 'connection', socket: Socket): void } | null } | null })._connPool;
  if (!pool?.tcpServer) return void socket.destroy();
  pool.tcpServer.emit('connection', socket);
}

/** Creates a client and resolves once it listens for peers. */
export async function createClient(o: ClientOptions): Promise<WTClient> {
  const Ctor = WebTorrentImpl as unknown as new (opts: Record<string, unknown>) => WTClient;
  const client = new Ctor({
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
  if (!client.listening) {
    await new Promise<void>((resolve, reject) => {
      client.once('listening', () => resolve());
      client.on('error', (err) => reject(err instanceof Error ? err : new Error(err)));
    });
  }
  return client;
}
