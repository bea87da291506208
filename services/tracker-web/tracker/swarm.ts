/**
 * One swarm's peers, laid out for fast replies. Besides the peer records (a Map in expiry
 * order, and a list for random access), every peer's compact entry (6 bytes IPv4, 18 IPv6)
 * lives at its slot in one contiguous buffer, so picking 50 random peers and copying their
 * entries touches one small buffer instead of 50 scattered objects: on a busy tracker those
 * cache misses were most of the announce's cost. Slots are kept dense (a removal moves the last
 * peer into the hole) and random picks use Floyd's algorithm, which changes nothing in place.
 * Peers are also grouped by host (see hostOf), so one address cannot pass for many seeders: the
 * swarm counts seeding hosts, and the store caps and replaces peers per host.
 */

/** A peer as a swarm stores it. */
export interface StoredPeer {
  /** Compact form: address bytes and port bytes as latin1 (6 bytes IPv4, 18 IPv6); also the key. */
  readonly key: string;
  readonly ip: string;
  readonly port: number;
  /** The 20-byte peer id as latin1 (for non-compact replies). */
  peerId: string;
  complete: boolean;
  lastSeen: number;
  /** Index in the swarm's list and entry buffer. */
  slot: number;
}

/** One host's peers in a swarm (a NAT may hold several clients). */
export interface HostPeers {
  readonly peers: StoredPeer[];
  /** How many of them hold the whole torrent. */
  complete: number;
}

/** IPv6 bytes that name a host: its /64, the block one machine or one home is given. */
const IPV6_HOST_BYTES = 8;
const PORT_BYTES = 2;

/**
 * The host a compact key belongs to: the IPv4 address, or the IPv6 /64 (latin1 bytes). Counting
 * and capping by host, not by ip:port, is what stops one machine from posing as a crowd.
 */
export function hostOf(key: string): string {
  const address = key.length - PORT_BYTES;
  return address === 4 ? key.slice(0, 4) : key.slice(0, IPV6_HOST_BYTES);
}

/** Peers picked for a reply: their compact entries by address family, and (when asked) the records. */
export interface PickedPeers {
  /** BEP 23 entries, 6 bytes each. */
  peers4: Buffer;
  /** BEP 7 entries, 18 bytes each. */
  peers6: Buffer;
  /** The picked peers themselves, only when asked for (non-compact replies); empty otherwise. */
  peers: StoredPeer[];
}

/** Bytes per slot in the entry buffer: room for an IPv6 entry. */
const STRIDE = 18;
const V4_ENTRY = 6;
const INITIAL_SLOTS = 8;
/** The most peers one reply can hold. */
const MAX_PICKS = 256;

const picked = new Int32Array(MAX_PICKS);
let candidates = new Int32Array(64);

/** Counts, across every swarm of a store, the hosts seeding at least one of them. */
export class SeedingHostTally {
  private readonly swarmsSeeded = new Map<string, number>();

  /** Hosts seeding any swarm now. */
  get hosts(): number {
    return this.swarmsSeeded.size;
  }

  /** A host started seeding one more swarm. */
  add(host: string): void {
    this.swarmsSeeded.set(host, (this.swarmsSeeded.get(host) ?? 0) + 1);
  }

  /** A host stopped seeding one swarm. */
  remove(host: string): void {
    const n = (this.swarmsSeeded.get(host) ?? 0) - 1;
    if (n > 0) this.swarmsSeeded.set(host, n);
    else this.swarmsSeeded.delete(host);
  }
}

export class Swarm {
  constructor(private readonly tally?: SeedingHostTally) {}

  complete = 0;
  incomplete = 0;
  downloaded = 0;
  /** Hosts with at least one complete peer. */
  seedingHosts = 0;
  /** Peers by host (hostOf their key). */
  readonly hosts = new Map<string, HostPeers>();
  /** Longest-silent first: an announce moves its peer to the end (see touch). */
  readonly byKey = new Map<string, StoredPeer>();
  /** The same peers by slot. */
  readonly list: StoredPeer[] = [];
  private entries = Buffer.alloc(STRIDE * INITIAL_SLOTS);
  private lengths = new Uint8Array(INITIAL_SLOTS);
  /** Floyd's "already picked" marks, by index; a pick is one generation. */
  private marks = new Uint32Array(INITIAL_SLOTS);
  private generation = 0;

  add(p: StoredPeer): void {
    const slot = this.list.length;
    if (slot === this.lengths.length) this.grow();
    p.slot = slot;
    this.list.push(p);
    this.byKey.set(p.key, p);
    this.entries.write(p.key, slot * STRIDE, 'latin1');
    this.lengths[slot] = p.key.length;
    if (p.complete) this.complete++;
    else this.incomplete++;
    const host = hostOf(p.key);
    let h = this.hosts.get(host);
    if (!h) this.hosts.set(host, (h = { peers: [], complete: 0 }));
    h.peers.push(p);
    if (p.complete && h.complete++ === 0) this.hostStartsSeeding(host);
  }

  private hostStartsSeeding(host: string): void {
    this.seedingHosts++;
    this.tally?.add(host);
  }

  private hostStopsSeeding(host: string): void {
    this.seedingHosts--;
    this.tally?.remove(host);
  }

  remove(p: StoredPeer): void {
    this.byKey.delete(p.key);
    const lastSlot = this.list.length - 1;
    const last = this.list.pop()!;
    if (last !== p) {
      this.list[p.slot] = last;
      last.slot = p.slot;
      this.entries.copy(this.entries, p.slot * STRIDE, lastSlot * STRIDE, lastSlot * STRIDE + STRIDE);
      this.lengths[p.slot] = this.lengths[lastSlot]!;
    }
    if (p.complete) this.complete--;
    else this.incomplete--;
    const host = hostOf(p.key);
    const h = this.hosts.get(host)!;
    h.peers.splice(h.peers.indexOf(p), 1);
    if (p.complete && --h.complete === 0) this.hostStopsSeeding(host);
    if (h.peers.length === 0) this.hosts.delete(host);
  }

  /** Hosts with peers but none complete. */
  get leechingHosts(): number {
    return this.hosts.size - this.seedingHosts;
  }

  /** Marks a peer as just heard from: it moves to the newest end of the expiry order. */
  touch(p: StoredPeer, now: number): void {
    this.byKey.delete(p.key);
    this.byKey.set(p.key, p);
    p.lastSeen = now;
  }

  setComplete(p: StoredPeer, complete: boolean): void {
    if (complete === p.complete) return;
    p.complete = complete;
    this.complete += complete ? 1 : -1;
    this.incomplete += complete ? -1 : 1;
    const host = hostOf(p.key);
    const h = this.hosts.get(host)!;
    if (complete && h.complete++ === 0) this.hostStartsSeeding(host);
    if (!complete && --h.complete === 0) this.hostStopsSeeding(host);
  }

  /** Up to `numwant` random peers other than `self`, only of one address family when `addressBytes` is given. */
  pick(self: StoredPeer, numwant: number, addressBytes: 4 | 16 | undefined, withPeers: boolean): PickedPeers {
    const n = this.list.length;
    const want = Math.min(numwant, MAX_PICKS);
    let count = 0;
    if (want > 0 && n > 1) {
      if (addressBytes !== undefined) {
        const m = this.candidates(self.slot, addressBytes + 2);
        count = m <= want ? copyAll(candidates, m) : this.sample(m, want, candidates);
      } else if (n - 1 <= want) {
        for (let i = 0; i < n; i++) if (i !== self.slot) picked[count++] = i;
      } else {
        count = this.sample(n - 1, want, null);
        for (let i = 0; i < count; i++) if (picked[i]! >= self.slot) picked[i] = picked[i]! + 1; // skip self's slot
      }
    }
    return this.collect(count, withPeers);
  }

  /** Floyd's algorithm: `k` distinct random indices below `n` into `picked` (mapped through `from` when given). */
  private sample(n: number, k: number, from: Int32Array | null): number {
    if (++this.generation > 0xffffffff) {
      this.marks.fill(0);
      this.generation = 1;
    }
    const g = this.generation;
    let count = 0;
    for (let j = n - k; j < n; j++) {
      let t = Math.floor(Math.random() * (j + 1));
      if (this.marks[t] === g) t = j;
      this.marks[t] = g;
      picked[count++] = from ? from[t]! : t;
    }
    return count;
  }

  /** Slots (other than self's) whose entry has this length, into `candidates`. */
  private candidates(selfSlot: number, entryLength: number): number {
    if (candidates.length < this.list.length) candidates = new Int32Array(this.lengths.length);
    let m = 0;
    for (let i = 0; i < this.list.length; i++) if (i !== selfSlot && this.lengths[i] === entryLength) candidates[m++] = i;
    return m;
  }

  private collect(count: number, withPeers: boolean): PickedPeers {
    let n4 = 0;
    for (let i = 0; i < count; i++) if (this.lengths[picked[i]!] === V4_ENTRY) n4++;
    const peers4 = Buffer.allocUnsafe(n4 * V4_ENTRY);
    const peers6 = Buffer.allocUnsafe((count - n4) * STRIDE);
    const e = this.entries;
    let o4 = 0;
    let o6 = 0;
    for (let i = 0; i < count; i++) {
      const at = picked[i]! * STRIDE;
      if (this.lengths[picked[i]!] === V4_ENTRY) {
        for (let b = 0; b < V4_ENTRY; b++) peers4[o4++] = e[at + b]!;
      } else {
        for (let b = 0; b < STRIDE; b++) peers6[o6++] = e[at + b]!;
      }
    }
    const peers = withPeers ? Array.from(picked.subarray(0, count), (slot) => this.list[slot]!) : [];
    return { peers4, peers6, peers };
  }

  private grow(): void {
    const slots = this.lengths.length * 2;
    const entries = Buffer.alloc(slots * STRIDE);
    this.entries.copy(entries);
    this.entries = entries;
    const lengths = new Uint8Array(slots);
    lengths.set(this.lengths);
    this.lengths = lengths;
    const marks = new Uint32Array(slots);
    marks.set(this.marks);
    this.marks = marks;
  }
}

function copyAll(from: Int32Array, m: number): number {
  picked.set(from.subarray(0, m));
  return m;
}
