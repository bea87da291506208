/**
 * A census round: audits (torrent, peer) pairs in the order and within the budgets of a
 * RoundSchedule (per host, per network, sockets in all), with a bounded number of piece
 * transfers at once. A peer still in its handshake or waiting to unchoke us holds an idle socket
 * and no transfer slot, so slow clients and tarpits cost little; a round has a time budget, and
 * what it did not reach is carried to the next round.
 */
import { setMaxListeners } from 'node:events';
import { auditPeer, censusPeerId, type AuditTarget, type PeerAddress, type PeerAuditResult } from './peer-audit.ts';
import { normalizeHost } from './network.ts';
import { HostBackoff, RoundSchedule, type AuditOutcome, type BudgetOptions, type ScheduledTask } from './schedule.ts';
import { TransferSlots } from './transfer-slots.ts';
import type { VerifiedPieces } from './verified-pieces.ts';
import { TokenBucket } from '../../../shared/http/limits.ts';

/** Piece transfers at once: enough to hide round trips, few enough for CPU and bandwidth. */
export const DEFAULT_CENSUS_CONCURRENCY = 32;

export interface CensusJob {
  target: AuditTarget;
  peers: PeerAddress[];
  /** Verified copies of this volume minus its copy target: the lower, the sooner its peers are audited. */
  margin?: number;
  /** Audit one of these pieces rather than any claimed piece (see AuditOptions.focusPieces). */
  focusPieces?: readonly number[];
}

export interface CensusOptions extends BudgetOptions {
  /** Piece transfers at once; default 32. */
  concurrency?: number;
  /** Per-audit budget; default auditPeer's. */
  timeoutMs?: number;
  /** Connect plus handshake; default auditPeer's 4 s. */
  handshakeTimeoutMs?: number;
  /** Wait for an unchoke; default auditPeer's 30 s. */
  unchokeTimeoutMs?: number;
  /** Round budget: audits still running then are cut short, and they and those not started are carried; default none. */
  roundBudgetMs?: number;
  /** Host backoff kept across rounds; default a fresh one (no memory). */
  backoff?: HostBackoff;
  /** When a peer last got a verdict for a volume: older verdicts go first. */
  lastVerdictAt?(infoHash: string, peer: PeerAddress): number | undefined;
  /** Called as each audit ends (in completion order); an exception here stops the census and runCensus rejects with it. */
  onResult?(result: PeerAuditResult): void;
  /** Stops starting audits and cuts the running ones short; runCensus then rejects with the reason. */
  signal?: AbortSignal;
  /** One peer id for the whole census; default a fresh one. */
  peerId?: Buffer;
  /** Chooses the audited pieces; default Math.random. */
  random?: () => number;
  localAddress?: string;
  /** Audit downloads of the whole round together stay under this many bytes per second; default none (0). */
  maxBytesPerSecond?: number;
  /** Verified pieces for block challenges, kept across rounds by the caller; default none (whole pieces only). */
  verified?: VerifiedPieces;
  /**
   * Whether this peer may get a block challenge rather than a whole piece; default yes. The
   * catalogue allows it only to peers whose last verdict on the volume passed a check, so a
   * copy's first audit, and the one after any failure, always hashes a whole random piece.
   */
  mayChallengeBlock?(infoHash: string, peer: PeerAddress): boolean;
}

/** An audit's result, or (with `carried`) a peer this round did not reach. */
export type CensusResult = PeerAuditResult & { carried?: true };

class RoundOver extends Error {}

/** How an audit's result bears on its host and on a retry. */
function outcomeOf(r: PeerAuditResult): AuditOutcome {
  const f = r.failure;
  if (!f) return 'answered';
  if (f.kind === 'aborted') return 'aborted';
  if (f.kind === 'timeout') return f.phase === 'slot' ? 'other' : 'timeout';
  // A peer that hangs up before saying what it has may be a client dropping a quick reconnect.
  if (f.kind === 'closed' && (f.phase === 'handshake' || f.phase === 'claims' || f.phase === 'connect')) return 'closed';
  return f.kind === 'unreachable' ? 'other' : 'answered';
}

function carriedResult(peer: PeerAddress, infoHash: string, why: string): CensusResult {
  return {
    host: peer.host, port: peer.port, infoHash: infoHash.toLowerCase(), reachable: false, havePieces: 0, complete: false,
    bitfield: null, audited: null, error: `not audited this round: ${why}`, ms: 0, at: Date.now(), carried: true,
  };
}

/** Audits the peers of every job within the round's budgets; results come back in job then peer order. */
export async function runCensus(jobs: readonly CensusJob[], opts: CensusOptions = {}): Promise<CensusResult[]> {
  const tasks = jobs.flatMap((job) => job.peers.map((peer) => ({ target: job.target, peer, margin: job.margin, focusPieces: job.focusPieces })));
  const results: CensusResult[] = new Array(tasks.length);
  const backoff = opts.backoff ?? new HostBackoff();
  const schedule = new RoundSchedule(
    tasks.map((t) => ({ host: t.peer.host, margin: t.margin, lastVerdictAt: opts.lastVerdictAt?.(t.target.infoHash, t.peer) })),
    backoff, opts,
  );
  const slots = new TransferSlots(Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CENSUS_CONCURRENCY)));
  const bucket = opts.maxBytesPerSecond && opts.maxBytesPerSecond > 0 ? new TokenBucket(opts.maxBytesPerSecond) : null;
  const peerId = opts.peerId ?? censusPeerId();
  const inner = new AbortController();
  // One listener per open audit on the inner signal; the caller's signal carries a single one.
  setMaxListeners((opts.maxSockets ?? tasks.length) + 2, inner.signal);
  let stopped: { error: unknown } | null = null;
  let roundOver = false;
  const forward = () => {
    stopped ??= { error: opts.signal?.reason };
    inner.abort(opts.signal?.reason);
  };
  if (opts.signal?.aborted) forward();
  else opts.signal?.addEventListener('abort', forward, { once: true });
  const budget = opts.roundBudgetMs !== undefined && Number.isFinite(opts.roundBudgetMs)
    ? setTimeout(() => {
      roundOver = true;
      inner.abort(new RoundOver(`the round's ${opts.roundBudgetMs} ms budget ran out`));
    }, opts.roundBudgetMs)
    : null;
  let wake: NodeJS.Timeout | null = null;

  try {
    await new Promise<void>((resolve) => {
      const start = (task: ScheduledTask) => {
        const { target, peer, focusPieces } = tasks[task.index]!;
        void auditPeer(peer, target, {
          peerId, timeoutMs: opts.timeoutMs, handshakeTimeoutMs: opts.handshakeTimeoutMs, unchokeTimeoutMs: opts.unchokeTimeoutMs,
          signal: inner.signal, random: opts.random, localAddress: opts.localAddress, focusPieces,
          acquireTransferSlot: (signal) => slots.acquire(signal),
          verified: opts.verified,
          blockChallenge: opts.mayChallengeBlock?.(target.infoHash, peer) ?? true,
          throttle: bucket ? (bytes, signal) => bucket.take(bytes, signal) : undefined,
          onHandshake: () => {
            schedule.alive(task);
            queueMicrotask(pump); // the host may now take more audits at once
          },
        }).then((result) => {
          const over = schedule.finished(task, outcomeOf(result));
          if (over) {
            results[task.index] = result;
            if (!stopped) {
              try {
                opts.onResult?.(result);
              } catch (error) {
                stopped = { error };
                inner.abort(error); // cut the running audits short too
              }
            }
          }
          pump();
        });
      };
      const pump = () => {
        if (wake) clearTimeout(wake);
        wake = null;
        if (!stopped && !roundOver) {
          for (let t = schedule.next(); t; t = schedule.next()) start(t);
        }
        // Every running audit finishes (sockets closed) before the round reports anything.
        if (schedule.active === 0 && (stopped || roundOver || schedule.settled)) return resolve();
        const at = stopped || roundOver ? null : schedule.nextWakeAt();
        if (at !== null) wake = setTimeout(pump, Math.max(0, at - Date.now()));
      };
      pump();
    });
  } finally {
    if (budget) clearTimeout(budget);
    if (wake) clearTimeout(wake);
    opts.signal?.removeEventListener('abort', forward);
  }
  if (stopped) throw (stopped as { error: unknown }).error;
  const struck = new Set(schedule.struckHosts());
  backoff.settle(struck, schedule.answeredHosts());
  for (const i of schedule.carried()) {
    const { target, peer } = tasks[i]!;
    const why = struck.has(normalizeHost(peer.host))
      ? 'its host did not answer other audits in time (backed off to the next round)'
      : `the round's ${opts.roundBudgetMs} ms budget ran out`;
    results[i] = carriedResult(peer, target.infoHash, why);
  }
  return results;
}

