/**
 * Six sets of one four-file volume each on a real store (LMDB in a temp folder), and a census
 * that holds them whole, in part (files sharing pieces), with operator keys, or not at all: the
 * copy figures' tests (warm-up on a worker, what a warm-up keeps and walks) count over these.
 * The census stands in as a results list a test may change between rounds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import type { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { putHandVersion } from './hand-version.ts';
import { FOUR_FILE_PIECE_LENGTH, FOUR_FILES, makeVolumeFixture, type VolumeFixture } from './volume-fixture.ts';

export const NOW = Date.UTC(2026, 11, 5, 12);
export const SETS = 6;

export interface SixSets {
  work: string;
  store: CatalogueStore;
  fixtures: VolumeFixture[];
  /** The info hash of set i's volume. */
  ih(i: number): string;
  /** Publishes a new version of set i over a fresh volume (its files renamed, so a new info hash). */
  publish(i: number, version: number): Promise<void>;
  close(): Promise<void>;
}

async function volume(work: string, i: number, tag = ''): Promise<VolumeFixture> {
  return makeVolumeFixture(path.join(work, `v${i}${tag}`), FOUR_FILES.map((f) => ({ ...f, path: f.path.replace('.jpg', `_${i}${tag}.jpg`) })), FOUR_FILE_PIECE_LENGTH);
}

/** The SHA-1 of set i's file k in a version: readable in test output, `${i}${k}${version}` padded with "a". */
export function sixSetSha1(i: number, k: number, version = 1): string {
  return `${i}${k}${version}`.padEnd(40, 'a');
}

/** Every file's SHA-1 in version 1 of the six sets, in key order. */
export const SIX_SET_SHA1S: readonly string[] = Array.from({ length: SETS }, (_, i) => FOUR_FILES.map((_, k) => sixSetSha1(i, k))).flat().sort();

/** The six sets in a data folder that the test file's catalogues open themselves (the store closed): made before its tests, removed after. */
export interface SixSetCatalogue {
  readonly six: SixSets;
  /** The catalogue data folder (DIR of `seedbank serve --data DIR`). */
  readonly dataDir: string;
}

/** Registers the calling test file's beforeAll and afterAll for a {@link SixSetCatalogue}. */
export function sixSetCatalogue(prefix: string): SixSetCatalogue {
  let six: SixSets | undefined;
  beforeAll(async () => {
    six = await openSixSets(prefix);
    // The catalogues under test open the store themselves.
    await six.store.close();
  }, 60_000);
  afterAll(async () => {
    await six?.close().catch(() => undefined);
  });
  const made = (): SixSets => {
    if (!six) throw new Error('the six sets are made in beforeAll: read them inside a test');
    return six;
  };
  return {
    get six() {
      return made();
    },
    get dataDir() {
      return path.join(made().work, 'catalogue');
    },
  };
}

/** Opens a store with the six sets (version 1 each, copy target 3). */
export async function openSixSets(prefix: string): Promise<SixSets> {
  const work = await mkdtemp(path.join(os.tmpdir(), prefix));
  const store = CatalogueStore.open(path.join(work, 'catalogue'));
  const fixtures: VolumeFixture[] = [];
  const put = (i: number, fixture: VolumeFixture, version: number) =>
    putHandVersion(store, { setId: `set-${i}`, keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: FOUR_FILES.map((_, k) => sixSetSha1(i, k, version)), copyTarget: 3, version });
  for (let i = 0; i < SETS; i++) {
    const fixture = await volume(work, i);
    fixtures.push(fixture);
    await put(i, fixture, 1);
  }
  await store.flushed();
  return {
    work,
    store,
    fixtures,
    ih: (i) => fixtures[i]!.parsed.infoHash,
    publish: async (i, version) => {
      await put(i, await volume(work, i, `-v${version}`), version);
      await store.flushed();
    },
    close: async () => {
      await store.close();
      await rm(work, { recursive: true, force: true });
    },
  };
}

/** A passing audit of one peer: `bits` of the volume's 7 pieces (0x80 is the first piece only, 0xfe whole). */
export function audit(ih: string, host: string, bits: number, operatorKey: string | null = null): PeerAuditResult {
  const bitfield = Buffer.from([bits]);
  let have = 0;
  for (let p = 0; p < 7; p++) if (bits & (0x80 >> p)) have++;
  return { host, port: 6881, infoHash: ih, reachable: true, havePieces: have, complete: have === 7, bitfield, audited: { piece: 0, ok: true, ms: 1 }, ms: 1, at: NOW - 60_000, operatorKey };
}

/** Whole, partial (without Delta: pieces 0-4), keyed and missing holders across the six volumes; set-5 nobody holds. */
export function sixSetVerdicts(ih: (i: number) => string): PeerAuditResult[] {
  return [
    audit(ih(0), '127.0.1.1', 0xfe),
    audit(ih(0), '127.0.1.2', 0xfe),
    audit(ih(0), '127.0.1.3', 0xf8),
    audit(ih(1), '127.0.2.1', 0xf8),
    audit(ih(1), '127.0.2.2', 0x20),
    audit(ih(2), '127.0.3.1', 0xfe, 'k'.repeat(64)),
    audit(ih(2), '127.0.3.2', 0xfe, 'k'.repeat(64)),
    audit(ih(3), '127.0.4.1', 0xfe),
    audit(ih(4), '127.0.5.1', 0x80),
  ];
}

/** A census over a results list (read at every call: a test may change it between rounds). */
export function censusOf(results: () => PeerAuditResult[]) {
  return {
    results: () => results(),
    countedResults: (infoHash: string) => results().filter((r) => r.infoHash === infoHash),
    auditedVolumes: () => {
      const volumes = [...new Set(results().map((r) => r.infoHash))];
      return { count: volumes.length, infoHashes: volumes[Symbol.iterator]() };
    },
  };
}

/** Every set's figures and every volume's copy count, as a reader sees them. */
export function sixSetFigures(copies: CopyIndex, ih: (i: number) => string) {
  return Array.from({ length: SETS }, (_, i) => {
    const s = copies.peekSet(`set-${i}`);
    return { set: s && { ...s, histogram: [...s.histogram].sort((a, b) => a[0] - b[0]) }, volume: copies.peekVolumeCopies(ih(i)) };
  });
}
