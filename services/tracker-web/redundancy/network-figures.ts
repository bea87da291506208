/**
 * The catalogue's headline figures, computed in one place so the pages, the JSON API and
 * /metrics say the same thing. One definition per word:
 *   seeders: distinct hosts (an IPv4 address, an IPv6 /64) the tracker sees seeding any volume
 *            of a set now; several seeders on one machine are one host;
 *   copies:  what the catalogue counts as independent: hosts whose copy the census audited, or
 *            distinct approved operators (the copies mode); a set's copies are its least-copied
 *            volume's (= its least-copied file's);
 *   needed:  bytes still to store to bring every volume to its copy target.
 * The API (/api/needs) reads copies fresh (recomputed after a census round); the home page and
 * /metrics read the last known figures (`peek`: kept with the set figures, on disk too), so
 * neither a view nor a scrape after start-up or a census round stalls the tracker; they agree
 * once the background warm-up after a round is done.
 */
import type { CopyIndex } from './copy-index.ts';
import { bytesToTarget, spaceBalance, type SpaceBalance, type SpaceOffer, type VolumeNeed } from './needs.ts';
import type { CatalogueStore, SetSummary } from '../store/catalogue-store.ts';
import { hostKeyOf, type SwarmReader } from '../tracker/swarm-store.ts';

/** What the figures are read from. */
export interface FigureSources {
  store: CatalogueStore;
  copies: CopyIndex;
  swarms: SwarmReader;
}

/** How copies are read: fresh (pages, API) or the last computed ones (metrics). */
export type CopiesReading = 'fresh' | 'peek';

function copiesOf(src: FigureSources, reading: CopiesReading): (infoHash: string) => number {
  return reading === 'peek' ? (ih) => src.copies.peekVolumeCopies(ih) : (ih) => src.copies.volumeCopies(ih);
}

/** Distinct hosts seeding (holding every piece of) any of these volumes now, as the tracker sees them. */
export function seedingHosts(swarms: SwarmReader, volumes: readonly string[]): number {
  const seen = new Set<string>();
  for (const ih of volumes) {
    for (const p of swarms.peers(ih)) if (p.complete) seen.add(hostKeyOf(p.ip) ?? p.ip);
  }
  return seen.size;
}

/**
 * Every volume of every set's latest version, once (a volume two sets share is needed once,
 * at the higher of their targets), with its copies and seeders.
 */
export function latestVolumes(src: FigureSources, reading: CopiesReading = 'fresh', rows: readonly SetSummary[] = src.store.listSets()): VolumeNeed[] {
  const copies = copiesOf(src, reading);
  const byHash = new Map<string, VolumeNeed>();
  for (const row of rows) {
    for (const ih of row.latest?.volumes ?? []) {
      const seen = byHash.get(ih);
      if (seen) {
        seen.copyTarget = Math.max(seen.copyTarget, row.copyTarget);
        continue;
      }
      byHash.set(ih, { infoHash: ih, setId: row.id, size: src.store.getVolume(ih)?.size ?? 0, copyTarget: row.copyTarget, copies: copies(ih), seeders: src.swarms.counts(ih).seedingHosts });
    }
  }
  return [...byHash.values()];
}

/** The network's space balance (banner, /api/needs totals and seedbank_space_* gauges); `rows`: the sets, when the caller has read them already. */
export function networkSpace(src: FigureSources, offer: SpaceOffer, reading: CopiesReading = 'fresh', rows?: readonly SetSummary[]): SpaceBalance {
  return spaceBalance(latestVolumes(src, reading, rows), offer);
}

/** One set's figures, as the per-set gauges show them. */
export interface SetFigures {
  setId: string;
  /** Copies of the least-copied volume. */
  copies: number;
  copyTarget: number;
  /** Distinct hosts seeding any volume now. */
  seeders: number;
  /** Bytes of files below the copy target. */
  bytesUnderTarget: number;
  /** Bytes still to store to bring every volume to the target. */
  bytesToTarget: number;
}

/**
 * Every published set's figures. Reads precomputed figures only (volume copy counts and the
 * set's copy statistics, both kept per census round by the copy index; volume sizes from the
 * store): no manifest is parsed, so a scrape costs O(volumes + live peers).
 */
export function readSetFigures(src: FigureSources, reading: CopiesReading = 'peek', rows: readonly SetSummary[] = src.store.listSets()): SetFigures[] {
  const copies = copiesOf(src, reading);
  const out: SetFigures[] = [];
  for (const row of rows) {
    if (!row.latest) continue;
    let least = Infinity;
    let toTarget = 0;
    for (const ih of row.latest.volumes) {
      const n = copies(ih);
      least = Math.min(least, n);
      toTarget += bytesToTarget({ size: src.store.getVolume(ih)?.size ?? 0, copyTarget: row.copyTarget, copies: n });
    }
    const stats = reading === 'peek' ? (src.copies.peekSet(row.id) ?? src.copies.setFigures(row.id)) : src.copies.setFigures(row.id);
    out.push({
      setId: row.id,
      copies: Number.isFinite(least) ? least : 0,
      copyTarget: row.copyTarget,
      seeders: seedingHosts(src.swarms, row.latest.volumes),
      bytesUnderTarget: stats?.bytesUnderTarget ?? 0,
      bytesToTarget: toTarget,
    });
  }
  return out;
}
