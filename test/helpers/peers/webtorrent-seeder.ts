/**
 * A real webtorrent@2 seeder for census tests and benchmarks, sealed off from the network:
 * no DHT, LSD, UPnP/NAT-PMP, uTP, trackers or web seeds. webtorrent cannot bind to one address
 * (it listens on every interface), so distinct "hosts" are reached by dialling it on different
 * loopback addresses (127.0.0.2, 127.0.0.3, ...), which all arrive at the same listener.
 */

/** The corner of webtorrent's API used here; the package ships no types. */
interface WebTorrentTorrent {
  readonly ready: boolean;
  readonly progress: number;
  readonly numPeers: number;
  once(event: 'ready', listener: () => void): void;
  once(event: 'error', listener: (err: Error | string) => void): void;
}

interface WebTorrentClient {
  readonly listening: boolean;
  address(): { address: string; port: number } | null;
  add(torrent: Uint8Array, opts: Record<string, unknown>): WebTorrentTorrent;
  once(event: 'listening', listener: () => void): void;
  on(event: 'error', listener: (err: Error | string) => void): void;
  destroy(cb?: (err?: Error | string | null) => void): void;
}

type WebTorrentConstructor = new (opts: Record<string, unknown>) => WebTorrentClient;

/** Verifying a few MiB of existing data and opening the listener takes well under this. */
const SEEDER_READY_TIMEOUT_MS = 30_000;
const CLOSE_TIMEOUT_MS = 10_000;

export interface Seeder {
  /** The TCP port webtorrent listens on (every interface). */
  port: number;
  /** Fraction of the torrent the seeder verified on disk at start (1 for a full copy). */
  progress: number;
  close(): Promise<void>;
}

export interface SeederOptions {
  /** The .torrent bytes. */
  torrent: Uint8Array;
  /** The folder holding the torrent's `commons/` folder. */
  dir: string;
}

async function loadWebTorrent(): Promise<WebTorrentConstructor> {
  // A computed specifier keeps tsc from looking for declarations webtorrent does not ship,
  // without adding a global `declare module` that could clash with another module's.
  const specifier: string = 'webtorrent';
  const mod = (await import(specifier)) as { default: WebTorrentConstructor };
  return mod.default;
}

function withTimeout<T>(what: string, ms: number, start: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    start((v) => { clearTimeout(timer); resolve(v); }, (e) => { clearTimeout(timer); reject(e); });
  });
}

/** Starts a seeder for the torrent over the files already in `dir`; resolves once it listens and has verified them. */
export async function startSeeder(opts: SeederOptions): Promise<Seeder> {
  const WebTorrent = await loadWebTorrent();
  const client = new WebTorrent({
    dht: false, lsd: false, natUpnp: false, natPmp: false, utp: false, utPex: false, tracker: false, webSeeds: false,
  });
  const close = () => withTimeout<void>('closing the webtorrent seeder', CLOSE_TIMEOUT_MS, (resolve) => client.destroy(() => resolve()));
  try {
    const torrent = client.add(opts.torrent, {
      path: opts.dir,
      announce: [],
      // No piece cache: pieces read while verifying at start would otherwise be served from
      // memory, and a test that alters a file after start must see the altered bytes served.
      storeCacheSlots: 0,
    });
    await withTimeout<void>('webtorrent seeder start', SEEDER_READY_TIMEOUT_MS, (resolve, reject) => {
      const check = () => {
        if (torrent.ready && client.listening) resolve();
      };
      client.on('error', (e) => reject(e instanceof Error ? e : new Error(e)));
      torrent.once('error', (e) => reject(e instanceof Error ? e : new Error(e)));
      torrent.once('ready', check);
      client.once('listening', check);
      check();
    });
    const address = client.address();
    if (!address) throw new Error('webtorrent seeder has no listening address');
    return { port: address.port, progress: torrent.progress, close };
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
}
