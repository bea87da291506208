/**
 * The set figures' volume walk (redundancy/set-figures.ts) groups a partly held volume's files
 * by which partial holders cover them: its figures must be exactly those of counting every
 * file on its own from the census rules (census/copies.ts holdersOfRange, copy-figures.ts).
 */
import { describe, expect, it } from 'vitest';
import { fileCopies, type VolumeHolders } from '../../services/tracker-web/census/index.ts';
import { copyFigures, type CopyMode } from '../../services/tracker-web/operators/copy-figures.ts';
import { ApprovedOperators } from '../../services/tracker-web/operators/operator-list.ts';
import type { CompactLayout } from '../../services/tracker-web/redundancy/layout-cache.ts';
import { computeSetFigures, SetFigureWalk, type SetFigureSources } from '../../services/tracker-web/redundancy/set-figures.ts';
import type { VolumeRecord } from '../../services/tracker-web/store/records.ts';

/** A small deterministic generator, so a failure can be replayed. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const KEY_A = 'a'.repeat(64);
const KEY_B = 'b'.repeat(64);

interface Fixture {
  volumes: VolumeRecord[];
  layouts: Map<string, CompactLayout>;
  holders: Map<string, VolumeHolders>;
}

/** Volumes of random file sizes, with whole and partial holders (some proving operator keys, one shared by two hosts). */
function fixture(seed: number, partialHosts: number): Fixture {
  const r = prng(seed);
  const volumes: VolumeRecord[] = [];
  const layouts = new Map<string, CompactLayout>();
  const holders = new Map<string, VolumeHolders>();
  for (let v = 0; v < 4; v++) {
    const infoHash = `${seed.toString(16).padStart(8, '0')}${String(v).padStart(32, '0')}`;
    const pieceLength = 16_384;
    const files = 40 + Math.floor(r() * 80);
    const lengths = new Float64Array(files);
    const offsets = new Float64Array(files);
    let at = 0;
    for (let i = 0; i < files; i++) {
      // Some empty files, some inside one piece, some over several.
      lengths[i] = r() < 0.05 ? 0 : Math.floor(r() * 3 * pieceLength);
      offsets[i] = at;
      at += lengths[i]!;
    }
    const pieces = Math.max(1, Math.ceil(at / pieceLength));
    const paths = Array.from({ length: files }, (_, i) => `a/ab/F${v}_${i}.jpg`);
    layouts.set(infoHash, { infoHash, pieceLength, totalBytes: at, pieces, paths, offsets, lengths });
    volumes.push({ infoHash, setId: 's', versions: [{ setId: 's', version: 1 }], prefix: '', size: at, files, pieceLength, pieces });
    const passing = new Map<string, Uint8Array>();
    const keys = new Map<string, string[]>();
    const wholeBits = new Uint8Array(Math.ceil(pieces / 8)).fill(0xff);
    for (let h = 0; h < 2; h++) passing.set(`10.0.${v}.${h + 1}`, wholeBits);
    for (let h = 0; h < partialHosts; h++) {
      const bits = new Uint8Array(Math.ceil(pieces / 8));
      for (let p = 0; p < pieces; p++) if (r() > 0.15) bits[p >> 3]! |= 0x80 >> (p & 7);
      passing.set(`10.1.${h >> 8}.${(h & 255) + 1}`, bits);
    }
    keys.set(`10.0.${v}.1`, [KEY_A]);
    keys.set('10.1.0.1', [KEY_B]);
    keys.set('10.1.0.2', [KEY_B]);
    holders.set(infoHash, { infoHash, passing, failing: new Map(), operatorKeys: keys });
  }
  return { volumes, layouts, holders };
}

const approved = new ApprovedOperators([
  { name: 'A', operatorKey: KEY_A, networks: ['10.1.0.0/24'], addedAt: '2026-01-01' },
  { name: 'B', operatorKey: KEY_B, networks: [], addedAt: '2026-01-01' },
]);

function sources(f: Fixture, mode: CopyMode): SetFigureSources {
  return {
    holders: (ih) => f.holders.get(ih)!,
    layout: (ih) => f.layouts.get(ih) ?? null,
    headline: (_ih, hosts, keys, m) => copyFigures(hosts, keys, approved, m).copies,
    mode,
  };
}

/** The figures by definition: every file on its own. */
function perFile(f: Fixture, copyTarget: number, mode: CopyMode) {
  const other: CopyMode = mode === 'any' ? 'approved' : 'any';
  const histogram = new Map<number, number>();
  const counts: number[] = [];
  let bytesUnderTarget = 0;
  let filesUnderTarget = 0;
  let otherMin = Infinity;
  const volumeMins: number[] = [];
  for (const vol of f.volumes) {
    const l = f.layouts.get(vol.infoHash)!;
    const h = f.holders.get(vol.infoHash)!;
    let volumeMin = Infinity;
    for (let i = 0; i < l.paths.length; i++) {
      const c = fileCopies(h, { path: l.paths[i]!, offset: l.offsets[i]!, length: l.lengths[i]! }, l.pieceLength);
      const n = copyFigures(c.hosts, h.operatorKeys, approved, mode).copies;
      otherMin = Math.min(otherMin, copyFigures(c.hosts, h.operatorKeys, approved, other).copies);
      volumeMin = Math.min(volumeMin, n);
      histogram.set(n, (histogram.get(n) ?? 0) + 1);
      counts.push(n);
      if (n < copyTarget) {
        filesUnderTarget++;
        bytesUnderTarget += l.lengths[i]!;
      }
    }
    volumeMins.push(volumeMin);
  }
  counts.sort((a, b) => a - b);
  return { min: counts[0], median: counts[Math.floor((counts.length - 1) / 2)], histogram, filesUnderTarget, bytesUnderTarget, otherMin, volumeMins };
}

describe('set figures volume walk', () => {
  // 3 partial holders: grouped by mask; 33: more than a mask holds, file by file.
  for (const partialHosts of [3, 33]) {
    for (const mode of ['any', 'approved'] as const) {
      it(`gives every file the copies the census rules give it (${partialHosts} partial holders, ${mode} copies)`, () => {
        for (const seed of [1, 2, 3, 4, 5]) {
          const f = fixture(seed * 7919 + partialHosts, partialHosts);
          const want = perFile(f, 4, mode);
          const volumeMins: number[] = [];
          const got = computeSetFigures(f.volumes, 4, sources(f, mode), (_ih, n) => volumeMins.push(n));
          expect(got.histogram).toEqual(want.histogram);
          expect({ min: got.min, median: got.median, files: got.files, under: got.filesUnderTarget, bytesUnder: got.bytesUnderTarget, otherMin: got.otherMin }).toEqual({
            min: want.min,
            median: want.median,
            files: f.volumes.reduce((k, v) => k + v.files, 0),
            under: want.filesUnderTarget,
            bytesUnder: want.bytesUnderTarget,
            otherMin: want.otherMin,
          });
          expect(volumeMins).toEqual(want.volumeMins);
          // The histogram must not be all one count, or the test would not tell groups apart.
          expect(want.histogram.size).toBeGreaterThan(1);
        }
      });
    }
  }

  it('adds up to the same figures one volume at a time as all at once', () => {
    const f = fixture(99, 5);
    const walk = new SetFigureWalk(3, sources(f, 'any'));
    const mins = f.volumes.map((v) => walk.addVolume(v));
    expect(walk.result()).toEqual(computeSetFigures(f.volumes, 3, sources(f, 'any')));
    expect(mins).toEqual(perFile(f, 3, 'any').volumeMins);
  });
});
