/**
 * The tracker's live swarms, written for the catalogue's announce rate: per info hash, the
 * peers that announced (keyed by their compact ip:port, see peer-address.ts), seeder and
 * leecher counts kept as announces come in, and completed downloads. A peer silent for longer
 * than the TTL stops counting: expired peers leave lazily (each swarm is pruned oldest first
 * whenever it is read or announced to) and by a periodic sweep. A swarm holds at most
 * `maxPeersPerSwarm` peers; past that the longest-silent one goes. One host (an IPv4 address or
 * an IPv6 /64) holds at most `peersPerAddress` of them, enough for an honest NAT: a new peer past
 * that replaces the host's own longest-silent peer, never another host's, so a flood from one
 * address churns only its own entries. "Seeders" shown to people are seeding hosts. Replies pick up to numwant
 * random peers, never the announcer (see swarm.ts for the layout that makes this cheap).
 * Pages, metrics and the census read it through {@link SwarmReader}; only the tracker announces.
 */
import { addressBytes } from './peer-address.ts';
import { hostOf, SeedingHostTally, Swarm, type PickedPeers, type StoredPeer } from './swarm.ts';
import { SeedbankError } from '../../../shared/errors.ts';

export type { StoredPeer } from './swarm.ts';

/** What an announce tells the tracker (HTTP `event`, BEP 15 event ids); `paused` counts as an update. */
export type TrackerEvent = 'started' | 'stopped' | 'completed' | 'update';

/** Live totals of one swarm. */
export interface SwarmTotals {
  complete: number;
  incomplete: number;
  /** Completed downloads announced since start (event=completed). */
  downloaded: number;
  /** Distinct hosts (IPv4 address or IPv6 /64) with a complete peer: the "seeders now" people see. */
  seedingHosts: number;
  /** Distinct hosts with peers, none complete. */
  leechingHosts: number;
}

/** One live peer as consumers see it. */
export interface LivePeer {
  ip: string;
  port: number;
  /** Holds the whole torrent (announced left=0). */
  complete: boolean;
}

/** The read side of the swarms, for pages, metrics, the census and the sampler. */
export interface SwarmReader {
  /** Totals of one swarm (hex info hash); zeros when nobody announced it. */
  counts(infoHash: string): SwarmTotals;
  /** Live peers of one swarm. */
  peers(infoHash: string): LivePeer[];
  /** Every swarm announced to since start (hex info hashes). */
  infoHashes(): string[];
  /** Distinct hosts seeding any swarm now (one address seeding ten volumes is one seeder). */
  seedingHostsOverall?(): number;
}

/** One announce, checked and resolved to a compact key by the caller. */
export interface PeerAnnounce {
  /** Hex. */
  infoHash: string;
  /** compactPeer(addressBytes(ip), port). */
  key: string;
  ip: string;
  port: number;
  /** latin1, 20 characters. */
  peerId: string;
  event: TrackerEvent;
  /** Bytes left; null when the client did not say. */
  left: number | null;
  numwant: number;
  /** Only return peers whose address has this many bytes (4 or 16): a UDP reply holds one family. */
  addressBytes?: 4 | 16;
  /** Also return the picked peers' records (for non-compact replies). */
  listPeers?: boolean;
}

/** An announce before the tracker resolved the client's address to its compact key. */
export type PeerRequest = Omit<PeerAnnounce, 'key'>;

/** The answer to an announce: totals after it, and the peers picked for the reply. */
export interface AnnounceAnswer extends SwarmTotals, PickedPeers {}

export interface SwarmStoreOptions {
  /** How long a peer counts after its last announce. */
  ttlMs: number;
  /** Peers remembered per swarm (default 20,000); the longest-silent one goes first. */
  maxPeersPerSwarm?: number;
  /** Peers one host may hold in a swarm (default {@link DEFAULT_PEERS_PER_ADDRESS}). */
  peersPerAddress?: number;
  /** How often every swarm is swept of expired peers (default a minute); 0: never (tests). */
  sweepIntervalMs?: number;
  now?: () => number;
}

/** Peers remembered per swarm; a large public swarm of one volume stays well below. */
const DEFAULT_MAX_PEERS_PER_SWARM = 20_000;
const DEFAULT_SWEEP_INTERVAL_MS = 60_000;
/** Peers per host per swarm: a household or office NAT with a few clients fits. */
export const DEFAULT_PEERS_PER_ADDRESS = 8;

const NO_ENTRIES = Buffer.alloc(0);

export class SwarmStore implements SwarmReader {
  private readonly swarms = new Map<string, Swarm>();
  private readonly seeding = new SeedingHostTally();
  /** When each host last announced anything, oldest first (re-inserted on each announce), for {@link seenRecently}. */
  private readonly hostsSeen = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxPeers: number;
  private readonly peersPerAddress: number;
  private readonly now: () => number;
  private readonly timer: NodeJS.Timeout | null;

  constructor(opts: SwarmStoreOptions) {
    if (!(opts.ttlMs > 0)) throw new SeedbankError('CONFIG_INVALID', `peer TTL must be a positive number of milliseconds, got ${opts.ttlMs}`);
    this.ttlMs = opts.ttlMs;
    this.maxPeers = opts.maxPeersPerSwarm ?? DEFAULT_MAX_PEERS_PER_SWARM;
    if (!(this.maxPeers >= 1)) throw new SeedbankError('CONFIG_INVALID', `peers per swarm must be at least 1, got ${this.maxPeers}`);
    this.peersPerAddress = opts.peersPerAddress ?? DEFAULT_PEERS_PER_ADDRESS;
    if (!(this.peersPerAddress >= 1)) throw new SeedbankError('CONFIG_INVALID', `peers per address must be at least 1, got ${this.peersPerAddress}`);
    this.now = opts.now ?? Date.now;
    const sweepMs = opts.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
    this.timer = sweepMs > 0 ? setInterval(() => this.sweep(), sweepMs) : null;
    this.timer?.unref();
  }

  /** Records an announce and picks the reply's peers. The caller has checked the info hash is tracked. */
  announce(a: PeerAnnounce): AnnounceAnswer {
    const now = this.now();
    const host = hostOf(a.key);
    this.hostsSeen.delete(host);
    this.hostsSeen.set(host, now);
    let s = this.swarms.get(a.infoHash);
    if (!s) this.swarms.set(a.infoHash, (s = new Swarm(this.seeding)));
    else this.expire(s, now);
    let peer = s.byKey.get(a.key);
    if (a.event === 'stopped') {
      if (peer) s.remove(peer);
      return { ...totals(s), peers4: NO_ENTRIES, peers6: NO_ENTRIES, peers: [] };
    }
    if (a.event === 'completed' && !peer?.complete) s.downloaded++;
    if (!peer) {
      const complete = a.left === 0 || (a.left === null && a.event === 'completed');
      peer = { key: a.key, ip: a.ip, port: a.port, peerId: a.peerId, complete, lastSeen: now, slot: -1 };
      const own = s.hosts.get(host);
      if (own && own.peers.length >= this.peersPerAddress) s.remove(longestSilent(own.peers));
      s.add(peer);
      if (s.byKey.size > this.maxPeers) s.remove(s.byKey.values().next().value!);
    } else {
      s.touch(peer, now);
      peer.peerId = a.peerId;
      s.setComplete(peer, a.left === null ? peer.complete || a.event === 'completed' : a.left === 0);
    }
    const picked = s.pick(peer, a.numwant, a.addressBytes, a.listPeers === true);
    return { ...totals(s), peers4: picked.peers4, peers6: picked.peers6, peers: picked.peers };
  }

  /** Distinct hosts seeding any swarm now. */
  seedingHostsOverall(): number {
    return this.seeding.hosts;
  }

  counts(infoHash: string): SwarmTotals {
    const s = this.live(infoHash);
    return s ? totals(s) : { complete: 0, incomplete: 0, downloaded: 0, seedingHosts: 0, leechingHosts: 0 };
  }

  peers(infoHash: string): LivePeer[] {
    return (this.live(infoHash)?.list ?? []).map((p) => ({ ip: p.ip, port: p.port, complete: p.complete }));
  }

  infoHashes(): string[] {
    return [...this.swarms.keys()];
  }

  /**
   * Whether a host (an IPv4 address, or the /64 of an IPv6 one) announced any swarm within the
   * peer TTL (two announce intervals): seeder reports count only for hosts the tracker sees.
   */
  seenRecently(ip: string): boolean {
    const host = hostKeyOf(ip);
    const at = host === null ? undefined : this.hostsSeen.get(host);
    return at !== undefined && at >= this.now() - this.ttlMs;
  }

  /** When a host (an IPv4 address, or the /64 of an IPv6 one) last announced anything, within the peer TTL; undefined otherwise. */
  seenAt(ip: string): number | undefined {
    const host = hostKeyOf(ip);
    return host === null ? undefined : this.hostsSeen.get(host);
  }

  /** Drops every expired peer of every swarm; returns how many went. */
  sweep(): number {
    const now = this.now();
    let n = 0;
    for (const s of this.swarms.values()) n += this.expire(s, now);
    for (const [host, at] of this.hostsSeen) {
      if (at >= now - this.ttlMs) break;
      this.hostsSeen.delete(host);
    }
    return n;
  }

  /** Stops the sweep timer. */
  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  private live(infoHash: string): Swarm | undefined {
    const s = this.swarms.get(infoHash);
    if (s) this.expire(s, this.now());
    return s;
  }

  private expire(s: Swarm, now: number): number {
    const oldest = now - this.ttlMs;
    let n = 0;
    for (const p of s.byKey.values()) {
      if (p.lastSeen >= oldest) break;
      s.remove(p);
      n++;
    }
    return n;
  }
}

/** The host key of an address (as announces are keyed: IPv4 address, IPv6 /64); null if it is not an IP address. */
export function hostKeyOf(ip: string): string | null {
  const bytes = addressBytes(ip);
  return bytes === null ? null : hostOf(bytes + '\0\0'); // hostOf reads a compact ip:port key: add a port
}

function totals(s: Swarm): SwarmTotals {
  return { complete: s.complete, incomplete: s.incomplete, downloaded: s.downloaded, seedingHosts: s.seedingHosts, leechingHosts: s.leechingHosts };
}

/** The peer heard from least recently (a host holds a handful, so a scan is cheapest). */
function longestSilent(peers: StoredPeer[]): StoredPeer {
  let oldest = peers[0]!;
  for (const p of peers) if (p.lastSeen < oldest.lastSeen) oldest = p;
  return oldest;
}
