/**
 * `seedbank census-worker`: audits a share of a catalogue's census on another machine. It
 * takes a lease on a few volumes over the API, audits their peers with the catalogue's own
 * census code (runCensus: same budgets, block challenges, rate cap), posts the verdicts
 * signed with its key in batches (which also keeps the lease alive), and asks for more.
 * When the catalogue has no work it waits as told; when a lease is lost it drops it and goes on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { censusVerdictBytes, type LeaseJobBody, type VerdictBody } from '../../../shared/api/census-work-schemas.ts';
import type { CatalogueApi } from '../../../shared/api/catalogue-api.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import { signBytes, type SetKey } from '../../../shared/signing.ts';
import { runCensus, VerifiedPieces, type CensusJob, type PeerAuditResult } from '../census/index.ts';

/** Longest wait between lease requests, whatever the catalogue says. */
const MAX_IDLE_WAIT_MS = 60_000;
/** Verdicts are posted at least this often during a lease (keeps it alive: leases last a minute). */
const FLUSH_INTERVAL_MS = 15_000;
/** Or once this many are waiting. */
const FLUSH_BATCH = 500;

export interface CensusWorkerOptions {
  api: CatalogueApi;
  token: string;
  key: SetKey;
  /** A name for the catalogue's logs ("worker-eu-1"). */
  name: string;
  logger: Logger;
  signal: AbortSignal;
  volumesPerLease?: number;
  concurrency?: number;
  maxBytesPerSecond?: number;
  verifiedCacheBytes?: number;
  /** Stop after this many leases (tests, one-shot runs); default: until the signal. */
  maxLeases?: number;
  /** Called when a lease is taken, before any audit (tests: a worker killed right then). */
  onLeaseTaken?: (info: { id: string; volumes: string[] }) => void;
  /** Called after each lease is done (tests and progress). */
  onLease?: (info: { id: string; volumes: number; verdicts: number }) => void;
}

/** Runs the worker loop until the signal (or maxLeases); returns how many verdicts it posted. */
export async function runCensusWorker(o: CensusWorkerOptions): Promise<number> {
  const verified = new VerifiedPieces(o.verifiedCacheBytes);
  let posted = 0;
  let leases = 0;
  while (!o.signal.aborted && (o.maxLeases === undefined || leases < o.maxLeases)) {
    const answer = await o.api.censusLease({ worker: o.name, publicKey: o.key.publicKeyHex, volumes: o.volumesPerLease }, o.token);
    if (!answer.lease) {
      await sleep(Math.min(MAX_IDLE_WAIT_MS, Math.max(100, answer.retryAfterMs)), undefined, { signal: o.signal }).catch(() => undefined);
      continue;
    }
    const lease = answer.lease;
    leases++;
    o.logger.info({ lease: lease.id, round: lease.round, volumes: lease.jobs.length }, 'census lease taken');
    o.onLeaseTaken?.({ id: lease.id, volumes: lease.jobs.map((j) => j.infoHash) });
    if (o.signal.aborted) break;
    let pending: VerdictBody[] = [];
    let live = true;
    let sending: Promise<void> = Promise.resolve();
    const flush = (done: boolean): Promise<void> => {
      const batch = pending;
      pending = [];
      sending = sending.then(async () => {
        if (!live) return;
        const signature = signBytes(o.key, censusVerdictBytes(lease.id, batch, done)).toString('hex');
        try {
          const a = await o.api.censusVerdicts(lease.id, { verdicts: batch, done, signature }, o.token);
          posted += a.accepted;
          if (!done && !a.leaseLive) live = false;
        } catch (err) {
          if (err instanceof SeedbankError && err.code === 'CENSUS_LEASE_GONE') {
            live = false;
            o.logger.warn({ lease: lease.id }, 'census lease lost (expired or round over): its volumes went to another taker');
          } else throw err;
        }
      });
      return sending;
    };
    const ticker = setInterval(() => void flush(false).catch(() => undefined), FLUSH_INTERVAL_MS);
    const stopOnLoss = new AbortController();
    const lost = setInterval(() => {
      if (!live) stopOnLoss.abort(new Error('lease lost'));
    }, 1_000);
    let verdicts = 0;
    try {
      await runCensus(lease.jobs.map(jobOf), {
        concurrency: o.concurrency,
        maxBytesPerSecond: o.maxBytesPerSecond,
        verified,
        signal: AbortSignal.any([o.signal, stopOnLoss.signal]),
        onResult: (r) => {
          verdicts++;
          pending.push(verdictOf(r));
          if (pending.length >= FLUSH_BATCH) void flush(false).catch(() => undefined);
        },
      });
      await flush(true);
    } catch (err) {
      if (!o.signal.aborted && !stopOnLoss.signal.aborted) throw err;
    } finally {
      clearInterval(ticker);
      clearInterval(lost);
    }
    o.onLease?.({ id: lease.id, volumes: lease.jobs.length, verdicts });
    o.logger.info({ lease: lease.id, verdicts, posted }, 'census lease done');
  }
  return posted;
}

function jobOf(j: LeaseJobBody): CensusJob {
  return {
    target: { infoHash: j.infoHash, pieceLength: j.pieceLength, totalBytes: j.totalBytes, pieces: Buffer.from(j.pieces, 'base64') },
    peers: j.peers,
    ...(j.margin !== undefined ? { margin: j.margin } : {}),
  };
}

function verdictOf(r: PeerAuditResult): VerdictBody {
  return {
    host: r.host, port: r.port, infoHash: r.infoHash.toLowerCase(), reachable: r.reachable, havePieces: r.havePieces, complete: r.complete,
    bitfield: r.bitfield ? r.bitfield.toString('base64') : null,
    audited: r.audited,
    ...(r.error !== undefined ? { error: r.error.slice(0, 500) } : {}),
    ms: r.ms, at: Math.round(r.at),
    operatorKey: r.operatorKey ?? null,
    bytesIn: r.traffic?.in ?? 0,
  };
}
