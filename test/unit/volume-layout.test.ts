/**
 * The light layout reader (shared/torrent/volume-layout.ts) gives the catalogue's copy figures
 * the same layout the full parser does, for torrents the builder makes (several files, pieces
 * shared between files, non-ASCII names, per-file SHA-1s), and refuses bytes it cannot walk.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVolumeExtents, readVolumeLayout } from '../../shared/torrent/volume-layout.ts';
import { FOUR_FILE_PIECE_LENGTH, FOUR_FILES, makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';

let work: string;
let fixture: VolumeFixture;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-volume-layout-'));
  fixture = await makeVolumeFixture(work, [...FOUR_FILES, { path: 'z/zé/Żółw_日本.jpg', length: 5_000 }], FOUR_FILE_PIECE_LENGTH);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('readVolumeLayout', () => {
  it('reads the layout the full parser reads', () => {
    const full = fixture.parsed;
    const light = readVolumeLayout(fixture.torrent);
    expect(light.pieceLength).toBe(full.pieceLength);
    expect(light.totalBytes).toBe(full.totalBytes);
    expect(light.pieces).toBe(full.pieces.length / 20);
    expect(light.paths).toEqual(full.files.map((f) => f.path));
    expect([...light.offsets]).toEqual(full.files.map((f) => f.offset));
    expect([...light.lengths]).toEqual(full.files.map((f) => f.length));
    // The same from a Uint8Array that is not a Buffer (LMDB may hand back either).
    expect(readVolumeLayout(new Uint8Array(fixture.torrent)).paths).toEqual(light.paths);
  });

  it('reads the same lengths without decoding paths (readVolumeExtents), and refuses what the layout reader refuses', () => {
    const full = fixture.parsed;
    const e = readVolumeExtents(fixture.torrent);
    expect(e.pieceLength).toBe(full.pieceLength);
    expect(e.pieces).toBe(full.pieces.length / 20);
    expect([...e.lengths]).toEqual(full.files.map((f) => f.length));
    // Offsets follow from the lengths: the files lie end to end.
    let next = 0;
    for (const f of full.files) {
      expect(f.offset).toBe(next);
      next += f.length;
    }
    expect(() => readVolumeExtents(fixture.torrent.subarray(0, Math.floor(fixture.torrent.length / 2)))).toThrow(expect.objectContaining({ code: 'TORRENT_INVALID' }));
    expect(() => readVolumeExtents(Buffer.from('d4:spam4:eggse'))).toThrow(expect.objectContaining({ code: 'TORRENT_INVALID' }));
  });

  it('reads a torrent of more files than its first buffer holds, and the layout reader keeps its own copy', () => {
    // Hand-made bytes: the light readers skip every check the full parser made at publish.
    const torrent = (n: number) => {
      const files = Array.from({ length: n }, (_, i) => `d6:lengthi${i + 1}e4:pathl${`f${i}`.length}:f${i}ee`).join('');
      return Buffer.from(`d4:infod5:filesl${files}e4:name7:commons12:piece lengthi16384e6:pieces20:${'x'.repeat(20)}ee`, 'latin1');
    };
    const big = readVolumeLayout(torrent(3_000));
    expect(big.lengths.length).toBe(3_000);
    expect(big.offsets[2_999]).toBe((2_999 * 3_000) / 2);
    const e = readVolumeExtents(torrent(2_500));
    expect([...e.lengths]).toEqual(Array.from({ length: 2_500 }, (_, i) => i + 1));
    // A later read reuses the extents' buffer, never the layout's arrays.
    readVolumeExtents(torrent(10));
    expect(big.lengths[0]).toBe(1);
    expect(big.lengths[2_999]).toBe(3_000);
    expect(big.paths[2_999]).toBe('f2999');
  });

  it('refuses bytes cut short or not a torrent with TORRENT_INVALID', () => {
    expect(() => readVolumeLayout(fixture.torrent.subarray(0, Math.floor(fixture.torrent.length / 2)))).toThrow(expect.objectContaining({ code: 'TORRENT_INVALID' }));
    expect(() => readVolumeLayout(Buffer.from('d4:spam4:eggse'))).toThrow(expect.objectContaining({ code: 'TORRENT_INVALID' }));
  });
});
