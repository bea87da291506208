import type { Logger } from '../../../shared/log.ts';
import { HostBackoff, keepsVerdict, normalizeHost, runCensus, withDoubleClaims, type CensusJob, type PeerAuditResult, type PeerAddress, type SupersededPair } from '../census/index.ts';
import { supersessionIndex } from '../feeds/supersession.ts';
import { DEFAULT_VERIFIED_CACHE_BYTES, VerifiedPieces } from '../census/verified-pieces.ts';
import { VerdictTable, type RestoredVerdict } from '../census/verdict-table.ts';
import type { CensusOptions, CensusResult } from '../census/index.ts';
import { LeasePool, type Lease } from '../census-work/lease-pool.ts';
import { runLeasedRound } from '../census-work/leased-round.ts';
import { DEFAULT_PRESENCE_WINDOW_MS } from './presence.ts';
import { dedupe, piecesOf } from './census-job-parts.ts';
import { parseVolumeTorrent } from '../../../shared/torrent/index.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import type { SwarmReader } from '../tracker/swarm-store.ts';

/** How often the census audits every known peer of every volume. */
export const DEFAULT_CENSUS_INTERVAL_MS = 15 * 60 * 1000; // 15 minutes
/** An audit older than this no longer makes a copy (the peer may have left without a word). */
export const DEFAULT_COPY_MAX_AGE_MS = 6 * 3600 * 1000; // 6 hours
/** A round stops starting audits after this; what it did not reach goes first next round. */
export const DEFAULT_CENSUS_ROUND_BUDGET_MS = 10 * 60 * 1000; // 10 minutes, under the 15 min interval

/** One census round's figures, for logs, metrics and the network page. */
export interface CensusRound {
  startedAt: number;
  ms: number;
  peers: number;
  reachable: number;
  passed: number;
  failed: number;
  /** Peers not audited this round (host backed off, or the round's budget ran out): first in line next round. */
  carried: number;
  /** Hosts backed off after this round (their audits kept timing out); each still gets one probe a round. */
  backedOffHosts: number;
  /** When the oldest verdict among the peers known this round was given (ms since the epoch); null if none has one. */
  oldestVerdictAt: number | null;
  /** Known peers that have never had a verdict (new, unreachable, or always cut short). */
  withoutVerdict: number;
  /** Verdicts from one block compared with a verified piece, and from a whole piece against its hash. */
  blockChecks: number;
  pieceChecks: number;
  /** Bytes the round's audits read from peers (protocol included): what the census cost the network. */
  bytesIn: number;
  /** With census workers: volumes each taker audited this round ("catalogue" is the catalogue's own census). */
  volumesBy?: Record<string, number>;
  /** With census workers: leases that expired unfinished this round (their volumes went to another taker). */
  leasesExpired?: number;
}

/** What the catalogue tells about its census (JSON at /api/census). */
export interface CensusStatus {
  running: boolean;
  lastRound: CensusRound | null;
  /** Age of the oldest verdict among known peers: past `copyMaxAgeMs`, some copy counts have expired. */
  oldestVerdictAgeMs: number | null;
  copyMaxAgeMs: number;
}

/** The peers a tracker swarm knows, as addresses the census can dial. */
export function swarmPeers(swarms: SwarmReader, infoHash: string): PeerAddress[] {
  return swarms.peers(infoHash).map((p) => ({ host: p.ip, port: p.port }));
}

/**
 * Runs the census on a schedule: every peer the tracker knows for every published volume is
 * audited (one random piece fetched and hashed), the latest result per peer is kept in
 * memory for the copy index and written to the store, so a restart keeps what was seen.
 */
export class CensusRunner {
  /** The standing verdict per (volume, peer), compact: what memory grows with (census/verdict-table.ts). */
  private readonly latest = new VerdictTable();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<CensusRound> | null = null;
  private readonly controller = new AbortController();
  /** Hosts whose audits time out, across rounds. */
  private readonly backoff = new HostBackoff();
  lastRound: CensusRound | null = null;
  /** Verified pieces kept across rounds, for block challenges. */
  private readonly verified: VerifiedPieces | null;
  /** The round's work in leases, when census workers are on. */
  readonly pool: LeasePool | null;
  /** How long an idle worker waits before asking for work again. */
  get idleRetryMs(): number | undefined {
    return this.o.workers?.idleRetryMs;
  }

  /** When the census last reached each host (any audit that connected), by normalized host. */
  private readonly lastReached = new Map<string, number>();

  /** The round running now, which verdicts from workers add to. */
  private current: CensusRound | null = null;
  /** Called after every round, for caches that depend on copies. */
  onRound: ((round: CensusRound) => void) | null = null;

  constructor(
    private readonly o: {
      store: CatalogueStore;
      swarms: SwarmReader;
      logger: Logger;
      intervalMs?: number;
      concurrency?: number;
      timeoutMs?: number;
      /** Round budget; default 10 minutes. */
      roundBudgetMs?: number;
      /** Copy age limit, for the order of audits (volumes under their target first); default 6 h. */
      maxAgeMs?: number;
      /** Extra peers to audit beside the tracker's (seeders found in the DHT, operators' lists). */
      extraPeers?: (infoHash: string) => PeerAddress[];
      /** Bytes per second all audits together may download; default 0, no cap. */
      maxBytesPerSecond?: number;
      /** Bytes of verified pieces kept for block challenges; 0 audits whole pieces only. Default 64 MiB. */
      verifiedCacheBytes?: number;
      /** Hand census work to workers on other machines too (leases over the API); default off. */
      workers?: { leaseTtlMs?: number; leaseVolumes?: number; idleRetryMs?: number } | null;
      /** When the tracker last saw this host (IPv4 address or IPv6 /64) announce anything; see presence.ts. */
      seenAt?: (host: string) => number | undefined;
      /** A host's copies count only while it was seen (announce or census contact) this recently; default DEFAULT_PRESENCE_WINDOW_MS. */
      presenceWindowMs?: number;
      /** The clock (tests). */
      now?: () => number;
      /** Called with every verdict recorded and who reached it (observability and tests). */
      onVerdict?: (result: PeerAuditResult, taker: string) => void;
      /** Leave the restore from the store to the caller ({@link restoreFromStore}), to order it among its own start-up reads; default: restored here. */
      deferRestore?: boolean;
    },
  ) {
    const cacheBytes = o.verifiedCacheBytes ?? DEFAULT_VERIFIED_CACHE_BYTES;
    this.verified = cacheBytes > 0 ? new VerifiedPieces(cacheBytes) : null;
    this.pool = o.workers ? new LeasePool({ ttlMs: o.workers.leaseTtlMs }) : null;
    if (!o.deferRestore) this.restoreFromStore();
  }

  /** Starts the schedule (first round right away). */
  start(): void {
    if (this.timer) return;
    const tick = () => void this.runOnce().catch((err: unknown) => this.o.logger.warn({ err }, 'census round failed'));
    this.timer = setInterval(tick, this.o.intervalMs ?? DEFAULT_CENSUS_INTERVAL_MS);
    this.timer.unref();
    tick();
  }

  /** Stops the schedule and cuts a running round short. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.controller.abort(new Error('catalogue closing'));
    await this.running?.catch(() => undefined);
  }

  /** The census's state for /api/census and /metrics: the last round, and how old the oldest verdict is now. */
  status(now = Date.now()): CensusStatus {
    const r = this.lastRound;
    return {
      running: this.running !== null,
      lastRound: r,
      oldestVerdictAgeMs: r?.oldestVerdictAt == null ? null : Math.max(0, now - r.oldestVerdictAt),
      copyMaxAgeMs: this.o.maxAgeMs ?? DEFAULT_COPY_MAX_AGE_MS,
    };
  }

  /**
   * Whether a host was seen lately: the tracker saw it announce, or the census reached it,
   * within the presence window. A host that went silent stops counting then, not 6 h after
   * its last audit (presence.ts).
   */
  present(host: string, now = (this.o.now ?? Date.now)()): boolean {
    const key = normalizeHost(host);
    const seen = Math.max(this.lastReached.get(key) ?? 0, this.o.seenAt?.(host) ?? 0);
    return seen >= now - (this.o.presenceWindowMs ?? DEFAULT_PRESENCE_WINDOW_MS);
  }

  /** The latest audit of each peer of a volume whose host is present: what copy counts are made of. */
  countedResults(infoHash: string, now = (this.o.now ?? Date.now)()): PeerAuditResult[] {
    return this.results(infoHash).filter((r) => this.present(r.host, now));
  }

  /**
   * A signature of what a volume's copy figures read from the census now (passing verdicts within
   * `maxAgeMs` of hosts present), made without results: the copy index walks a set again only when it changed.
   */
  holderSignature(infoHash: string, now: number, maxAgeMs: number): number {
    return this.latest.passingSignature(infoHash, (host, at) => now - at <= maxAgeMs && this.present(host, now));
  }

  /** The volumes with at least one standing verdict (what the copy figures' holders come from), and how many. */
  auditedVolumes(): { count: number; infoHashes: IterableIterator<string> } {
    return { count: this.latest.size, infoHashes: this.latest.volumeKeys() };
  }

  /** The latest audit of each peer of a volume. */
  results(infoHash: string): PeerAuditResult[] {
    return this.latest.results(infoHash);
  }

  /**
   * Whether an audit passed at or after `sinceMs` (and within the copy age limit) for a peer of
   * the volume at this address or proving this operator key: what keeps a seeder's claim alive.
   */
  confirms(infoHash: string, address: string, operatorKey: string, sinceMs: number, now = Date.now()): boolean {
    const oldest = Math.max(sinceMs, now - (this.o.maxAgeMs ?? DEFAULT_COPY_MAX_AGE_MS));
    const host = normalizeHost(address);
    for (const r of this.latest.passing(infoHash)) {
      if (r.at < oldest) continue;
      if (r.operatorKey === operatorKey || normalizeHost(r.host) === host) return true;
    }
    return false;
  }

  /** Runs one round now (or joins the one running). */
  runOnce(): Promise<CensusRound> {
    this.running ??= this.round().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async round(): Promise<CensusRound> {
    const startedAt = Date.now();
    const maxAgeMs = this.o.maxAgeMs ?? DEFAULT_COPY_MAX_AGE_MS;
    let jobs: CensusJob[] = [];
    const pairs: SupersededPair[] = [];
    for (const set of this.o.store.listSets()) {
      if (set.latest) pairs.push(...this.supersededPairs(set.id, set.latest.version));
      for (const v of set.latest?.volumes ?? []) {
        const peers = this.peersOf(v);
        // The volume record has what an audit needs; no torrent is parsed (or kept) for it.
        const vol = this.o.store.getVolume(v);
        if (!vol || peers.length === 0) continue;
        const torrent = this.o.store.volumeTorrent(v);
        if (!torrent) continue;
        jobs.push({
          target: { infoHash: v, pieceLength: vol.pieceLength, totalBytes: vol.size, pieces: piecesOf(torrent) },
          peers,
          margin: this.verifiedHosts(v, startedAt - maxAgeMs) - set.copyTarget,
        });
      }
    }
    // A host claiming a superseded volume and its successor is audited on the files they disagree on.
    jobs = withDoubleClaims(jobs, pairs, (ih) => this.peersOf(ih));
    const round: CensusRound = {
      startedAt, ms: 0, peers: 0, reachable: 0, passed: 0, failed: 0, carried: 0, backedOffHosts: 0, oldestVerdictAt: null, withoutVerdict: 0,
      blockChecks: 0, pieceChecks: 0, bytesIn: 0,
    };
    this.current = round;
    const options: CensusOptions = {
      concurrency: this.o.concurrency,
      timeoutMs: this.o.timeoutMs,
      roundBudgetMs: this.o.roundBudgetMs ?? DEFAULT_CENSUS_ROUND_BUDGET_MS,
      backoff: this.backoff,
      staleAfterMs: maxAgeMs / 2,
      lastVerdictAt: (ih, p) => this.verdictAt(ih, p),
      signal: this.controller.signal,
      maxBytesPerSecond: this.o.maxBytesPerSecond,
      verified: this.verified ?? undefined,
      mayChallengeBlock: (ih, p) => this.latest.passed(ih, p.host, p.port),
      onResult: (r) => this.count(round, r, 'catalogue'),
    };
    let results: CensusResult[];
    try {
      if (this.pool) {
        const leased = await runLeasedRound(this.pool, jobs, options, { leaseVolumes: this.o.workers?.leaseVolumes, leaseTtlMs: this.o.workers?.leaseTtlMs, signal: this.controller.signal });
        results = leased.results;
        round.volumesBy = leased.volumesBy;
        round.leasesExpired = leased.leasesExpired;
      } else results = await runCensus(jobs, options);
    } finally {
      this.current = null;
    }
    round.carried = results.filter((r) => r.carried).length;
    round.backedOffHosts = this.backoff.size;
    for (const job of jobs) {
      for (const p of job.peers) {
        const at = this.verdictAt(job.target.infoHash, p);
        if (at === undefined) round.withoutVerdict++;
        else round.oldestVerdictAt = Math.min(round.oldestVerdictAt ?? at, at);
      }
    }
    round.ms = Date.now() - startedAt;
    this.lastRound = round;
    this.o.logger.info(round, 'census round done');
    jobs.length = 0; // the piece hashes go with the round
    this.onRound?.(round);
    return round;
  }

  /** Adds one verdict to the round's figures and the census's results. */
  private count(round: CensusRound, r: PeerAuditResult, taker: string): void {
    round.peers++;
    round.bytesIn += r.traffic?.in ?? 0;
    if (r.audited?.check === 'block') round.blockChecks++;
    else if (r.audited) round.pieceChecks++;
    if (r.reachable) round.reachable++;
    if (r.audited?.ok) round.passed++;
    if (r.audited && !r.audited.ok) round.failed++;
    this.record(r);
    this.o.onVerdict?.(r, taker);
  }

  /** Verdicts a census worker reached on a live lease of the running round. */
  acceptVerdicts(lease: Lease, results: PeerAuditResult[]): void {
    const round = this.current;
    if (!round || !this.pool || lease.round !== this.pool.round) return;
    for (const r of results) this.count(round, r, lease.taker);
  }

  /** Verdicts reached outside a round, kept and stored as a round's are (the bench's simulated round; then `onRound`). */
  takeVerdicts(results: readonly PeerAuditResult[]): void {
    for (const r of results) this.record(r);
  }

  private record(r: PeerAuditResult): void {
    if (r.reachable) this.noteReached(r.host, r.at);
    const previous = this.latest.get(r.infoHash, r.host, r.port);
    // An audit that reaches no verdict for a reason that says nothing of the data (lost packet,
    // a client's choker that did not come round) leaves the last verdict to age out.
    if (keepsVerdict(previous, r)) return;
    this.latest.set(r);
    void this.o.store.observations
      .put(r.infoHash, r.host, r.port, {
        lastSeen: r.reachable ? r.at : (previous?.at ?? 0),
        complete: r.complete,
        havePieces: r.havePieces,
        auditedAt: r.audited ? r.at : null,
        auditOk: r.audited ? r.audited.ok : null,
        reason: r.error,
        bitfield: r.bitfield ?? undefined,
        ...(r.operatorKey ? { operatorKey: r.operatorKey } : {}),
      })
      .catch((err: unknown) => this.o.logger.warn({ err }, 'could not store a census observation'));
  }

  /** Every peer known for a volume: the tracker's and the extra ones. */
  private peersOf(infoHash: string): PeerAddress[] {
    return dedupe([...swarmPeers(this.o.swarms, infoHash), ...(this.o.extraPeers?.(infoHash) ?? [])]);
  }

  /** The previous version's volumes this version superseded with files that differ on disk, as the census audits them. */
  private supersededPairs(setId: string, version: number): SupersededPair[] {
    const out: SupersededPair[] = [];
    for (const v of supersessionIndex(this.o.store).of(setId, version)?.volumes ?? []) {
      // Parsed here only for the few volumes a new version rewrote files of, and not kept.
      const torrent = v.conflictCount > 0 ? this.o.store.volumeTorrent(v.infoHash) : undefined;
      const layout = torrent ? parseVolumeTorrent(torrent) : null;
      if (!layout) continue;
      out.push({
        older: { target: { infoHash: v.infoHash, pieceLength: layout.pieceLength, totalBytes: layout.totalBytes, pieces: layout.pieces }, files: layout.files },
        newer: v.supersededBy,
        conflictPaths: v.conflicts.map((c) => c.path),
      });
    }
    return out;
  }

  /** Keeps when the census last reached a host (the newest time wins). */
  private noteReached(host: string, at: number): void {
    const key = normalizeHost(host);
    if ((this.lastReached.get(key) ?? 0) < at) this.lastReached.set(key, at);
  }

  /** When a peer last got a verdict for a volume. */
  private verdictAt(infoHash: string, peer: PeerAddress): number | undefined {
    return this.latest.verdictAt(infoHash, peer.host, peer.port);
  }

  /** Distinct hosts whose latest verdict on the whole volume passed since `since`: the volume's copies, for the audit order. */
  private verifiedHosts(infoHash: string, since: number): number {
    const hosts = new Set<string>();
    for (const r of this.latest.passing(infoHash)) {
      if (r.complete && r.at >= since && this.present(r.host)) hosts.add(normalizeHost(r.host));
    }
    return hosts.size;
  }

  /**
   * Rebuilds the in-memory results from the store after a restart: the observations of the
   * sets' latest volumes, read in one pass over the observations table (at 10M files a range
   * read per volume was 1.5 s of a 5 s start, more with the store's pages cold).
   */
  restoreFromStore(): void {
    const latest = new Set<string>();
    for (const set of this.o.store.listSets()) for (const ih of set.latest?.volumes ?? []) latest.add(ih);
    // One object reused for every observation: the verdict table copies what it keeps.
    const verdict: RestoredVerdict = { host: '', port: 0, havePieces: 0, complete: false, bitfield: null, ok: false, at: 0, operatorKey: null };
    this.o.store.observations.each((infoHash, host, port, ob) => {
      if (!latest.has(infoHash)) return;
      if (ob.lastSeen > 0) this.noteReached(host, ob.lastSeen);
      if (ob.auditedAt === null) return;
      verdict.host = host;
      verdict.port = port;
      verdict.havePieces = ob.havePieces;
      verdict.complete = ob.complete;
      verdict.bitfield = ob.bitfield ?? null;
      verdict.ok = ob.auditOk === true;
      verdict.at = ob.auditedAt;
      verdict.operatorKey = ob.operatorKey ?? null;
      this.latest.restore(infoHash, verdict);
    });
  }
}
