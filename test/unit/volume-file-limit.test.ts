import { describe, expect, it } from 'vitest';
import { assignVolumes, assignVolumesApart, nameBits } from '../../shared/formats/volume-rule.ts';
import { DEFAULT_VOLUME_FILE_LIMIT, parseRecipe } from '../../shared/formats/recipe.ts';

/** Many tiny files: far under any byte limit, so only the file limit can split them. */
const tiny = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ name: `Tiny_${from + i}.png`, size: 10 }));
const GIB = 2 ** 30;

describe('the volume file limit', () => {
  it('splits a leaf that holds more files than the limit, though it is far under the size limit', () => {
    const files = tiny(1000);
    expect(assignVolumes(files, GIB, null).map((l) => l.prefix)).toEqual(['']);
    const leaves = assignVolumes(files, GIB, null, 100);
    expect(leaves.length).toBeGreaterThanOrEqual(10);
    for (const l of leaves) {
      expect(l.files.length).toBeLessThanOrEqual(100);
      for (const f of l.files) expect(nameBits(f.name).startsWith(l.prefix)).toBe(true);
    }
    expect(leaves.flatMap((l) => l.files)).toHaveLength(1000);
  });

  it('is not undone by the merge rule: the next version keeps the layout, and merges only below a quarter of the file limit', () => {
    const v1 = assignVolumes(tiny(1000), GIB, null, 100);
    const v2 = assignVolumes(tiny(1000), GIB, v1.map((l) => l.prefix), 100);
    expect(v2.map((l) => l.prefix)).toEqual(v1.map((l) => l.prefix));
    // Shrunk to 40 files: pairs of siblings under 25 files in total merge back, the rest stay.
    const shrunk = assignVolumes(tiny(40), GIB, v1.map((l) => l.prefix), 100);
    expect(shrunk.every((l) => l.files.length <= 25 || v1.some((p) => p.prefix === l.prefix))).toBe(true);
    expect(shrunk.length).toBeLessThan(v1.length);
  });

  it('applies to the trie of unportable names too', () => {
    const files = tiny(300);
    const leaves = assignVolumesApart(files, GIB, null, (f) => f.name.endsWith('7.png'), 50);
    for (const l of leaves) expect(l.files.length).toBeLessThanOrEqual(50);
    expect(leaves.some((l) => !l.portable)).toBe(true);
  });

  it('is a recipe field with a default of 10,000, refused when not a positive integer', () => {
    const base = { id: 'x', title: 'X', selection: { categories: ['Paris'] } };
    expect(parseRecipe(base).volumeFileLimit).toBe(DEFAULT_VOLUME_FILE_LIMIT);
    expect(DEFAULT_VOLUME_FILE_LIMIT).toBe(10_000);
    expect(parseRecipe({ ...base, volumeFileLimit: 500 }).volumeFileLimit).toBe(500);
    expect(() => parseRecipe({ ...base, volumeFileLimit: 0 })).toThrow(/volumeFileLimit/);
    expect(() => parseRecipe({ ...base, volumeFileLimit: 1.5 })).toThrow(/volumeFileLimit/);
  });
});
