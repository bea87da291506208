/**
 * The catalogue's BitTorrent tracker: bittorrent-tracker's Server with its own listeners off,
 * fed by our Express routes (HTTP announce and scrape) and our UDP socket on the same port.
 * It tracks only what the catalogue published (volumes and metadata torrents); any other info
 * hash gets a bencoded failure reason, and malformed requests a failure, never a crash.
 */
import type { Socket } from 'node:dgram';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../../../shared/log.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { createTrackerServer, type TrackerServer } from './tracker-lib.ts';
import { UdpGuard } from './udp-guard.ts';
import { installFastAnnounce } from './fast-announce.ts';

/** How often clients are told to re-announce: BitTorrent's customary 30 minutes. */
export const DEFAULT_ANNOUNCE_INTERVAL_MS = 30 * 60 * 1000;
/** Slack after two missed announces before a silent peer stops counting. */
const PEER_TTL_SLACK_MS = 5 * 60 * 1000;
/** Peers remembered per swarm; a large public swarm of one volume stays well below. */
const PEERS_PER_SWARM = 20_000;

/** Live counts of one swarm. */
export interface SwarmCounts {
  infoHash: string;
  complete: number;
  incomplete: number;
}

export interface CatalogueTrackerOptions {
  store: CatalogueStore;
  logger: Logger;
  announceIntervalMs?: number;
  /** Take the client address from X-Forwarded-For (only behind a reverse proxy you run). */
  trustProxy?: boolean;
  /** How long a peer counts after its last announce; default two intervals and five minutes. */
  peerTtlMs?: number;
}

export class CatalogueTracker {
  readonly server: TrackerServer;
  private readonly guard = new UdpGuard();
  private readonly logger: Logger;
  private readonly trustProxy: boolean;

  constructor(opts: CatalogueTrackerOptions) {
    this.logger = opts.logger;
    this.trustProxy = Boolean(opts.trustProxy);
    const interval = opts.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
    this.server = createTrackerServer({
      http: false,
      udp: false,
      ws: false,
      stats: false,
      interval,
      // The library's 20-minute default would drop peers that announce every 30 minutes.
      peersCacheTtl: opts.peerTtlMs ?? 2 * interval + PEER_TTL_SLACK_MS,
      peersCacheLength: PEERS_PER_SWARM,
      trustProxy: this.trustProxy,
      filter: (infoHash, _params, cb) => {
        if (opts.store.isTracked(infoHash)) cb(null);
        else cb(new Error(`torrent ${infoHash} is not in this catalogue`));
      },
    });
    installFastAnnounce(this.server as unknown as Parameters<typeof installFastAnnounce>[0]);
    // Client mistakes arrive as warnings; they must never become unhandled 'error' events.
    this.server.on('warning', (err) => this.logger.debug({ err: err.message }, 'tracker refused a request'));
    this.server.on('error', (err) => this.logger.warn({ err }, 'tracker error'));
    for (const event of ['start', 'complete', 'update', 'stop'] as const) {
      this.server.on(event, (addr, params) => {
        const infoHash = (params as { info_hash?: string }).info_hash;
        // The library emits these for refused announces too; only log the ones that counted.
        if (infoHash && this.server.torrents[infoHash]) this.logger.debug({ event, addr, infoHash }, 'announce');
      });
    }
  }

  /** Express handler for GET /announce (HTTP tracker protocol, bencoded replies). */
  announce(): RequestHandler {
    return (req, res) => {
      res.type('text/plain');
      this.server.onHttpRequest(req, res, { action: 'announce', trustProxy: this.trustProxy });
    };
  }

  /** Express handler for GET /scrape. */
  scrape(): RequestHandler {
    return (req, res) => {
      res.type('text/plain');
      this.server.onHttpRequest(req, res, { action: 'scrape', trustProxy: this.trustProxy });
    };
  }

  /**
   * Answers an HTTP announce or scrape straight from node:http, before Express: announces
   * are the catalogue's hottest path and Express's routing costs more than the answer.
   * Returns false for any other request.
   */
  handleRaw(req: IncomingMessage, res: ServerResponse): boolean {
    const path = req.url?.split('?', 1)[0];
    const action = path === '/announce' ? 'announce' : path === '/scrape' ? 'scrape' : null;
    if (!action || req.method !== 'GET') return false;
    res.setHeader('Content-Type', 'text/plain; charset=utf-8');
    this.server.onHttpRequest(req, res, { action, trustProxy: this.trustProxy });
    return true;
  }

  /** Serves the UDP tracker protocol (BEP 15) on a bound socket, guarded by real connection ids. */
  attachUdp(socket: Socket): void {
    const reply = this.guard.replySocket(socket);
    this.server.udp4 = reply;
    this.server.udp6 = reply;
    this.server.udp = reply;
    socket.on('message', (msg, rinfo) => {
      const packet = this.guard.inbound(msg, rinfo);
      if (packet) this.server.onUdpRequest(packet, rinfo);
    });
  }

  /** Live counts of one swarm (silent peers past their time dropped first), or zeros when nobody announced it. */
  counts(infoHash: string): SwarmCounts {
    const s = this.server.torrents[infoHash];
    // The library expires peers lazily, on access: touch each so the counts drop the silent ones.
    if (s) for (const key of s.peers.keys) s.peers.peek(key);
    return { infoHash, complete: s?.complete ?? 0, incomplete: s?.incomplete ?? 0 };
  }

  /** Live counts of every swarm with announces since start. */
  swarms(): SwarmCounts[] {
    return Object.keys(this.server.torrents).map((ih) => this.counts(ih));
  }

  /** Stops answering; the UDP socket belongs to the server and is closed there. */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
