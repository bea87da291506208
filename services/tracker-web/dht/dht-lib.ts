/**
 * The slice of bittorrent-dht the catalogue (and its tests) use, typed. The package ships no
 * types; declaring them here (not as an ambient module) keeps us from clashing with another
 * part's declarations of the same package.
 */
import { EventEmitter } from 'node:events';
// @ts-ignore -- untyped package; the interface below is what we rely on (see node_modules/bittorrent-dht/client.js).
import DhtImpl from 'bittorrent-dht';
import { verifyBytes } from '../../../shared/signing.ts';

/** A BEP 44 mutable item as the library takes it for put and returns it from get. */
export interface MutableItem {
  k: Buffer;
  salt: Buffer;
  seq: number;
  /** The value as a bencodable object: its encoding is what the signature covers. */
  v: unknown;
  sig: Buffer;
}

export interface DhtOptions {
  /** 'host:port' strings; false for a first node that bootstraps from nobody. Omitted: the library's public routers. */
  bootstrap?: string[] | false;
  /** BEP 44 signature check: (signature, signed bytes, public key) → valid. */
  verify?: (sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => boolean;
}

export interface DhtNode extends EventEmitter {
  ready: boolean;
  destroyed: boolean;
  nodes: { count(): number; toArray(): Array<{ host: string; port: number }> };
  listen(port: number, host: string, cb?: () => void): void;
  address(): { address: string; port: number };
  put(item: MutableItem, cb: (err: (Error & { code?: number | string }) | null, key: Buffer, nodes: number) => void): Buffer;
  get(key: Buffer | string, opts: { salt?: Buffer; verify?: DhtOptions['verify']; cache?: boolean }, cb: (err: Error | null, item: (MutableItem & { v: Record<string, Uint8Array> }) | null) => void): void;
  destroy(cb?: () => void): void;
}

/** BEP 44's ed25519 check with Node's crypto. */
export function ed25519Verify(sig: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  return verifyBytes(Buffer.from(publicKey).toString('hex'), message, sig);
}

/** Creates a DHT node (not yet listening). */
export function createDhtNode(opts: DhtOptions): DhtNode {
  const Ctor = DhtImpl as unknown as new (o: Record<string, unknown>) => DhtNode;
  const o: Record<string, unknown> = { verify: opts.verify ?? ed25519Verify };
  if (opts.bootstrap !== undefined) o.bootstrap = opts.bootstrap;
  return new Ctor(o);
}

/** Starts a node listening on host:port and resolves with its port once bound. */
export async function listenDht(node: DhtNode, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    node.once('error', reject);
    node.listen(port, host, () => {
      node.off('error', reject);
      resolve();
    });
  });
  return node.address().port;
}

/** Resolves when the node has finished bootstrapping. */
export async function dhtReady(node: DhtNode): Promise<void> {
  if (node.ready) return;
  await new Promise<void>((resolve) => node.once('ready', () => resolve()));
}
