/** Longest needs list returned at once (GET /api/needs): part of the API contract. */
export { MAX_NEEDS } from '../../../shared/api/copies-schemas.ts';

/** What the needs list knows of a volume. */
export interface VolumeNeed {
  infoHash: string;
  setId: string;
  size: number;
  copyTarget: number;
  /** Verified copies of the volume's least-copied file. */
  copies: number;
  /** Seeders the tracker sees now (not yet audited). */
  seeders: number;
}

/** A ranked entry of the needs list auto-mode seeders read. */
export interface RankedNeed extends VolumeNeed {
  /** Copies missing to reach the target. */
  missing: number;
  /** Bytes the network must still store for this volume to reach its target. */
  neededBytes: number;
}

/**
 * Ranks volumes by how far below their copy target they are: the share of the target
 * missing first (a volume with 0 of 3 before one with 2 of 3), then the absolute count,
 * then smaller volumes (they fit more quotas), then info hash for a stable order.
 * Volumes at or above target are left out.
 *
 * `claims` (live holders per info hash, as SeederReports.holders counts them) moves the
 * volumes whose holders already make up the target (being downloaded, not yet counted) after
 * every volume that still lacks one, in the same order among themselves: auto-mode seeders
 * skip those (planAuto reads max(copies, claims)), so at the top of a capped list they only
 * push an actionable volume below the cap.
 */
export function rankNeeds(volumes: VolumeNeed[], claims?: ReadonlyMap<string, number>): RankedNeed[] {
  const covered = (v: VolumeNeed) => (claims !== undefined && Math.max(v.copies, claims.get(v.infoHash) ?? 0) >= v.copyTarget ? 1 : 0);
  return volumes
    .map((v) => ({ ...v, missing: missingCopies(v), neededBytes: bytesToTarget(v), covered: covered(v) }))
    .filter((v) => v.missing > 0)
    .sort(
      (a, b) =>
        a.covered - b.covered ||
        b.missing / b.copyTarget - a.missing / a.copyTarget ||
        b.missing - a.missing ||
        a.size - b.size ||
        (a.infoHash < b.infoHash ? -1 : a.infoHash > b.infoHash ? 1 : 0),
    )
    .map(({ covered: _covered, ...n }) => n);
}

/** Live claims per volume (how many holders), from the holders lists SeederReports.holders gives. */
export function claimCounts(holders: ReadonlyMap<string, readonly string[]>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [ih, ids] of holders) out.set(ih, ids.length);
  return out;
}

/** Copies a volume lacks to reach its target (0 at or above it). */
export function missingCopies(v: { copyTarget: number; copies: number }): number {
  return Math.max(0, v.copyTarget - v.copies);
}

/** Bytes the network must still store for a volume to reach its target: size × missing copies. */
export function bytesToTarget(v: { size: number; copyTarget: number; copies: number }): number {
  return v.size * missingCopies(v);
}

/** What seeders seen recently offer (see SeederReports.offer). */
export interface SpaceOffer {
  offeredBytes: number;
  /** What they already hold, part of `offeredBytes`. */
  usedBytes: number;
  seeders: number;
}

/**
 * The network's space balance, the one figure the home page's banner, the totals of
 * /api/needs and the seedbank_space_* metrics all show. Needed: the bytes still to store to
 * bring every volume to its target (sum of size × missing copies, so copies that exist are
 * not asked for again). Free: what the seeders seen recently offer beyond what they already
 * hold. Short: what is needed beyond what is free.
 */
export interface SpaceBalance {
  neededBytes: number;
  offeredBytes: number;
  usedBytes: number;
  freeBytes: number;
  shortBytes: number;
  /** Seeders whose space counts (seen recently). */
  seeders: number;
  /** Volumes below their copy target. */
  volumesUnderTarget: number;
}

/** Computes the space balance from the latest volumes (each once) and the seeders' offer. */
export function spaceBalance(volumes: Array<{ size: number; copyTarget: number; copies: number }>, offer: SpaceOffer): SpaceBalance {
  let neededBytes = 0;
  let volumesUnderTarget = 0;
  for (const v of volumes) {
    const bytes = bytesToTarget(v);
    neededBytes += bytes;
    if (missingCopies(v) > 0) volumesUnderTarget++;
  }
  const freeBytes = Math.max(0, offer.offeredBytes - offer.usedBytes);
  return { neededBytes, offeredBytes: offer.offeredBytes, usedBytes: offer.usedBytes, freeBytes, shortBytes: Math.max(0, neededBytes - freeBytes), seeders: offer.seeders, volumesUnderTarget };
}
