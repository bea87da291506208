/**
 * Hosts that claim both a superseded volume and the volume superseding it, where the two hold a
 * path with different bytes. Every volume torrent is named `commons`, so a stock client holding
 * both keeps them in one tree: the newer volume's bytes overwrite the file the older volume
 * expects, yet the client goes on claiming the older volume whole until it rechecks. A random
 * piece would rarely land on that file, so such a host's audit of the older volume asks for a
 * piece holding a conflicting file: a host whose copy was overwritten fails, and is not counted
 * for the older volume. A host that holds both correctly (Seedbank's own seeder keeps a
 * re-upload's old bytes apart) passes, and one that no longer claims those pieces gets no verdict.
 * Pure: the caller gives the swarms' peers and the volumes' layouts.
 */
import type { CensusJob } from './census.ts';
import { pieceRangeForFile } from './copies.ts';
import { normalizeHost } from './network.ts';
import type { AuditTarget, PeerAddress } from './peer-audit.ts';

/** A superseded volume of the previous version and what replaced it. */
export interface SupersededPair {
  /** The older volume: its audit target and where its files lie. */
  older: { target: AuditTarget; files: ReadonlyArray<{ path: string; offset: number; length: number }> };
  /** The newer volumes that took over its files. */
  newer: readonly string[];
  /** Paths both hold with different bytes. */
  conflictPaths: readonly string[];
}

/** The older volume's pieces that hold any of the conflicting files, ascending. */
export function conflictPieces(pair: SupersededPair): number[] {
  const wanted = new Set(pair.conflictPaths);
  const pieces = new Set<number>();
  for (const f of pair.older.files) {
    if (!wanted.has(f.path)) continue;
    const r = pieceRangeForFile(f, pair.older.target.pieceLength);
    for (let i = r.first; i <= r.last; i++) pieces.add(i);
  }
  return [...pieces].sort((a, b) => a - b);
}

/**
 * Adds to `jobs` one focused job per superseded volume with conflicts, for the peers of hosts
 * that also announce a newer volume; those peers leave any plain job of the same volume, so one
 * peer gets one verdict a round.
 */
export function withDoubleClaims(jobs: readonly CensusJob[], pairs: readonly SupersededPair[], peersOf: (infoHash: string) => readonly PeerAddress[]): CensusJob[] {
  const focused: CensusJob[] = [];
  const taken = new Map<string, Set<string>>();
  for (const pair of pairs) {
    if (pair.conflictPaths.length === 0) continue;
    const focusPieces = conflictPieces(pair);
    if (focusPieces.length === 0) continue;
    const newerHosts = new Set(pair.newer.flatMap((ih) => peersOf(ih).map((p) => normalizeHost(p.host))));
    const ih = pair.older.target.infoHash.toLowerCase();
    const peers = peersOf(ih).filter((p) => newerHosts.has(normalizeHost(p.host)));
    if (peers.length === 0) continue;
    let keys = taken.get(ih);
    if (!keys) taken.set(ih, (keys = new Set()));
    const fresh = peers.filter((p) => !keys.has(`${p.host}:${p.port}`));
    for (const p of fresh) keys.add(`${p.host}:${p.port}`);
    if (fresh.length > 0) focused.push({ target: pair.older.target, peers: fresh, focusPieces });
  }
  if (focused.length === 0) return [...jobs];
  const plain = jobs
    .map((j) => {
      const keys = taken.get(j.target.infoHash.toLowerCase());
      return keys ? { ...j, peers: j.peers.filter((p) => !keys.has(`${p.host}:${p.port}`)) } : j;
    })
    .filter((j) => j.peers.length > 0);
  return [...plain, ...focused];
}
