import { describe, expect, it } from 'vitest';
import { assignVolumes, nameBits } from '../../shared/formats/volume-rule.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { diffVersions } from '../../services/set-builder/diff.ts';
import { dumpRunFor } from '../../services/set-builder/dump-run.ts';
import { authorFromWikitext, coordinatesFromWikitext, licenseFromWikitext } from '../../services/set-builder/listing/wikitext.ts';
import { parseExport, assembleExport } from '../../services/set-builder/listing/export-xml.ts';

const file = (name: string, size: number) => ({ name, size });

describe('the volume rule', () => {
  const files = Array.from({ length: 400 }, (_, i) => file(`File_${i}.jpg`, 1000));

  it('splits by name hash until each volume fits, and every file lands in the leaf its bits name', () => {
    const leaves = assignVolumes(files, 50_000, null);
    const placed = leaves.flatMap((l) => l.files);
    expect(placed).toHaveLength(400);
    for (const l of leaves) {
      expect(l.files.reduce((s, f) => s + f.size, 0)).toBeLessThanOrEqual(50_000);
      for (const f of l.files) expect(nameBits(f.name).startsWith(l.prefix)).toBe(true);
    }
    expect(leaves.length).toBeGreaterThanOrEqual(8);
  });

  it('keeps the parent layout when files are added, so only the receiving volumes change', () => {
    const v1 = assignVolumes(files, 50_000, null);
    const added = [...files, file('New_upload.jpg', 1000)];
    const v2 = assignVolumes(added, 50_000, v1.map((l) => l.prefix));
    const changed = v2.filter((l, i) => l.files.length !== v1[i]!.files.length);
    expect(v2.map((l) => l.prefix)).toEqual(v1.map((l) => l.prefix));
    expect(changed).toHaveLength(1);
    expect(changed[0]!.files.map((f) => f.name)).toContain('New_upload.jpg');
  });

  it('is the same on every run and ignores a parent layout that is not a complete prefix code', () => {
    expect(assignVolumes(files, 50_000, null)).toEqual(assignVolumes([...files].reverse(), 50_000, null).map((l) => ({ ...l, files: [...l.files].reverse() })));
    expect(assignVolumes(files, 1e9, ['0']).map((l) => l.prefix)).toEqual(['']);
  });

  it('merges siblings that shrank below a quarter of the limit', () => {
    const v1 = assignVolumes(files, 50_000, null);
    const few = files.slice(0, 10);
    expect(assignVolumes(few, 50_000, v1.map((l) => l.prefix)).map((l) => l.prefix)).toEqual(['']);
  });
});

describe('the diff between versions', () => {
  const m = (title: string, sha1: string, revisionId = 1, categories: string[] = ['A']): ManifestFile => ({
    title, sha1, revisionId, categories, path: '', size: 1, mime: 'image/jpeg', uploadTimestamp: '', pageId: 1, license: null, author: null, coordinates: null, volume: '0'.repeat(40),
  });
  it('tells added, removed, changed, renamed and pages updated apart', () => {
    const parent = [m('File:A.jpg', 'a'), m('File:B.jpg', 'b'), m('File:C.jpg', 'c'), m('File:D.jpg', 'd'), m('File:E.jpg', 'e')];
    const next = [m('File:A.jpg', 'a'), m('File:B.jpg', 'b2'), m('File:C2.jpg', 'c'), m('File:E.jpg', 'e', 2, ['A', 'Birds']), m('File:F.jpg', 'f')];
    expect(diffVersions(parent, next)).toEqual({
      added: ['File:F.jpg'],
      removed: ['File:D.jpg'],
      changed: ['File:B.jpg'],
      renamed: [{ from: 'File:C.jpg', to: 'File:C2.jpg' }],
      pagesUpdated: ['File:E.jpg'],
    });
    expect(diffVersions(null, next).added).toHaveLength(5);
  });
});

describe('page text', () => {
  it('reads decimal and DMS {{Location}} templates and refuses nonsense', () => {
    expect(coordinatesFromWikitext('x {{Location|48.8566|2.3522}} y')).toEqual({ lat: 48.8566, lon: 2.3522 });
    expect(coordinatesFromWikitext('{{Object location dec|45.76|4.83|region:FR}}')).toEqual({ lat: 45.76, lon: 4.83 });
    const dms = coordinatesFromWikitext('{{Location|48|51|24|N|2|21|0|W}}')!;
    expect(dms.lat).toBeCloseTo(48.8567, 3);
    expect(dms.lon).toBeCloseTo(-2.35, 3);
    expect(coordinatesFromWikitext('{{Location|91|0}}')).toBeNull();
    expect(coordinatesFromWikitext('no template')).toBeNull();
  });
  it('finds the license and the author', () => {
    const text = '{{Information|description=x|author=[[User:Jane Doe|Jane Doe]]|date=2020}}\n{{self|cc-by-sa-4.0}}';
    expect(licenseFromWikitext(text)).toBe('cc-by-sa-4.0');
    expect(authorFromWikitext(text)).toBe('Jane Doe');
    expect(licenseFromWikitext('{{PD-old-70}}')).toBe('PD-old-70');
  });
});

describe('XML export handling', () => {
  const xml = `<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11">
  <siteinfo><sitename>W</sitename></siteinfo>
  <page>
    <title>File:A &amp; B.jpg</title>
    <ns>6</ns>
    <id>12</id>
    <revision>
      <id>345</id>
      <text bytes="30" xml:space="preserve">&lt;page&gt; {{Location|1|2}}</text>
    </revision>
  </page>
</mediawiki>`;
  it('splits pages without being fooled by escaped tags, and reassembles a valid document', () => {
    const parsed = parseExport(xml);
    expect(parsed.pages).toHaveLength(1);
    expect(parsed.pages[0]).toMatchObject({ title: 'File:A & B.jpg', ns: 6, pageId: 12, revisionId: 345, text: '<page> {{Location|1|2}}' });
    const again = parseExport(assembleExport(parsed.header, parsed.pages.map((p) => p.xml)));
    expect(again.pages[0]!.text).toBe('<page> {{Location|1|2}}');
    const light = parseExport(xml, { titlesOnly: true }).pages[0]!;
    expect(light.title).toBe('File:A & B.jpg');
    expect(light.xml).toBe(parsed.pages[0]!.xml);
  });
});

describe('dump runs', () => {
  it('lines a snapshot up with the next run on the 1st or the 20th', () => {
    expect(dumpRunFor(new Date('2026-11-21T10:00:00Z'))).toBe('20261201');
    expect(dumpRunFor(new Date('2026-11-20T10:00:00Z'))).toBe('20261120');
    expect(dumpRunFor(new Date('2026-12-25T00:00:00Z'))).toBe('20270101');
  });
});
