/**
 * Keeps each set's latest signed pointer in the DHT (BEP 44 mutable item, BEP 46 layout), so
 * seeders can follow a set while the catalogue is down. The catalogue holds no private key:
 * it re-puts the builder's signature from pointer.json. DHT nodes forget items after a couple
 * of hours, hence the periodic re-put.
 */
import type { Logger } from '../../../shared/log.ts';
import type { SetPointer } from '../../../shared/formats/pointer.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { createDhtNode, dhtReady, listenDht, type DhtNode } from './dht-lib.ts';

/** BEP 44 items expire after about two hours; re-putting hourly keeps them alive. */
export const DEFAULT_REPUT_INTERVAL_MS = 60 * 60 * 1000;
/** After a failed put (no nodes yet, all timed out) try again this soon. */
const DEFAULT_RETRY_MS = 30_000;
/** KRPC error a node returns when it already holds this seq: the item is there. */
const KRPC_SEQ_NOT_NEWER = 302;

export interface PointerPublisherOptions {
  store: CatalogueStore;
  logger: Logger;
  /** 'host:port' bootstrap nodes; undefined: the library's public routers. */
  bootstrap?: string[];
  host: string;
  /** UDP port of the DHT node (0: any free port). */
  port?: number;
  reputIntervalMs?: number;
  retryMs?: number;
}

/** The outcome of the latest put of a set's pointer. */
export interface PutStatus {
  seq: number;
  at: number;
  ok: boolean;
  nodes: number;
  error?: string;
}

export class PointerPublisher {
  private node: DhtNode | null = null;
  private reputTimer: NodeJS.Timeout | null = null;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  readonly status = new Map<string, PutStatus>();

  constructor(private readonly opts: PointerPublisherOptions) {}

  /** Starts the DHT node; puts every set's pointer once it has bootstrapped, then on a timer. */
  async start(): Promise<number> {
    const node = createDhtNode({ bootstrap: this.opts.bootstrap });
    this.node = node;
    node.on('warning', (err: Error) => this.opts.logger.debug({ err }, 'dht warning'));
    node.on('error', (err: Error) => this.opts.logger.warn({ err }, 'dht error'));
    const port = await listenDht(node, this.opts.port ?? 0, this.opts.host);
    this.opts.logger.info({ port, bootstrap: this.opts.bootstrap ?? 'default routers' }, 'DHT node listening');
    void dhtReady(node).then(() => {
      if (node.destroyed) return;
      this.opts.logger.info({ nodes: node.nodes.count() }, 'DHT bootstrapped');
      this.putAll();
    });
    this.reputTimer = setInterval(() => this.putAll(), this.opts.reputIntervalMs ?? DEFAULT_REPUT_INTERVAL_MS);
    this.reputTimer.unref();
    return port;
  }

  /** The DHT node's UDP address. */
  address(): { address: string; port: number } | null {
    return this.node && !this.node.destroyed ? this.node.address() : null;
  }

  /** Puts every set's latest pointer. */
  putAll(): void {
    // The kept set list has no pointers (records.ts LatestVersionSummary): read each from its version.
    for (const set of this.opts.store.listSets()) {
      const latest = set.latest && this.opts.store.getVersion(set.id, set.latest.version);
      if (latest) this.put(latest.pointer);
    }
  }

  /** Puts one set's latest pointer now (after a publish); queued until the node has bootstrapped. */
  announce(setId: string): void {
    const latest = this.opts.store.getVersion(setId, this.opts.store.latestVersion(setId));
    if (latest && this.node?.ready) this.put(latest.pointer);
  }

  private put(p: SetPointer): void {
    const node = this.node;
    if (!node || node.destroyed) return;
    const item = { k: Buffer.from(p.k, 'hex'), salt: Buffer.from(p.salt, 'utf8'), seq: p.seq, v: { ih: Buffer.from(p.ih, 'hex') }, sig: Buffer.from(p.sig, 'hex') };
    const log = this.opts.logger.child({ set: p.salt, seq: p.seq });
    try {
      node.put(item, (err, _key, nodes) => {
        const stored = !err || err.code === KRPC_SEQ_NOT_NEWER;
        this.status.set(p.salt, { seq: p.seq, at: Date.now(), ok: stored, nodes, error: stored ? undefined : err?.message });
        if (stored) log.info({ nodes }, 'pointer put into the DHT');
        else {
          log.warn({ err }, 'pointer put failed; retrying');
          this.retry(p);
        }
      });
    } catch (err) {
      log.warn({ err }, 'pointer put refused by the DHT library');
    }
  }

  private retry(p: SetPointer): void {
    const t = setTimeout(() => {
      this.retryTimers.delete(t);
      // Only the set's latest pointer is worth retrying; a newer publish supersedes this one.
      if (this.opts.store.latestVersion(p.salt) === p.seq) this.put(p);
    }, this.opts.retryMs ?? DEFAULT_RETRY_MS);
    t.unref();
    this.retryTimers.add(t);
  }

  /** Stops the timers and the DHT node. */
  async close(): Promise<void> {
    if (this.reputTimer) clearInterval(this.reputTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    const node = this.node;
    this.node = null;
    if (node) await new Promise<void>((resolve) => node.destroy(() => resolve()));
  }
}
