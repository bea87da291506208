/**
 * The simulated network in simulated time, no sockets: hosts that poll, report, plan with the
 * seeder's real auto-mode code (planAuto, nextSurplusStreak) against the catalogue's real
 * ranking (rankNeeds, capped at MAX_NEEDS as /api/needs serves it, ranked once per tick), and
 * a census that counts a copy only after it audited it and forgets it DEFAULT_COPY_MAX_AGE_MS
 * after its last audit, or sooner once its host has not been seen for the presence window
 * (services/tracker-web/redundancy/presence.ts). What is modelled rather than run: downloads (a host fetches one volume
 * after another at its own rate) and the census's audit (a host online with the whole volume
 * passes; one that lost it fails at the next round).
 */
import { AUTO_DOWNLOAD_HORIZON_MS, maxDownloadingBytes, MIN_AUTO_DOWNLOADING_BYTES, nextSurplusStreak, planAuto, type AutoHosted } from '../../clients/seeder/follow/auto-plan.ts';
import { MAX_NEEDS, rankNeeds, type RankedNeed, type VolumeNeed } from '../../services/tracker-web/redundancy/needs.ts';
import { ClaimBook } from './claims.ts';
import { EventQueue } from './event-queue.ts';
import { plannedSize, type Counters, type Holding, type Host, type NetworkTiming, type SimEvent } from './model.ts';
import { candidatesWithClaims } from './needs-top.ts';
import { VolumeTrace } from './volume-trace.ts';


/** The whole network. */
export class Network {
  readonly hosts: Host[] = [];
  readonly events = new EventQueue<SimEvent>();
  readonly counted: Uint16Array;
  readonly live: Uint16Array;
  /** Per volume, the transfer time of its last completed download (the one that healed it, after a departure). */
  readonly lastTransferMs: Float64Array;
  /** Per volume, how long its last completed download took from being added (queued behind the host's other downloads included). */
  readonly lastFetchMs: Float64Array;
  /** Volumes whose counted copies are under target (what the needs list ranks). */
  readonly underCounted = new Set<number>();
  underCountedBytes = 0;
  underLiveBytes = 0;
  readonly totalBytes: number;
  /** Live claims per volume, as the catalogue's report store keeps them. */
  readonly claimBook: ClaimBook;
  private readonly pendingAudit = new Set<Host>();
  readonly counters: Counters = { downloadedBytes: 0, adds: 0, drops: 0, graceLapses: 0 };
  /** Each volume's last stretch under target, to explain late heals. */
  readonly trace: VolumeTrace;
  now = 0;
  lastCensusAt = 0;
  private needs: RankedNeed[] = [];
  /** Every volume by size, then info hash: the order rankNeeds gives within one group. */
  private readonly bySize: Int32Array;
  /** Live holders of each volume in the needs list (planAuto reads only these). */
  private claims: Record<string, number> = {};
  /** Needs entries still short of their target counting claims: planAuto can add only these. */
  private readonly openNeeds = new Set<number>();
  private smallestNeed = Infinity;
  private smallestNeedBytes = Infinity;

  constructor(
    readonly size: Float64Array,
    readonly target: Uint8Array,
    readonly timing: NetworkTiming,
    /** Called with the host and event kind for every leave/return/disk failure (churn bookkeeping). */
    private readonly onChurn: (kind: SimEvent['kind'], host: Host) => void,
  ) {
    const n = size.length;
    this.counted = new Uint16Array(n);
    this.live = new Uint16Array(n);
    this.lastTransferMs = new Float64Array(n);
    this.lastFetchMs = new Float64Array(n);
    this.trace = new VolumeTrace(n);
    this.claimBook = new ClaimBook(n, { pollIntervalMs: timing.pollIntervalMs, auditGraceMs: timing.claimAuditGraceMs });
    let total = 0;
    for (let v = 0; v < n; v++) {
      total += size[v]!;
      this.underCounted.add(v);
    }
    this.totalBytes = total;
    this.underCountedBytes = total;
    const ids = String; // rankNeeds breaks size ties by info hash, here the volume number as a string
    this.bySize = Int32Array.from({ length: n }, (_, v) => v).sort((a, b) => size[a]! - size[b]! || (ids(a) < ids(b) ? -1 : ids(a) > ids(b) ? 1 : 0));
    this.underLiveBytes = total;
  }

  /** Adds a host that starts polling at its phase in the poll cycle. */
  addHost(quota: number, rateBytesPerMs: number, pollPhase: number): Host {
    const host: Host = {
      id: this.hosts.length, quota, rateBytesPerMs, online: true, gone: false, pollPhase, holdings: new Map(), plannedBytes: 0,
      busyUntil: this.now, lastReportAt: -Infinity, reported: new Map(), ghosts: [], epoch: 0, auditedAt: -Infinity, rateMeasured: false,
    };
    this.hosts.push(host);
    return host;
  }

  // --- copy bookkeeping -------------------------------------------------------------------

  /** `by`: the host whose copy stopped counting, when one did (for the trace). */
  private setCounted(v: number, delta: number, by = -1): void {
    const before = this.counted[v]!;
    const after = before + delta;
    this.counted[v] = after;
    const t = this.target[v]!;
    if (before < t && after >= t) {
      this.underCounted.delete(v);
      this.underCountedBytes -= this.size[v]!;
      this.trace.reachedTarget(v, this.now);
    } else if (before >= t && after < t) {
      this.underCounted.add(v);
      this.underCountedBytes += this.size[v]!;
      this.trace.fellUnder(v, this.now, this.underCounted.size, by);
    }
  }

  private setLive(v: number, delta: number): void {
    const before = this.live[v]!;
    const after = before + delta;
    this.live[v] = after;
    const t = this.target[v]!;
    if (before < t && after >= t) this.underLiveBytes -= this.size[v]!;
    else if (before >= t && after < t) this.underLiveBytes += this.size[v]!;
  }

  /** Lowest counted copies of any volume. */
  worstCopies(): number {
    let worst = Infinity;
    for (const v of this.underCounted) worst = Math.min(worst, this.counted[v]!);
    return worst === Infinity ? Math.min(...this.target) : worst;
  }

  // --- churn --------------------------------------------------------------------------------

  /** A host goes silent: its copies stay counted until the census's window runs out. */
  leave(host: Host): void {
    if (!host.online) return;
    host.online = false;
    host.epoch++;
    for (const h of host.holdings.values()) {
      if (!h.counted) this.trace.healerLost(h.v, this.underCounted.has(h.v), this.now, this.claimLapse(host, h.v));
      if (h.completeAt <= this.now) this.setLive(h.v, -1);
      else {
        h.completeAt = Infinity;
        h.serial++;
      }
    }
    this.events.push(this.expiryOf(host), { kind: 'expire', host, epoch: host.epoch });
    this.onChurn('leave', host);
  }

  /** When the census stops counting a silent host's copies: the copy window or the presence window, whichever ends first. */
  expiryOf(host: Host): number {
    return host.auditedAt + Math.min(this.timing.copyMaxAgeMs, this.timing.presenceWindowMs);
  }

  /** A host comes back with its data; it resumes downloads and the census audits it again. */
  comeBack(host: Host): void {
    if (host.online || host.gone) return;
    host.online = true;
    host.epoch++;
    host.busyUntil = this.now;
    for (const h of host.holdings.values()) {
      if (h.completeAt <= this.now) this.setLive(h.v, 1);
      else this.schedule(host, h);
    }
    this.pendingAudit.add(host);
    this.onChurn('return', host);
  }

  /** A disk fails: everything it held is gone; the host goes on empty. */
  diskFail(host: Host): void {
    if (!host.online) return;
    for (const h of host.holdings.values()) this.release(host, h);
    host.holdings.clear();
    host.plannedBytes = 0;
    host.busyUntil = this.now;
    this.onChurn('disk-fail', host);
  }

  private release(host: Host, h: Holding): void {
    // Its claim ends with the host's next report, which leaves the volume out.
    if (!h.counted) this.trace.healerLost(h.v, this.underCounted.has(h.v), this.now, Math.min(this.claimLapse(host, h.v), this.nextPollAt(host)));
    if (h.completeAt <= this.now && host.online) this.setLive(h.v, -1);
    h.serial++;
    if (h.counted) {
      host.ghosts.push(h.v);
      this.pendingAudit.add(host);
    }
  }

  /** When the catalogue stops counting `host`'s claim of `v` if nothing changes (now if it has none). */
  private claimLapse(host: Host, v: number): number {
    return host.reported.has(v) ? this.claimBook.lapsesAt(host, v) : this.now;
  }

  /** The start of the host's next poll (this tick's, if its turn has not come yet). */
  private nextPollAt(host: Host): number {
    const perPoll = Math.round(this.timing.pollIntervalMs / this.timing.tickMs);
    const tick = Math.round(this.now / this.timing.tickMs);
    return (tick + ((host.pollPhase - (tick % perPoll) + perPoll) % perPoll)) * this.timing.tickMs;
  }

  private schedule(host: Host, h: Holding): void {
    h.transferMs = this.size[h.v]! / host.rateBytesPerMs;
    h.completeAt = Math.max(this.now, host.busyUntil) + h.transferMs;
    host.busyUntil = h.completeAt;
    h.serial++;
    this.events.push(h.completeAt, { kind: 'complete', host, v: h.v, serial: h.serial });
  }

  // --- events and census --------------------------------------------------------------------

  /** Runs every event due by `now`. */
  runEvents(): void {
    for (let e = this.events.popDue(this.now); e; e = this.events.popDue(this.now)) {
      const host = e.host;
      if (e.kind === 'complete') {
        const h = host.holdings.get(e.v);
        if (!h || h.serial !== e.serial || !host.online) continue;
        this.setLive(e.v, 1);
        this.lastTransferMs[e.v] = h.transferMs;
        this.lastFetchMs[e.v] = this.now - h.addedAt;
        this.counters.downloadedBytes += this.size[e.v]!;
        this.trace.completed(e.v, this.now);
        host.rateMeasured = true;
        this.pendingAudit.add(host);
      } else if (e.kind === 'expire') {
        if (host.online || host.epoch !== e.epoch) continue;
        for (const h of host.holdings.values()) if (h.counted) { h.counted = false; this.setCounted(h.v, -1, host.id); }
        for (const v of host.ghosts) this.setCounted(v, -1, host.id);
        host.ghosts = [];
      } else if (e.kind === 'leave') this.leave(host);
      else if (e.kind === 'return') this.comeBack(host);
      else this.diskFail(host);
    }
  }

  /** One census round: online hosts with news are audited; every online host's audit time moves on. */
  census(): void {
    this.lastCensusAt = this.now;
    for (const host of this.pendingAudit) {
      if (!host.online) continue;
      for (const v of host.ghosts) this.setCounted(v, -1, host.id);
      host.ghosts = [];
      let waiting = false;
      for (const h of host.holdings.values()) {
        if (h.completeAt <= this.now) {
          if (!h.counted) {
            h.counted = true;
            this.setCounted(h.v, 1);
            // A fresh download whose claim had stopped counting before this audit: others saw the
            // volume open meanwhile. (A returning host's old copies are audited again too.)
            const fresh = this.now - h.completeAt <= this.timing.censusIntervalMs;
            if (fresh && this.claimBook.lapsedBefore(host, h.v, this.now)) this.counters.graceLapses++;
          }
        } else waiting = true;
      }
      if (!waiting) this.pendingAudit.delete(host);
    }
    for (const host of this.hosts) if (host.online) host.auditedAt = this.now;
  }

  // --- the catalogue and the seeders' polls -------------------------------------------------

  /** Ranks the needs list once for this tick, as GET /api/needs would serve it (volumes live claims cover last). */
  rank(): void {
    const { chosen, claims: live } = candidatesWithClaims(this.underCounted, this.target, this.counted, (v) => this.liveHolders(v).count, this.bySize, MAX_NEEDS);
    const volumes: VolumeNeed[] = chosen.map((v) => ({
      infoHash: String(v), setId: 's', size: this.size[v]!, copyTarget: this.target[v]!, copies: this.counted[v]!, seeders: this.live[v]!,
    }));
    this.needs = rankNeeds(volumes, live).slice(0, MAX_NEEDS);
    this.smallestNeed = this.needs.reduce((m, n) => Math.min(m, plannedSize(n.size)), Infinity);
    this.smallestNeedBytes = this.needs.reduce((m, n) => Math.min(m, n.size), Infinity);
    // The claims of the needs' volumes, as holders() would answer them now; reports during
    // the tick add to them.
    this.claims = {};
    this.openNeeds.clear();
    let coveredCount = 0;
    for (const n of this.needs) {
      const count = live.get(n.infoHash) ?? 0;
      if (count > 0) this.claims[n.infoHash] = count;
      if (Math.max(n.copies, count) >= n.copyTarget) coveredCount++;
      else {
        this.openNeeds.add(Number(n.infoHash));
        this.trace.offered(Number(n.infoHash), this.now);
      }
      this.trace.listed(Number(n.infoHash), this.now);
    }
    this.trace.coveredInNeeds = coveredCount;
    this.trace.coveredInNeedsSum += coveredCount;
    this.trace.rankings++;
  }

  /** Live holders of a volume and `host`'s place among them in join order (-1 if not one). */
  private liveHolders(v: number, host?: Host): { count: number; rank: number } {
    return this.claimBook.live(v, this.now, host);
  }

  /** One poll of one host: report, read the answer and the needs, plan with the real code, act. */
  poll(host: Host): void {
    this.report(host);
    this.answerAndPlan(host);
  }

  /** The host's report: the catalogue keeps when each volume was first claimed and how far its download got. */
  private report(host: Host): void {
    this.claimBook.report(host, this.now, (v) => this.bytesDone(host, v), (v) => {
      const ih = String(v);
      if (this.claims[ih] !== undefined || this.underCounted.has(v)) this.claims[ih] = (this.claims[ih] ?? 0) + 1;
      if (this.openNeeds.has(v) && this.claims[ih]! >= this.target[v]!) this.openNeeds.delete(v);
    });
  }

  /**
   * The verified bytes the seeder reports of a volume it is still downloading (downloads run one
   * after another at the host's rate, so a queued one has none yet); undefined once complete.
   */
  private bytesDone(host: Host, v: number): number | undefined {
    const h = host.holdings.get(v);
    if (!this.timing.claimProgress || !h || h.completeAt <= this.now) return undefined;
    if (h.completeAt === Infinity) return 0;
    const size = this.size[v]!;
    return Math.min(size, Math.max(0, size - (h.completeAt - this.now) * host.rateBytesPerMs));
  }

  /** The catalogue's answer, the surplus streaks (auto-sync.ts), the plan and what it does. */
  private answerAndPlan(host: Host): void {
    const hosted: AutoHosted[] = [];
    let droppable = 0;
    let downloadingBytes = 0;
    for (const h of host.holdings.values()) {
      const live = this.liveHolders(h.v, host);
      h.streak = nextSurplusStreak(h.streak, {
        copies: this.counted[h.v]!, copyTarget: this.target[h.v]!, holders: live.count, rank: Math.max(0, live.rank), latest: true,
      });
      if (h.completeAt > this.now) downloadingBytes += this.size[h.v]!;
      if (h.streak > 0) {
        droppable++;
        hosted.push({ infoHash: String(h.v), size: this.size[h.v]!, addedAtMs: h.addedAt, latest: true, surplusStreak: h.streak });
      }
    }
    // planAuto can change nothing when no need fits the free space and nothing may be
    // dropped: skip the call (same answer, far less time at thousands of hosts).
    const free = host.quota - host.plannedBytes;
    const current = this.timing.rules === 'current';
    const rate = host.rateBytesPerMs * 1000;
    const maxDownloading = !current ? Infinity
      : this.timing.queueFloor === 'always' ? Math.max(MIN_AUTO_DOWNLOADING_BYTES, (rate * AUTO_DOWNLOAD_HORIZON_MS) / 1000)
      : maxDownloadingBytes(host.rateMeasured ? rate : undefined);
    if (droppable === 0 && !(this.smallestNeed <= free)) return;
    // planAuto adds only needs short of their target counting claims, and drops only to make
    // room for one: with none this host does not already hold, its answer is empty.
    let open = false;
    for (const v of this.openNeeds) if (!host.holdings.has(v)) { open = true; break; }
    if (!open) return;
    if (downloadingBytes > 0 && downloadingBytes + this.smallestNeedBytes > maxDownloading) return;
    // The catalogue answers the claims of every volume but this host's own; planAuto reads only
    // those of needs it does not hold, so the shared counts are the same answer.
    const plan = planAuto({
      needs: this.needs,
      claims: this.claims,
      hosted,
      plannedOf: () => undefined,
      hostedAll: new Set([...host.holdings.keys()].map(String)),
      freeBytes: free,
      nowMs: this.now,
      minHostingMs: this.timing.minHostingMs,
      downloadingBytes,
      maxDownloadingBytes: maxDownloading,
    });
    for (const ih of plan.drop) {
      const h = host.holdings.get(Number(ih));
      if (!h) continue;
      this.release(host, h);
      host.holdings.delete(h.v);
      host.plannedBytes -= plannedSize(this.size[h.v]!);
      this.counters.drops++;
    }
    if (plan.drop.length > 0) this.reflow(host);
    for (const n of plan.add) {
      const v = Number(n.infoHash);
      const h: Holding = { v, addedAt: this.now, completeAt: Infinity, streak: 0, counted: false, serial: 0, transferMs: 0 };
      host.holdings.set(v, h);
      host.plannedBytes += plannedSize(this.size[v]!);
      this.schedule(host, h);
      this.counters.adds++;
      this.trace.added(v, this.now);
    }
    if (current && plan.add.length > 0) this.report(host);
  }

  /** After drops, downloads still queued move up. */
  private reflow(host: Host): void {
    host.busyUntil = this.now;
    const waiting = [...host.holdings.values()].filter((h) => h.completeAt > this.now).sort((a, b) => a.addedAt - b.addedAt);
    for (const h of waiting) this.schedule(host, h);
  }
}
