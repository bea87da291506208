/**
 * The copy figures' layout cache (redundancy/layout-cache.ts): the figures read a volume's
 * extents without its paths (so the bounded cache holds five times the volumes), a reader
 * that needs the paths gets them, and the byte bound holds.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compactExtents, LayoutCache } from '../../services/tracker-web/redundancy/layout-cache.ts';
import { FOUR_FILE_PIECE_LENGTH, FOUR_FILES, makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

let work: string;
let fixture: VolumeFixture;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-layout-cache-'));
  fixture = await makeVolumeFixture(work, FOUR_FILES, FOUR_FILE_PIECE_LENGTH);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

/** A store of `n` volumes that all hold the fixture's torrent, counting reads. */
function store(n: number) {
  const hashes = Array.from({ length: n }, (_, i) => i.toString(16).padStart(40, '0'));
  return { hashes, volumeTorrent: (ih: string) => (hashes.includes(ih) ? fixture.torrent : undefined) };
}

describe('layout cache', () => {
  it('keeps extents for the figures, reads the torrent again for paths once, then serves both from memory', () => {
    const s = store(1);
    const cache = new LayoutCache(s);
    const ih = s.hashes[0]!;
    const extents = cache.extents(ih)!;
    expect([...extents.lengths]).toEqual(fixture.parsed.files.map((f) => f.length));
    // The fixture's files lie end to end: their offsets follow from the lengths and are not kept.
    expect(extents.offsets).toBeNull();
    expect(fixture.parsed.files.map((f, i) => f.offset - (i === 0 ? 0 : fixture.parsed.files[i - 1]!.offset + fixture.parsed.files[i - 1]!.length))).toEqual(fixture.parsed.files.map(() => 0));
    expect(extents.lengths).toBeInstanceOf(Uint32Array);
    expect(extents).not.toHaveProperty('paths');
    expect(cache.reads).toBe(1);
    expect(cache.get(ih)!.paths).toEqual(fixture.parsed.files.map((f) => f.path));
    expect(cache.reads).toBe(2);
    cache.get(ih);
    cache.extents(ih);
    expect(cache.reads).toBe(2);
    expect(cache.extents('f'.repeat(40))).toBeNull();
  });

  it('keeps offsets where files do not lie end to end (pads), and lengths as doubles past 4 GiB', () => {
    const padded = compactExtents('a'.repeat(40), { pieceLength: 16, offsets: Float64Array.from([0, 16, 48]), lengths: Float64Array.from([10, 20, 2 ** 33]) });
    expect([...padded.extents.offsets!]).toEqual([0, 16, 48]);
    expect(padded.extents.lengths).toBeInstanceOf(Float64Array);
    expect([...padded.extents.lengths]).toEqual([10, 20, 2 ** 33]);
    const plain = compactExtents('b'.repeat(40), { pieceLength: 16, offsets: Float64Array.from([0, 10, 30]), lengths: Float64Array.from([10, 20, 5]) });
    expect(plain.extents.offsets).toBeNull();
    expect(plain.bytes).toBeLessThan(padded.bytes);
  });

  it('holds more volumes as extents than as layouts within the same bound, and never more than the bound', () => {
    const s = store(40);
    const probe = new LayoutCache(s);
    probe.get(s.hashes[0]!);
    const layoutBytes = probe.bytes;
    probe.extents(s.hashes[1]!);
    const extentBytes = probe.bytes - layoutBytes;
    expect(extentBytes).toBeLessThan(layoutBytes);
    const bound = 10 * layoutBytes;
    const cache = new LayoutCache(s, bound);
    for (const ih of s.hashes) cache.extents(ih);
    expect(cache.bytes).toBeLessThanOrEqual(bound);
    const readsBefore = cache.reads;
    // The most recent extents are still there (no read); as many as fit the bound.
    const kept = Math.floor(bound / extentBytes);
    for (const ih of s.hashes.slice(-Math.min(kept, s.hashes.length))) cache.extents(ih);
    expect(cache.reads).toBe(readsBefore);
    expect(kept).toBeGreaterThan(10);
    for (const ih of s.hashes) cache.get(ih);
    expect(cache.bytes).toBeLessThanOrEqual(bound);
  });
});
