import { describe, expect, it } from 'vitest';
import { commonsPath, originalUrl } from '../../shared/commons-path.ts';
import { FileTable, keepWhere } from '../../services/set-builder/listing/file-table.ts';
import type { ListedFile } from '../../services/set-builder/listing/listed-file.ts';

const BASE = 'http://127.0.0.1:9/wikipedia/';

/** A record as the dump listing makes it: title, path and URL follow from the name. */
function listed(name: string, i: number, extra: Partial<ListedFile> = {}): ListedFile {
  const path = commonsPath(name);
  return {
    title: `File:${name.replace(/_/g, ' ')}`, name, path, url: originalUrl(BASE, path), uploadBase: BASE,
    size: 5 * 2 ** 30 + i, sha1: i.toString(16).padStart(40, '0'), mime: i % 2 ? 'image/png' : 'image/jpeg',
    uploadTimestamp: `2024-01-${String((i % 28) + 1).padStart(2, '0')}T10:20:30Z`, pageId: 100 + i, revisionId: 2_000_000_000 + i,
    license: i % 3 ? 'CC-BY-SA-4.0' : null, author: i % 4 ? `Aüthor ${i}` : null, categories: i % 2 ? ['A', 'B c'] : [],
    coordinates: i % 5 ? { lat: 48.1 + i, lon: -0.000001 * i } : null, ...extra,
  };
}

describe('the compact file table', () => {
  const names = ['Zebra_ü.jpg', 'Apple_tree.png', 'Apple.png', 'Ñandú_1.jpg', 'B.tif', 'Question?.jpg'];
  const files = names.map((n, i) => listed(n, i));

  it('gives back every record as the listing made it, in title order once sorted', () => {
    const table = new FileTable('File:', 2);
    for (const f of files) table.push(f);
    table.sortByTitle();
    const byTitle = [...files].sort((a, b) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
    expect([...table]).toEqual(byTitle);
    expect(table.length).toBe(files.length);
    expect(table.at(files.length)).toBeUndefined();
    for (let i = 0; i < table.length; i++) {
      expect(table.titleAt(i)).toBe(byTitle[i]!.title);
      expect(table.pathAt(i)).toBe(byTitle[i]!.path);
      expect(table.sizeAt(i)).toBe(byTitle[i]!.size);
      expect(table.uploadTimestampAt(i)).toBe(byTitle[i]!.uploadTimestamp);
    }
  });

  it('keeps a record whole when its title, URL, time or ids do not follow the rules, and loses none of it', () => {
    const odd = [
      listed('Plain_1.jpg', 1, { title: 'File:Plain_1.jpg', url: '' }),
      listed('Odd_time.jpg', 2, { uploadTimestamp: '2024-01-01T00:00:00.5Z' }),
      listed('Big_ids.jpg', 3, { pageId: 2 ** 40, revisionId: -1 }),
      listed('Upper_sha.jpg', 4, { sha1: 'AB'.repeat(20), coordinates: { lat: 1, lon: 2, extra: 3 } as unknown as ListedFile['coordinates'] }),
      listed('Fine.jpg', 5),
    ];
    const table = FileTable.from(odd);
    expect([...table]).toEqual(odd);
    for (const i of [0, 4]) {
      const record = table.at(i)!;
      record.categories.push('changed');
      expect(table.at(i)!.categories, `row ${i}`).toEqual(odd[i]!.categories);
    }
  });

  it('makes views without copying records, and filters arrays and tables alike', () => {
    const table = FileTable.from(files);
    const view = table.view([4, 0, 2]);
    expect([...view].map((f) => f.name)).toEqual([names[4], names[0], names[2]]);
    expect([...view.byTitle()].map((f) => f.name)).toEqual(['Apple.png', 'B.tif', 'Zebra_ü.jpg']);
    const noPng = (f: ListedFile) => f.mime !== 'image/png';
    expect([...keepWhere(table, noPng)]).toEqual(files.filter(noPng));
    expect(keepWhere(files, noPng)).toEqual(files.filter(noPng));
  });

  it('holds a file in far fewer bytes than a ListedFile object', () => {
    const table = new FileTable('File:', 10_000);
    for (let i = 0; i < 10_000; i++) table.push(listed(`Some_photo_of_a_place_${i}.jpg`, i, { author: null }));
    table.sortByTitle();
    // Columns and name bytes: about 90 B a row plus a ~30-byte name.
    expect(table.byteSize / table.length).toBeLessThan(140);
  });
});
