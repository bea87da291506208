import { describe, expect, it } from 'vitest';
import { commonsPath, originalUrl } from '../../../shared/commons-path.ts';
import { parseRecipe } from '../../../shared/formats/recipe.ts';
import type { ApiPageData } from './page-batches.ts';
import { memoryPageStore } from './page-store.ts';
import { Collector } from './selection.ts';

const UPLOAD_BASE = 'http://127.0.0.1/wikipedia/';
const HEADER = '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">\n  <siteinfo>\n    <sitename>Test</sitename>\n  </siteinfo>\n';
const recipe = parseRecipe({ id: 'collector', title: 'Collector', selection: { categories: ['Paris'] } });

function page(id: number, categories: string[] = ['Paris']): ApiPageData {
  const name = `Photo_${id}.jpg`;
  return {
    pageid: id, ns: 6, title: `File:Photo ${id}.jpg`,
    imageinfo: [{ url: originalUrl(UPLOAD_BASE, commonsPath(name)), size: 1000 + id, sha1: 'A'.repeat(40), mime: 'image/jpeg', timestamp: '2024-01-01T00:00:00Z', extmetadata: {} }],
    categories: categories.map((c) => ({ title: `Category:${c}` })),
  };
}

function exportOf(ids: number[], revision = 10): string {
  const pages = ids.map((id) => `  <page>\n    <title>File:Photo ${id}.jpg</title>\n    <ns>6</ns>\n    <id>${id}</id>\n    <revision>\n      <id>${id + revision}</id>\n      <text xml:space="preserve">{{cc-by-sa-4.0}}</text>\n    </revision>\n  </page>\n`);
  return `${HEADER}${pages.join('')}</mediawiki>\n`;
}

describe('Collector (the API listing)', () => {
  it('makes each file page its record as its batch arrives, the latest sighting winning', () => {
    const store = memoryPageStore();
    const c = new Collector(store, recipe);
    c.add([page(1), page(2)], exportOf([1, 2]));
    // The same files again from a subcategory, revised since: the later page and export win.
    c.add([page(2, ['Paris', 'Parks in Paris'])], exportOf([2], 100));
    const { files } = c.select();
    expect([...files].map((f) => [f.title, f.revisionId, f.categories])).toEqual([
      ['File:Photo 1.jpg', 11, ['Paris']],
      ['File:Photo 2.jpg', 102, ['Paris', 'Parks in Paris']],
    ]);
    expect(store.has('File:Photo 2.jpg')).toBe(true);
  });

  it('waits for a page whose export comes in a later batch, and lists no page whose export never comes', () => {
    const c = new Collector(memoryPageStore(), recipe);
    c.add([page(1), page(2)], exportOf([2]));
    expect(c.size).toBe(2);
    expect([...c.select().files].map((f) => f.title)).toEqual(['File:Photo 2.jpg']);
    c.add([], exportOf([1]));
    expect([...c.select().files].map((f) => [f.title, f.revisionId])).toEqual([['File:Photo 1.jpg', 11], ['File:Photo 2.jpg', 12]]);
  });

  it('keeps a record made earlier when its page comes again without an export', () => {
    const c = new Collector(memoryPageStore(), recipe);
    c.add([page(1)], exportOf([1]));
    c.add([page(1)], null);
    expect([...c.select().files].map((f) => [f.title, f.revisionId])).toEqual([['File:Photo 1.jpg', 11]]);
  });
});
