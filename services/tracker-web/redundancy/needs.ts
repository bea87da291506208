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
 */
export function rankNeeds(volumes: VolumeNeed[]): RankedNeed[] {
  return volumes
    .map((v) => ({ ...v, missing: Math.max(0, v.copyTarget - v.copies), neededBytes: Math.max(0, v.copyTarget - v.copies) * v.size }))
    .filter((v) => v.missing > 0)
    .sort(
      (a, b) =>
        b.missing / b.copyTarget - a.missing / a.copyTarget ||
        b.missing - a.missing ||
        a.size - b.size ||
        (a.infoHash < b.infoHash ? -1 : a.infoHash > b.infoHash ? 1 : 0),
    );
}

/** The network's space balance: what the copy targets need against what seeders offer. */
export function spaceBalance(volumes: Array<{ size: number; copyTarget: number }>, offeredBytes: number): { neededBytes: number; offeredBytes: number; shortBytes: number } {
  const neededBytes = volumes.reduce((s, v) => s + v.size * v.copyTarget, 0);
  return { neededBytes, offeredBytes, shortBytes: Math.max(0, neededBytes - offeredBytes) };
}
