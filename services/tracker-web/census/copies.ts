/**
 * From audit results to copy counts (DESIGN.md, "Redundancy: what a copy is"). A copy of a
 * file is a distinct host that holds every piece covering the file and passed an audit of
 * that volume recently. Pure functions: the caller supplies the clock.
 *
 * Rules, in order:
 * - Only results for the volume's info hash, at most `maxAgeMs` old, with an audit verdict.
 * - Per peer (host and port) only its latest verdict counts: a peer that passed yesterday and
 *   failed today is failing.
 * - A host holds the union of what its passing peers claim (two seeders on one machine with
 *   halves of a volume make one whole copy) and counts once however many peers it runs.
 * - A host is flagged for a file when a failing peer of it claims the whole file; it may also
 *   be counted through another, passing peer (another disk on the same machine).
 * - The operator keys a host's passing peers proved are kept beside the hosts (`operatorKeys`),
 *   so the copy figures (operators/copy-figures.ts) can count one operator once however many
 *   addresses prove it (relays forwarding to one seeder, one seeder on two addresses).
 * - A zero-length file covers no piece: every host that passed an audit of the volume holds it
 *   (there are no bytes to lose; it is recreated from the torrent alone), and every host with a
 *   failed audit is flagged for it.
 */
import { SeedbankError } from '../../../shared/errors.ts';
import { networkOf, normalizeHost } from './network.ts';
import type { PeerAuditResult } from './peer-audit.ts';

export { networkOf, normalizeHost } from './network.ts';

export interface VolumeLayout {
  infoHash: string;
  pieceLength: number;
  files: ReadonlyArray<{ path: string; offset: number; length: number; sha1Hex?: string }>;
}

export interface CopyWindow {
  /** ms since the epoch. */
  now: number;
  /** Older audits are ignored. */
  maxAgeMs: number;
}

export interface PieceRange {
  first: number;
  /** Inclusive; `first - 1` for a zero-length file. */
  last: number;
  count: number;
}

export interface FileCopies {
  infoHash: string;
  path: string;
  /** Lower-case hex; null when the torrent carries no per-file SHA-1. */
  sha1: string | null;
  /** Distinct hosts holding the whole file with a passed audit, sorted. */
  hosts: string[];
  /** Their /24 and /48 networks, sorted. */
  networks: string[];
  /** Hosts whose failed audit covers this file, sorted. */
  flagged: string[];
  /** Host → the operator keys its passing peers proved (hosts with none are absent); one map shared by a volume's files. */
  operatorKeys: ReadonlyMap<string, readonly string[]>;
}

export interface MergedCopies {
  /** The file's SHA-1, or `infoHash/path` for a file without one. */
  key: string;
  sha1: string | null;
  hosts: string[];
  networks: string[];
  flagged: string[];
  /** Host → operator keys proved, over every location. */
  operatorKeys: ReadonlyMap<string, readonly string[]>;
  /** Every (volume, path) the bytes were seen in. */
  locations: Array<{ infoHash: string; path: string }>;
}

function badInput(message: string): SeedbankError {
  return new SeedbankError('CENSUS_BAD_INPUT', message, { hint: 'offsets, lengths and piece lengths are non-negative byte counts' });
}

/** The pieces a file spans, as an inclusive range; empty (`count` 0, `last = first - 1`) for a zero-length file. */
export function pieceRangeForFile(file: { offset: number; length: number }, pieceLength: number): PieceRange {
  if (!Number.isSafeInteger(pieceLength) || pieceLength <= 0) throw badInput(`piece length ${pieceLength} is not a positive integer`);
  if (!Number.isSafeInteger(file.offset) || file.offset < 0 || !Number.isSafeInteger(file.length) || file.length < 0) {
    throw badInput(`file offset ${file.offset} / length ${file.length} are not non-negative integers`);
  }
  const first = Math.floor(file.offset / pieceLength);
  if (file.length === 0) return { first, last: first - 1, count: 0 };
  const last = Math.floor((file.offset + file.length - 1) / pieceLength);
  return { first, last, count: last - first + 1 };
}

/** Bit `i` of a BEP 3 bitfield (most significant bit first); false past its end. */
function hasPiece(bits: Uint8Array, i: number): boolean {
  return ((bits[i >> 3] ?? 0) & (0x80 >> (i & 7))) !== 0;
}

function covers(bits: Uint8Array, range: PieceRange): boolean {
  for (let i = range.first; i <= range.last; i++) if (!hasPiece(bits, i)) return false;
  return true;
}

/** ORs `src` into `dst` (grown as needed) and returns it. */
function union(dst: Uint8Array | undefined, src: Uint8Array): Uint8Array {
  const out = dst && dst.length >= src.length ? dst : Uint8Array.from({ length: src.length }, (_, i) => dst?.[i] ?? 0);
  for (let i = 0; i < src.length; i++) out[i]! |= src[i]!;
  return out;
}

/** The latest audited result per peer of this volume within the window. */
function latestVerdicts(infoHash: string, results: readonly PeerAuditResult[], window: CopyWindow): PeerAuditResult[] {
  const latest = new Map<string, PeerAuditResult>();
  for (const r of results) {
    if (r.infoHash.toLowerCase() !== infoHash || !r.audited || window.now - r.at > window.maxAgeMs) continue;
    const key = `${normalizeHost(r.host)}|${r.port}`;
    const seen = latest.get(key);
    if (!seen || r.at >= seen.at) latest.set(key, r);
  }
  return [...latest.values()];
}

const sorted = (s: Iterable<string>): string[] => [...new Set(s)].sort();

/** Who holds what of one volume: each host's union bitfield over its latest verdicts, passing and failing apart. */
export interface VolumeHolders {
  infoHash: string;
  /** Host → union of what its passing peers claim. */
  passing: ReadonlyMap<string, Uint8Array>;
  /** Host → union of what its failing peers claim. */
  failing: ReadonlyMap<string, Uint8Array>;
  /** Host → the operator keys its passing peers proved (hosts with none are absent). */
  operatorKeys: ReadonlyMap<string, readonly string[]>;
}

/** The holders of one volume from its audit results (the rules at the top of this file). */
export function volumeHolders(infoHash: string, results: readonly PeerAuditResult[], window: CopyWindow): VolumeHolders {
  const ih = infoHash.toLowerCase();
  const passing = new Map<string, Uint8Array>();
  const failing = new Map<string, Uint8Array>();
  const keys = new Map<string, string[]>();
  // The catalogue keeps one of these per volume for a census round: a host with one peer keeps
  // that peer's bitfield as it is (whole seeders' share one per piece count, verdict-table.ts),
  // a union is made only for a host with several, and empty maps are one shared empty map.
  const owned = new Set<Uint8Array>();
  for (const r of latestVerdicts(ih, results, window)) {
    const host = normalizeHost(r.host);
    const held = r.bitfield ?? EMPTY_BITS;
    const into = r.audited!.ok ? passing : failing;
    const before = into.get(host);
    if (before === undefined) into.set(host, held);
    else {
      // Never write into a peer's own bitfield: the first union is a copy.
      const merged = union(owned.has(before) ? before : union(undefined, before), held);
      owned.add(merged);
      into.set(host, merged);
    }
    if (r.audited!.ok && r.operatorKey) keys.set(host, sorted([...(keys.get(host) ?? []), r.operatorKey]));
  }
  return { infoHash: ih, passing, failing: failing.size > 0 ? failing : NO_HOLDERS, operatorKeys: keys.size > 0 ? keys : NO_KEYS };
}

const EMPTY_BITS = new Uint8Array(0);
const NO_HOLDERS: ReadonlyMap<string, Uint8Array> = new Map();
const NO_KEYS: ReadonlyMap<string, readonly string[]> = new Map();

/** The hosts holding every piece of `range` (sorted), and the failing hosts claiming it. */
export function holdersOfRange(h: VolumeHolders, range: PieceRange): { hosts: string[]; flagged: string[] } {
  const holding = (m: ReadonlyMap<string, Uint8Array>) => [...m].filter(([, bits]) => covers(bits, range)).map(([host]) => host);
  return { hosts: sorted(holding(h.passing)), flagged: sorted(holding(h.failing)) };
}

/** Copies of one file given its volume's holders. */
export function fileCopies(h: VolumeHolders, file: { path: string; offset: number; length: number; sha1Hex?: string }, pieceLength: number): FileCopies {
  const { hosts, flagged } = holdersOfRange(h, pieceRangeForFile(file, pieceLength));
  return { infoHash: h.infoHash, path: file.path, sha1: file.sha1Hex?.toLowerCase() ?? null, hosts, networks: sorted(hosts.map(networkOf)), flagged, operatorKeys: h.operatorKeys };
}

/** Whether a bitfield has every one of `pieces` pieces. */
export function hasAllPieces(bits: Uint8Array, pieces: number): boolean {
  return covers(bits, { first: 0, last: pieces - 1, count: pieces });
}

/** Copies of each file of one volume, in the volume's file order. */
export function copiesPerFile(volume: VolumeLayout, results: readonly PeerAuditResult[], window: CopyWindow): FileCopies[] {
  const h = volumeHolders(volume.infoHash, results, window);
  return volume.files.map((file) => fileCopies(h, file, volume.pieceLength));
}

/** Adds host → keys entries of `from` for the given hosts into `into`. */
export function addOperatorKeys(into: Map<string, Set<string>>, from: ReadonlyMap<string, readonly string[]>, hosts: Iterable<string>): void {
  for (const h of hosts) {
    const ks = from.get(h);
    if (!ks) continue;
    let set = into.get(h);
    if (!set) into.set(h, (set = new Set()));
    for (const k of ks) set.add(k);
  }
}

/** Adds up copies of the same bytes across volumes, sets and versions: per SHA-1, the union of hosts. */
export function mergeCopies(...lists: ReadonlyArray<readonly FileCopies[]>): MergedCopies[] {
  const merged = new Map<string, { sha1: string | null; hosts: Set<string>; flagged: Set<string>; keys: Map<string, Set<string>>; locations: MergedCopies['locations'] }>();
  for (const list of lists) {
    for (const f of list) {
      const key = f.sha1 ?? `${f.infoHash}/${f.path}`;
      let m = merged.get(key);
      if (!m) merged.set(key, (m = { sha1: f.sha1, hosts: new Set(), flagged: new Set(), keys: new Map(), locations: [] }));
      for (const h of f.hosts) m.hosts.add(h);
      addOperatorKeys(m.keys, f.operatorKeys, f.hosts);
      for (const h of f.flagged) m.flagged.add(h);
      if (!m.locations.some((l) => l.infoHash === f.infoHash && l.path === f.path)) m.locations.push({ infoHash: f.infoHash, path: f.path });
    }
  }
  return [...merged].map(([key, m]) => {
    const hosts = sorted(m.hosts);
    const operatorKeys = new Map([...m.keys].map(([h, ks]) => [h, sorted(ks)] as const));
    return { key, sha1: m.sha1, hosts, networks: sorted(hosts.map(networkOf)), flagged: sorted(m.flagged), operatorKeys, locations: m.locations };
  });
}
