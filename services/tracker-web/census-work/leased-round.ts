/**
 * A census round in leases: the catalogue's own census takes shares of the queue like any
 * worker, and waits for workers' leases to complete or expire (an expired lease's volumes go
 * back to the queue, so a dead worker's share is picked up), within the round's budget.
 */
import { runCensus, type CensusJob, type CensusOptions, type CensusResult } from '../census/index.ts';
import { DEFAULT_LEASE_TTL_MS, DEFAULT_LEASE_VOLUMES, type LeasePool } from './lease-pool.ts';

/** Who audited what in a leased round, beside the catalogue's own results. */
export interface LeasedRound {
  results: CensusResult[];
  /** Volumes each taker audited ("catalogue" is the catalogue's own census). */
  volumesBy: Record<string, number>;
  /** Leases that expired unfinished this round. */
  leasesExpired: number;
}

/** Opens a round on the pool with these jobs and audits leases as the taker "catalogue" until every volume is done or the budget ends. */
export async function runLeasedRound(
  pool: LeasePool,
  jobs: CensusJob[],
  options: CensusOptions,
  o: { leaseVolumes?: number; leaseTtlMs?: number; signal: AbortSignal },
): Promise<LeasedRound> {
  pool.open(jobs);
  const expiredBefore = pool.expired;
  const budgetEnd = Date.now() + (options.roundBudgetMs ?? Infinity);
  const ttl = o.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
  const results: CensusResult[] = [];
  const volumesBy: Record<string, number> = {};
  try {
    while (!pool.settled && Date.now() < budgetEnd && !o.signal.aborted) {
      const lease = pool.take('catalogue', o.leaseVolumes ?? DEFAULT_LEASE_VOLUMES);
      if (!lease) {
        await pool.changed(Math.max(1, Math.min(1_000, budgetEnd - Date.now())));
        continue;
      }
      // Our own lease cannot die silently; keep it alive while its audits run.
      const keepAlive = setInterval(() => pool.renew(lease.id), Math.max(10, ttl / 3));
      try {
        results.push(...(await runCensus(lease.jobs, { ...options, roundBudgetMs: Math.max(1, budgetEnd - Date.now()) })));
      } finally {
        clearInterval(keepAlive);
      }
      pool.complete(lease.id);
    }
  } finally {
    for (const job of jobs) {
      const by = pool.doneBy(job.target.infoHash);
      if (by) volumesBy[by] = (volumesBy[by] ?? 0) + 1;
    }
    pool.close();
  }
  return { results, volumesBy, leasesExpired: pool.expired - expiredBefore };
}
