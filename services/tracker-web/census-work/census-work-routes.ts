/**
 * POST /api/census/leases and POST /api/census/leases/:id/verdicts: census workers on other
 * machines take a share of the round's volumes and post back signed verdicts. Only a
 * census-scoped token may (it cannot publish); a token is pinned to the first worker key it
 * leased with. A worker reports only on the volumes and peers of its lease, so it can verify
 * or fail the hosts the tracker knows but never add a copy the catalogue did not ask about.
 */
import express, { Router } from 'express';
import { routes } from '../../../shared/api/routes.ts';
import {
  censusVerdictBytes, leaseRequestSchema, verdictPostSchema, type LeaseAnswer, type VerdictAnswer, type VerdictBody,
} from '../../../shared/api/census-work-schemas.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { verifyBytes } from '../../../shared/signing.ts';
import { requireToken } from '../auth/require-token.ts';
import type { PeerAuditResult } from '../census/index.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { parseBody } from '../web/params.ts';
import { DEFAULT_LEASE_VOLUMES, type Lease, type LeasePool } from './lease-pool.ts';

/** A lease request is a name and a key. */
const MAX_LEASE_REQUEST_BYTES = 4 * 1024;
/** A batch of verdicts: up to MAX_VERDICTS_PER_POST of about 300 bytes, bitfields included. */
const MAX_VERDICT_POST_BYTES = 16 * 1024 * 1024;
/** When no work is queued, ask again after this long (the next round, or a lease that expires). */
const IDLE_RETRY_MS = 5_000;
/** A verdict's time may be this far from the lease's life (clocks of two machines). */
const CLOCK_SKEW_MS = 60_000;

/** What the routes need of the census: its pool (null while workers are off) and where verdicts go. */
export interface CensusWork {
  pool: LeasePool | null;
  /** When no work is queued, how long a worker should wait before asking again; default 5 s. */
  readonly idleRetryMs?: number;
  /** Takes verdicts a worker reached on a live lease into the census's results. */
  acceptVerdicts(lease: Lease, results: PeerAuditResult[]): void;
}

/** Builds the router of census work. */
export function censusWorkRouter(o: { store: CatalogueStore; work: CensusWork; now?: () => number }): Router {
  const router = Router();
  /** token hash → the worker key it is pinned to. */
  const pinned = new Map<string, string>();
  /** lease id → the key that took it. */
  const leaseKeys = new Map<string, string>();
  const poolOrThrow = (): LeasePool => {
    if (!o.work.pool) throw new SeedbankError('CENSUS_WORKERS_OFF', 'this catalogue does not hand out census work');
    return o.work.pool;
  };

  router.post(routes.censusLease.pattern, requireToken(o.store, 'census'), express.json({ limit: MAX_LEASE_REQUEST_BYTES, type: () => true }), (req, res) => {
    const pool = poolOrThrow();
    const body = parseBody(leaseRequestSchema, req.body, 'census lease request');
    const tokenHash = res.locals.tokenHash as string;
    const key = pinned.get(tokenHash);
    if (key !== undefined && key !== body.publicKey) {
      throw new SeedbankError('CENSUS_WORKER_KEY', `this census token is pinned to worker key ${key.slice(0, 16)}…, not ${body.publicKey.slice(0, 16)}…`);
    }
    pinned.set(tokenHash, body.publicKey);
    const lease = pool.take(`${res.locals.tokenLabel as string}/${body.worker}`, body.volumes ?? DEFAULT_LEASE_VOLUMES);
    if (lease) {
      leaseKeys.set(lease.id, body.publicKey);
      for (const id of leaseKeys.keys()) if (!pool.get(id)) leaseKeys.delete(id); // forget dead leases
    }
    const answer: LeaseAnswer = {
      lease: lease && {
        id: lease.id, round: lease.round, expiresAt: lease.expiresAt,
        jobs: lease.jobs.map((j) => ({
          infoHash: j.target.infoHash.toLowerCase(), pieceLength: j.target.pieceLength, totalBytes: j.target.totalBytes,
          pieces: j.target.pieces.toString('base64'), peers: j.peers.map((p) => ({ host: p.host, port: p.port })),
          ...(j.margin !== undefined ? { margin: j.margin } : {}),
        })),
      },
      retryAfterMs: lease ? 0 : (o.work.idleRetryMs ?? IDLE_RETRY_MS),
    };
    res.json(answer);
  });

  router.post(routes.censusVerdicts.pattern, requireToken(o.store, 'census'), express.json({ limit: MAX_VERDICT_POST_BYTES, type: () => true }), (req, res) => {
    const pool = poolOrThrow();
    const leaseId = String(req.params.id);
    const post = parseBody(verdictPostSchema, req.body, 'census verdicts');
    const lease = pool.get(leaseId);
    const key = leaseKeys.get(leaseId);
    if (!lease || key === undefined) {
      throw new SeedbankError('CENSUS_LEASE_GONE', `lease ${leaseId} is not live: it expired (its work went to another taker) or its round ended`);
    }
    if (!verifyBytes(key, censusVerdictBytes(leaseId, post.verdicts, post.done), Buffer.from(post.signature, 'hex'))) {
      throw new SeedbankError('CENSUS_VERDICT_INVALID', `the verdicts for lease ${leaseId} are not signed by the key that took the lease`);
    }
    const results = post.verdicts.map((v) => checkVerdict(v, lease, o.now?.() ?? Date.now()));
    o.work.acceptVerdicts(lease, results);
    let leaseLive = false;
    if (post.done) {
      pool.complete(leaseId);
      leaseKeys.delete(leaseId);
    } else leaseLive = pool.renew(leaseId);
    const answer: VerdictAnswer = { accepted: results.length, leaseLive };
    res.json(answer);
  });
  return router;
}

/** Refuses a verdict about anything the lease did not hand out, or from outside the lease's life. */
function checkVerdict(v: VerdictBody, lease: Lease, now: number): PeerAuditResult {
  const job = lease.jobs.find((j) => j.target.infoHash.toLowerCase() === v.infoHash);
  if (!job) throw new SeedbankError('CENSUS_VERDICT_INVALID', `volume ${v.infoHash} is not part of lease ${lease.id}`);
  if (!job.peers.some((p) => p.host === v.host && p.port === v.port)) {
    throw new SeedbankError('CENSUS_VERDICT_INVALID', `peer ${v.host}:${v.port} was not given to audit for volume ${v.infoHash}`);
  }
  if (v.at > now + CLOCK_SKEW_MS || v.at < lease.takenAt - CLOCK_SKEW_MS) {
    throw new SeedbankError('CENSUS_VERDICT_INVALID', `verdict time ${new Date(v.at).toISOString()} is outside the lease's life`);
  }
  const pieces = Math.ceil(job.target.totalBytes / job.target.pieceLength);
  if (v.audited && (v.audited.piece < 0 || v.audited.piece >= pieces)) {
    throw new SeedbankError('CENSUS_VERDICT_INVALID', `verdict names piece ${v.audited.piece}; volume ${v.infoHash} has ${pieces}`);
  }
  const bitfield = v.bitfield === null ? null : Buffer.from(v.bitfield, 'base64');
  if (bitfield && bitfield.length !== Math.ceil(pieces / 8)) {
    throw new SeedbankError('CENSUS_VERDICT_INVALID', `bitfield of ${bitfield.length} bytes for a volume of ${pieces} pieces`);
  }
  return {
    host: v.host, port: v.port, infoHash: v.infoHash, reachable: v.reachable, havePieces: v.havePieces, complete: v.complete,
    bitfield, audited: v.audited, ms: v.ms, at: Math.min(v.at, now),
    ...(v.error !== undefined ? { error: v.error } : {}),
    operatorKey: v.operatorKey ?? null,
    traffic: { in: v.bytesIn ?? 0, out: 0 },
  };
}
