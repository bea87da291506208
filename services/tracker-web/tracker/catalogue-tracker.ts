/**
 * The catalogue's BitTorrent tracker: HTTP announce and scrape answered straight from
 * node:http (ahead of Express, which costs more than the answer), and the UDP protocol on the
 * same port through the UdpGuard, both from one SwarmStore. It tracks only what the catalogue
 * published (volumes and metadata torrents): the set of tracked info hashes is loaded from the
 * store in the background after start (`loadTracked`; a scan of every volume key held a 10M-file
 * catalogue's start 0.2 s warm, 2.7–8 s with the store's pages cold) and kept current by the
 * store's publish hook, so an announce costs no database read once it is loaded; until then an
 * info hash not yet in the set is looked up in the store (one point read). Any other info hash gets a bencoded failure reason, and a malformed request a
 * failure, never a crash.
 */
import type { Socket } from 'node:dgram';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../../../shared/log.ts';
import type { CatalogueStore, TrackedCursor } from '../store/catalogue-store.ts';
import { parseAnnounceQuery, parseScrapeQuery, type QueryFailure } from './announce-query.ts';
import { compactAnnounceReply, dictAnnounceReply, failureReply, scrapeReply } from './http-replies.ts';
import { AnnounceLimiter } from './announce-limiter.ts';
import { addressBytes, compactPeer, normalizeIp } from './peer-address.ts';
import { hostOf } from './swarm.ts';
import { SwarmStore, type AnnounceAnswer, type PeerRequest, type SwarmTotals } from './swarm-store.ts';
import { UdpGuard } from './udp-guard.ts';
import { InfoHashSet } from './info-hash-set.ts';
import { udpAnswer } from './udp-tracker.ts';

/** How often clients are told to re-announce: BitTorrent's customary 30 minutes. */
export const DEFAULT_ANNOUNCE_INTERVAL_MS = 30 * 60 * 1000;
/** Slack after two missed announces before a silent peer stops counting. */
const PEER_TTL_SLACK_MS = 5 * 60 * 1000;
/** Info hashes the background load reads per event-loop turn (a few ms of reads). */
const TRACKED_SLICE = 4_000;

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
  /** Take the client address from the last X-Forwarded-For entry, the one your reverse proxy appended (only behind one you run). */
  trustProxy?: boolean;
  /** How long a peer counts after its last announce; default two intervals and five minutes. */
  peerTtlMs?: number;
  /** Peers one host (IPv4 address, IPv6 /64) may hold per swarm; default 8. */
  peersPerAddress?: number;
  /** Announces one host may send per minute (also its burst); 0: no limit; default 600. */
  announcesPerMinute?: number;
}

export class CatalogueTracker {
  /** The live swarms; pages, metrics and the census read them (as a SwarmReader). */
  readonly swarmStore: SwarmStore;
  /** The re-announce interval told to clients, in seconds. */
  readonly intervalS: number;
  /** Every tracked info hash (info-hash-set.ts: 20-byte keys in one buffer, no object per hash). */
  private readonly tracked = new InfoHashSet();
  /** True once every stored info hash is in `tracked`: a miss is then an answer. */
  private trackedLoaded = false;
  private readonly store: CatalogueStore;
  private readonly stopTracking: () => void;
  private readonly guard = new UdpGuard();
  private readonly logger: Logger;
  private readonly trustProxy: boolean;
  private readonly limiter: AnnounceLimiter;
  private closed = false;

  constructor(opts: CatalogueTrackerOptions) {
    this.logger = opts.logger;
    this.trustProxy = Boolean(opts.trustProxy);
    const interval = opts.announceIntervalMs ?? DEFAULT_ANNOUNCE_INTERVAL_MS;
    this.intervalS = Math.ceil(interval / 1000);
    this.swarmStore = new SwarmStore({ ttlMs: opts.peerTtlMs ?? 2 * interval + PEER_TTL_SLACK_MS, peersPerAddress: opts.peersPerAddress });
    this.limiter = new AnnounceLimiter({ perMinute: opts.announcesPerMinute });
    this.store = opts.store;
    this.stopTracking = opts.store.onTracked((infoHashes) => {
      for (const ih of infoHashes) this.tracked.add(ih);
    });
  }

  /**
   * Loads every tracked info hash from the store, a slice per event-loop turn so the tracker and
   * pages answer meanwhile; resolves when done or when `signal` aborts.
   */
  async loadTracked(signal?: AbortSignal): Promise<void> {
    let cursor: TrackedCursor | null = { table: 'volumes' };
    while (cursor && !signal?.aborted && !this.closed) {
      const slice = this.store.trackedSlice(cursor, TRACKED_SLICE);
      for (const ih of slice.infoHashes) this.tracked.add(ih);
      cursor = slice.next;
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!cursor) this.trackedLoaded = true;
  }

  /** Whether the catalogue published this info hash (a volume or a metadata torrent). */
  private isTracked(infoHash: string): boolean {
    if (this.tracked.has(infoHash)) return true;
    if (this.trackedLoaded || !this.store.isTracked(infoHash)) return false;
    this.tracked.add(infoHash);
    return true;
  }

  /** Express handler for GET /announce (the same answer as handleRaw gives). */
  announce(): RequestHandler {
    return (req, res) => this.answerHttp(req, res, 'announce');
  }

  /** Records one announce (HTTP or UDP) of a tracked torrent; a failure for anything else. */
  announcePeer(r: PeerRequest): AnnounceAnswer | QueryFailure {
    if (!this.isTracked(r.infoHash)) return { failure: `torrent ${r.infoHash} is not in this catalogue` };
    const address = addressBytes(r.ip);
    if (address === null) return { failure: `cannot record the peer: "${r.ip}" is not an IP address (check the proxy's X-Forwarded-For)` };
    const key = compactPeer(address, r.port);
    const waitMs = this.limiter.take(hostOf(key));
    if (waitMs > 0) return { failure: `too many announces from ${r.ip}; wait ${Math.ceil(waitMs / 1000)} s and announce again` };
    return this.swarmStore.announce({ ...r, key });
  }

  /** Express handler for GET /scrape. */
  scrape(): RequestHandler {
    return (req, res) => this.answerHttp(req, res, 'scrape');
  }

  /**
   * Answers an HTTP announce or scrape straight from node:http, before Express: announces
   * are the catalogue's hottest path. Returns false for any other request.
   */
  handleRaw(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== 'GET') return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/announce') this.answerHttp(req, res, 'announce');
    else if (path === '/scrape') this.answerHttp(req, res, 'scrape');
    else return false;
    return true;
  }

  /** Serves the UDP tracker protocol (BEP 15) on a bound socket, guarded by real connection ids. */
  attachUdp(socket: Socket): void {
    const reply = this.guard.replySocket(socket);
    socket.on('message', (msg, rinfo) => {
      if (this.closed) return;
      const packet = this.guard.inbound(msg, rinfo);
      if (!packet) return;
      try {
        const out = udpAnswer(packet, rinfo, this);
        if (out) reply.send(out, 0, out.length, rinfo.port, rinfo.address);
      } catch (err) {
        this.logger.warn({ err, from: rinfo.address }, 'UDP tracker request failed');
      }
    });
  }

  /** Totals of a tracked torrent's swarm; zeros for anything else (UDP scrape). */
  counts(infoHash: string): SwarmCounts & SwarmTotals {
    return { infoHash, ...this.swarmStore.counts(infoHash) };
  }

  /** Live counts of every swarm with announces since start, in hosts (what the history plots as seeders). */
  swarms(): SwarmCounts[] {
    return this.swarmStore.infoHashes().map((ih) => {
      const c = this.swarmStore.counts(ih);
      return { infoHash: ih, complete: c.seedingHosts, incomplete: c.leechingHosts };
    });
  }

  /** Announces refused by the per-host rate limit since start. */
  get announcesRefused(): number {
    return this.limiter.refused;
  }

  /** Stops answering; the UDP socket belongs to the server and is closed there. */
  async close(): Promise<void> {
    this.closed = true;
    this.stopTracking();
    this.swarmStore.close();
  }

  private answerHttp(req: IncomingMessage, res: ServerResponse, action: 'announce' | 'scrape'): void {
    let body: Buffer;
    try {
      body = this.closed ? failureReply('the tracker is shutting down; announce again later') : action === 'announce' ? this.httpAnnounce(req) : this.httpScrape(req);
    } catch (err) {
      this.logger.warn({ err, url: req.url }, 'tracker request failed');
      body = failureReply('internal tracker error; try again later');
    }
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': body.length });
    res.end(body);
  }

  private httpAnnounce(req: IncomingMessage): Buffer {
    const q = parseAnnounceQuery(queryOf(req.url));
    if ('failure' in q) return this.refuse(q.failure);
    const ip = this.clientIp(req);
    if (ip === null) return this.refuse('cannot tell your address (the connection closed?)');
    const answer = this.announcePeer({ infoHash: q.infoHash, peerId: q.peerId, port: q.port, left: q.left, event: q.event, numwant: q.numwant, ip, listPeers: !q.compact });
    if ('failure' in answer) return this.refuse(answer.failure);
    return q.compact ? compactAnnounceReply(answer, this.intervalS) : dictAnnounceReply(answer, this.intervalS);
  }

  /** A scrape of the named torrents, or (as bittorrent-tracker did) of every swarm when none is named. */
  private httpScrape(req: IncomingMessage): Buffer {
    const asked = parseScrapeQuery(queryOf(req.url));
    if ('failure' in asked) return this.refuse(asked.failure);
    const files = new Map<string, SwarmTotals>();
    for (const ih of asked.length > 0 ? asked : this.swarmStore.infoHashes()) files.set(Buffer.from(ih, 'hex').toString('latin1'), this.swarmStore.counts(ih));
    return scrapeReply(files, this.intervalS);
  }

  private refuse(reason: string): Buffer {
    this.logger.debug({ reason }, 'tracker refused a request');
    return failureReply(reason);
  }

  private clientIp(req: IncomingMessage): string | null {
    const forwarded = this.trustProxy ? req.headers['x-forwarded-for'] : undefined;
    // The last entry is the one our proxy appended; anything left of it the client may have written.
    const ip = typeof forwarded === 'string' ? forwarded.slice(forwarded.lastIndexOf(',') + 1).trim() : req.socket.remoteAddress;
    return ip ? normalizeIp(ip) : null;
  }
}

function queryOf(url: string | undefined): string {
  const q = url?.indexOf('?') ?? -1;
  return q < 0 ? '' : url!.slice(q + 1);
}
