// makeMosaic (the set page's preview) over real image files: a grid of the readable ones,
// unreadable files skipped without a trace, deterministic output, capped tiles.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeMosaicSamples, SAMPLE_MOSAIC, type MosaicSamples } from '../helpers/mosaic-samples.ts';
import { makeMosaic } from '../../shared/preview-mosaic.ts';

let work: string;
let samples: MosaicSamples;
let mosaic: Buffer;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-mosaic-'));
  samples = await makeMosaicSamples(work);
  mosaic = await makeMosaic(samples.all, SAMPLE_MOSAIC);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('makeMosaic', () => {
  it('draws the readable images in a grid, skips unreadable files, and is deterministic', async () => {
    const meta = await sharp(mosaic).metadata();
    expect(meta.format).toBe('jpeg');
    // Five readable images on six columns: one row of five tiles with 2 px gaps.
    expect({ width: meta.width, height: meta.height }).toEqual({ width: 5 * SAMPLE_MOSAIC.tile + 4 * 2, height: SAMPLE_MOSAIC.tile });
    expect(await makeMosaic(samples.all, SAMPLE_MOSAIC)).toEqual(mosaic);
    // Skipping is exact: the unreadable files leave no trace.
    expect(await makeMosaic(samples.readable, SAMPLE_MOSAIC)).toEqual(mosaic);
    const capped = await sharp(await makeMosaic(samples.all, { tile: 32, columns: 2, maxTiles: 3 })).metadata();
    expect({ width: capped.width, height: capped.height }).toEqual({ width: 2 * 32 + 2, height: 2 * 32 + 2 });
    const empty = await sharp(await makeMosaic([samples.pdf], { tile: 40, columns: 4, maxTiles: 8 })).metadata();
    expect({ width: empty.width, height: empty.height }).toEqual({ width: 40, height: 40 });
    expect((await stat(samples.readable[0]!)).size).toBeGreaterThan(0);
  });
});
