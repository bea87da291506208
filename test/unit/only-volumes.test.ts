// `--only` narrowed to the volumes that can hold its titles: checked against the builder's own
// volume rule over generated names, including the second trie of unportable names.
import { describe, expect, it } from 'vitest';
import { commonsPath } from '../../shared/commons-path.ts';
import { unportablePaths } from '../../shared/formats/portable-name.ts';
import { assignVolumesApart } from '../../shared/formats/volume-rule.ts';
import { literalTitles, volumesForOnly } from '../../clients/restore/only-volumes.ts';

const names = [...Array.from({ length: 400 }, (_, i) => `Paris_${i}.jpg`), 'Twin.jpg', 'TWIN.jpg', 'Colon:name.jpg'];
const files = names.map((name) => ({ name, size: 1000, path: commonsPath(name) }));
const unportable = unportablePaths(files.map((f) => f.path));
const leaves = assignVolumesApart(files, 20_000, null, (f) => unportable.has(f.path));
const volumes = leaves.map((l, i) => ({ infoHash: i.toString(16).padStart(40, '0'), prefix: l.prefix, names: l.files.map((f) => f.name) }));
const volumeOf = (name: string) => volumes.find((v) => v.names.includes(name))!.infoHash;

describe('--only narrowed to volumes by prefix', () => {
  it('names the volume holding each title, and at most one more (the other trie)', () => {
    expect(volumes.length).toBeGreaterThan(8);
    expect(volumes.some((v) => v.prefix.startsWith('u'))).toBe(true);
    for (const name of names) {
      const picked = volumesForOnly(`File:${name.replace(/_/g, ' ')}`, volumes);
      expect(picked, name).toContain(volumeOf(name));
      expect(picked!.length, name).toBeLessThanOrEqual(2);
    }
  });

  it('reads titles as --only does: without File:, underscores for spaces, lower-case first letter', () => {
    expect(volumesForOnly('paris_7.jpg', volumes)).toContain(volumeOf('Paris_7.jpg'));
    expect(volumesForOnly('File:Paris 7.jpg', volumes)).toEqual(volumesForOnly('paris 7.jpg', volumes));
  });

  it('expands small classes, and needs every volume for a wildcard', () => {
    expect(literalTitles('Paris_[12].jpg')).toEqual(['Paris_1.jpg', 'Paris_2.jpg']);
    const both = volumesForOnly('Paris [12].jpg', volumes)!;
    expect(both).toEqual(expect.arrayContaining([volumeOf('Paris_1.jpg'), volumeOf('Paris_2.jpg')]));
    expect(volumesForOnly('Paris *.jpg', volumes)).toBeNull();
    expect(volumesForOnly('Paris ?.jpg', volumes)).toBeNull();
    expect(volumesForOnly('Paris [0-9].jpg', volumes)).toBeNull();
  });
});
