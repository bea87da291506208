/**
 * A census round: audits every (torrent, peer) pair with a bounded number of connections open
 * at once. Each audit has its own deadline, so a peer that never answers holds one slot for at
 * most that long and never stalls the others.
 */
import { setMaxListeners } from 'node:events';
import { auditPeer, censusPeerId, type AuditTarget, type PeerAddress, type PeerAuditResult } from './peer-audit.ts';

/** Connections open at once: enough to hide round trips, few enough for fds and bandwidth. */
export const DEFAULT_CENSUS_CONCURRENCY = 32;

export interface CensusJob {
  target: AuditTarget;
  peers: PeerAddress[];
}

export interface CensusOptions {
  /** Audits running at once; default 32. */
  concurrency?: number;
  /** Per-audit budget; default auditPeer's 10 s. */
  timeoutMs?: number;
  /** Called as each audit ends (in completion order); an exception here stops the census and runCensus rejects with it. */
  onResult?(result: PeerAuditResult): void;
  /** Stops starting audits and cuts the running ones short; runCensus then rejects with the reason. */
  signal?: AbortSignal;
  /** One peer id for the whole census; default a fresh one. */
  peerId?: Buffer;
  /** Chooses the audited pieces; default Math.random. */
  random?: () => number;
  localAddress?: string;
}

/** Audits every peer of every job, at most `concurrency` at a time; results come back in job then peer order. */
export async function runCensus(jobs: readonly CensusJob[], opts: CensusOptions = {}): Promise<PeerAuditResult[]> {
  const tasks = jobs.flatMap((job) => job.peers.map((peer) => ({ target: job.target, peer })));
  const results: PeerAuditResult[] = new Array(tasks.length);
  const concurrency = Math.max(1, Math.floor(opts.concurrency ?? DEFAULT_CENSUS_CONCURRENCY));
  const peerId = opts.peerId ?? censusPeerId();
  let next = 0;
  let stopped: { error: unknown } | null = null;
  // Audits listen on an inner signal (one listener each, up to `concurrency`), so the caller's
  // signal carries a single listener and Node does not warn about a listener leak.
  const inner = new AbortController();
  setMaxListeners(concurrency + 1, inner.signal);
  const forward = () => inner.abort(opts.signal?.reason);
  if (opts.signal?.aborted) forward();
  else opts.signal?.addEventListener('abort', forward, { once: true });

  const worker = async (): Promise<void> => {
    while (next < tasks.length && !stopped && !inner.signal.aborted) {
      const i = next++;
      const { target, peer } = tasks[i]!;
      const result = await auditPeer(peer, target, {
        peerId, timeoutMs: opts.timeoutMs, signal: inner.signal, random: opts.random, localAddress: opts.localAddress,
      });
      results[i] = result;
      if (stopped) continue;
      try {
        opts.onResult?.(result);
      } catch (error) {
        stopped = { error };
        inner.abort(error); // cut the running audits short too
      }
    }
  };
  // Every worker finishes its current audit (sockets closed) before we report a stop.
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', forward);
  }
  if (stopped) throw (stopped as { error: unknown }).error;
  opts.signal?.throwIfAborted();
  return results;
}
