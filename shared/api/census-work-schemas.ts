/**
 * Census work over the catalogue's API: a census worker asks for a lease on a share of the
 * round's volumes (each with the peers to audit and what a piece must hash to), audits them
 * with the catalogue's own census code, and posts its verdicts signed with its key.
 */
import { z } from 'zod';
import { canonicalJson } from '../canonical-json.ts';

const hex = (bytes: number) => z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`));
/** Longest host string accepted (an IPv6 address with a zone is well under this). */
const MAX_HOST_CHARS = 64;
/** Longest error text a worker may attach to a verdict. */
const MAX_ERROR_CHARS = 500;
/** Verdicts in one post; a worker posts in batches. */
export const MAX_VERDICTS_PER_POST = 5_000;

/** POST /api/census/leases: who asks and how much. */
export const leaseRequestSchema = z.strictObject({
  /** A name for logs and for who audited what ("worker-eu-1"). */
  worker: z.string().min(1).max(64).regex(/^[\w.-]+$/),
  /** Raw ed25519 public key its verdicts are signed with; pinned to the token on first use. */
  publicKey: hex(32),
  volumes: z.number().int().min(1).max(1_000).optional(),
});
export type LeaseRequest = z.output<typeof leaseRequestSchema>;

const peerSchema = z.strictObject({ host: z.string().min(1).max(MAX_HOST_CHARS), port: z.number().int().min(1).max(65_535) });

/** One volume of a lease: the audit target and its peers. */
export const leaseJobSchema = z.strictObject({
  infoHash: hex(20),
  pieceLength: z.number().int().positive(),
  totalBytes: z.number().int().positive(),
  /** The concatenated 20-byte piece hashes, base64. */
  pieces: z.string(),
  peers: z.array(peerSchema),
  margin: z.number().int().optional(),
});
export type LeaseJobBody = z.output<typeof leaseJobSchema>;

/** The answer: a lease, or none now and when to ask again. */
export const leaseAnswerSchema = z.strictObject({
  lease: z.strictObject({
    id: z.string(),
    round: z.number().int(),
    expiresAt: z.number().int(),
    jobs: z.array(leaseJobSchema),
  }).nullable(),
  retryAfterMs: z.number().int().nonnegative(),
});
export type LeaseAnswer = z.output<typeof leaseAnswerSchema>;

/** One audit's verdict as a worker reports it. */
export const verdictSchema = z.strictObject({
  host: z.string().min(1).max(MAX_HOST_CHARS),
  port: z.number().int().min(1).max(65_535),
  infoHash: hex(20),
  reachable: z.boolean(),
  havePieces: z.number().int().nonnegative(),
  complete: z.boolean(),
  /** What the peer claimed, base64 BEP 3 bitfield; null: nothing. */
  bitfield: z.string().nullable(),
  audited: z.strictObject({ piece: z.number().int(), ok: z.boolean(), ms: z.number().nonnegative(), check: z.enum(['piece', 'block']).optional() }).nullable(),
  error: z.string().max(MAX_ERROR_CHARS).optional(),
  ms: z.number().nonnegative(),
  at: z.number().int(),
  operatorKey: hex(32).nullable().optional(),
  bytesIn: z.number().int().nonnegative().optional(),
});
export type VerdictBody = z.output<typeof verdictSchema>;

/** POST /api/census/leases/:id/verdicts: a batch of verdicts; `done` ends the lease. */
export const verdictPostSchema = z.strictObject({
  verdicts: z.array(verdictSchema).max(MAX_VERDICTS_PER_POST),
  done: z.boolean(),
  /** ed25519 over censusVerdictBytes(leaseId, verdicts, done), hex. */
  signature: hex(64),
});
export type VerdictPost = z.output<typeof verdictPostSchema>;

export const verdictAnswerSchema = z.strictObject({ accepted: z.number().int().nonnegative(), leaseLive: z.boolean() });
export type VerdictAnswer = z.output<typeof verdictAnswerSchema>;

/** Domain of census verdict signatures, so they can never pass for another kind of signature. */
export const CENSUS_VERDICT_DOMAIN = 'seedbank-census-verdicts/1\n';

/** The bytes a worker signs for one post: the domain, then canonical JSON of the lease id, verdicts and `done`. */
export function censusVerdictBytes(leaseId: string, verdicts: VerdictBody[], done: boolean): Buffer {
  return Buffer.from(CENSUS_VERDICT_DOMAIN + canonicalJson({ leaseId, verdicts, done }), 'utf8');
}
