// The builder writing split manifests (seedbank-manifest/3) against a real MediaWiki: the same
// volumes as a whole (/2) build, every file in exactly one list, per-volume pages archives, a
// metadata torrent over the parts, verify, and next versions whose parent is /3 or /2.
import { readdir, readFile, rm, stat, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet, type BuildResult } from '../../services/set-builder/build.ts';
import { parseExport } from '../../services/set-builder/listing/export-xml.ts';
import { verifyVersion } from '../../services/set-builder/verify.ts';
import { changeWiki, fillWiki, type ChangeSet, type FixtureSet } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { isSeedbankError } from '../../shared/errors.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { parseRecipe, type Recipe } from '../../shared/formats/recipe.ts';
import { checkManifestSignature } from '../../shared/formats/signature.ts';
import { CHANGES_FILE, listFileName, pagesFileName, SPLIT_MANIFEST_FORMAT } from '../../shared/formats/split-manifest.ts';
import { collect, openVersionManifest } from '../../shared/formats/version-manifest.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';
import bencode from 'bencode';
import { runCli } from '../helpers/run-cli.ts';

let wiki: Wiki;
let fixtures: FixtureSet;
let work: string;

function parisRecipe(): Recipe {
  return parseRecipe({ id: 'paris', title: 'Paris (test)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, volumeSizeLimit: '1MB', pieceLength: '64KiB' });
}

const build = (data: string, manifestFormat: 'whole' | 'split' | 'auto') => buildSet({ recipe: parisRecipe(), dataDir: path.join(work, data), maxBytesPerSecond: 0, manifestFormat });
const byTitle = (a: { title: string }, b: { title: string }) => (a.title < b.title ? -1 : a.title > b.title ? 1 : 0);

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-split-'));
  wiki = await startWiki({ name: 'split', logRequests: true });
  fixtures = await fillWiki(wiki);
});

afterAll(async () => {
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a split v1 and a whole v1 of the same selection', () => {
  let whole: BuildResult;
  let split: BuildResult;
  let splitBeforeChange: BuildResult;
  let changes: ChangeSet;
  let v2FromSplit: BuildResult;
  let v2FromWhole: BuildResult;
  let v2WholeFromSplit: BuildResult;

  beforeAll(async () => {
    whole = await build('whole', 'whole');
    split = await build('split', 'split');
    splitBeforeChange = await build('split-then-whole', 'split');
  });

  it('auto writes a whole manifest for a small set, and split writes a /3 folder as the contract names it', async () => {
    expect(whole.format).toBe('whole');
    expect(split.format).toBe('split');
    const names = (await readdir(split.dir, { recursive: true })).filter((n) => !['lists', 'pages', 'volumes'].includes(n)).sort();
    const m = (await openVersionManifest(split.dir)).split!;
    expect(m.format).toBe(SPLIT_MANIFEST_FORMAT);
    const want = ['manifest.json', 'manifest.sig', CHANGES_FILE, 'metadata.torrent', 'pointer.json', 'listing.json', 'preview.jpg',
      ...m.volumes.flatMap((v) => [listFileName(v.infoHash), pagesFileName(v.infoHash), v.torrent])].sort();
    expect(names).toEqual(want);
    expect(() => split.manifest).toThrow(/split manifest/);
    expect(split.head.totals).toEqual(whole.manifest.totals);
  });

  it('cuts the same volumes with the same info hashes and torrents as the whole build', async () => {
    const m = await openVersionManifest(split.dir);
    expect(m.head.volumes.map((v) => [v.prefix, v.infoHash, v.files, v.size])).toEqual(whole.manifest.volumes.map((v) => [v.prefix, v.infoHash, v.files, v.size]));
    expect(m.head.volumeLayout).toEqual(whole.manifest.volumeLayout);
    for (const v of m.head.volumes) expect(await readFile(path.join(split.dir, v.torrent))).toEqual(await readFile(path.join(whole.dir, v.torrent)));
  });

  it('lists every file exactly once, in the list of its volume, with the whole manifest\'s record', async () => {
    const m = await openVersionManifest(split.dir);
    const all: ManifestFile[] = [];
    for (const v of m.head.volumes) {
      const list = await collect(m.filesOf(v.infoHash));
      expect(list.length).toBe(v.files);
      expect(list.map((f) => f.title)).toEqual(list.map((f) => f.title).sort());
      const torrentPaths = parseVolumeTorrent(await readFile(path.join(split.dir, v.torrent))).files.map((f) => f.path).sort();
      expect(list.map((f) => f.path).sort()).toEqual(torrentPaths);
      all.push(...list);
    }
    expect(new Set(all.map((f) => f.title)).size).toBe(all.length);
    expect(all.sort(byTitle)).toEqual([...whole.manifest.files].sort(byTitle));
  });

  it('carries each volume\'s description pages in its own archive, verbatim as in the whole pages.xml.gz', async () => {
    const m = (await openVersionManifest(split.dir)).split!;
    const wholePages = parseExport(gunzipSync(await readFile(path.join(whole.dir, 'pages.xml.gz'))).toString('utf8'));
    const seen: string[] = [];
    for (const v of m.volumes) {
      const part = parseExport(gunzipSync(await readFile(path.join(split.dir, v.pages.file))).toString('utf8'));
      expect(part.header).toBe(wholePages.header);
      expect(part.pages.length).toBe(v.pages.count);
      const titles = part.pages.map((p) => p.title);
      expect(titles).toEqual([...titles].sort());
      expect(titles).toEqual((await collect((await openVersionManifest(split.dir)).filesOf(v.infoHash))).map((f) => f.title));
      for (const p of part.pages) expect(p.xml).toBe(wholePages.pages.find((w) => w.title === p.title)!.xml);
      seen.push(...titles);
    }
    expect(seen.sort()).toEqual(wholePages.pages.map((p) => p.title).sort());
  });

  it('signs the top manifest, and its metadata torrent carries exactly the parts', async () => {
    const text = await readFile(path.join(split.dir, 'manifest.json'), 'utf8');
    expect(checkManifestSignature(text, await readFile(path.join(split.dir, 'manifest.sig'), 'utf8'), split.head.set.publicKey)).toBeNull();
    const m = (await openVersionManifest(split.dir)).split!;
    const torrent = bencode.decode(await readFile(path.join(split.dir, 'metadata.torrent'))) as { info: { name: Uint8Array; 'piece length': number; files: Array<{ path: Uint8Array[]; length: number; attr?: Uint8Array }> } };
    expect(Buffer.from(torrent.info.name).toString()).toBe('paris-v1');
    const pieceLength = torrent.info['piece length'];
    expect(pieceLength).toBe(256 * 1024);
    // BEP 47 pads (attr "p", .pad/<length>) put every list and pages part at the start of a piece.
    let offset = 0;
    const entries = torrent.info.files.map((f) => {
      const e = { name: f.path.map((s) => Buffer.from(s).toString()).join('/'), length: f.length, offset, pad: f.attr !== undefined && Buffer.from(f.attr).toString() === 'p' };
      offset += f.length;
      return e;
    });
    for (const e of entries.filter((x) => x.pad)) expect([e.name, (e.offset + e.length) % pieceLength]).toEqual([`.pad/${e.length}`, 0]);
    for (const e of entries.filter((x) => /^(lists|pages)\//.test(x.name))) expect([e.name, e.offset % pieceLength]).toEqual([e.name, 0]);
    const files = entries.filter((e) => !e.pad).map((e) => [e.name, e.length] as const);
    const want = ['manifest.json', 'manifest.sig', CHANGES_FILE, ...m.volumes.flatMap((v) => [v.list.file, v.pages.file])];
    expect(files.map(([n]) => n)).toEqual(want);
    for (const [name, length] of files) expect((await stat(path.join(split.dir, name))).size).toBe(length);
    // Deterministic: the second split build (another key, another folder) has the same lists and pages.
    const other = (await openVersionManifest(splitBeforeChange.dir)).split!;
    expect(other.volumes.map((v) => [v.list.sha256, v.pages.sha256])).toEqual(m.volumes.map((v) => [v.list.sha256, v.pages.sha256]));
  });

  it('verifies clean, and names a list that was altered', async () => {
    expect((await verifyVersion(split.dir)).problems).toEqual([]);
    const m = (await openVersionManifest(splitBeforeChange.dir)).split!;
    const victim = path.join(splitBeforeChange.dir, m.volumes[1]!.list.file);
    const good = await readFile(victim, 'utf8');
    await writeFile(victim, good.replace('"size":', '"size":1'));
    try {
      const report = await verifyVersion(splitBeforeChange.dir);
      expect(report.problems.map((p) => [p.kind, p.subject])).toContainEqual(['list', m.volumes[1]!.list.file]);
      const cli = await runCli(['verify', splitBeforeChange.dir]);
      expect(cli.code).toBe(1);
    } finally {
      await writeFile(victim, good);
    }
  });

  describe('after the wiki changed', () => {
    beforeAll(async () => {
      changes = await changeWiki(wiki, fixtures);
      v2FromSplit = await build('split', 'split');
      v2FromWhole = await build('whole', 'split');
      v2WholeFromSplit = await build('split-then-whole', 'whole');
    });

    it('a /3 parent gives a /3 v2 with the right changes, found by the change scan over the per-volume pages', async () => {
      expect(v2FromSplit.version).toBe(2);
      expect(v2FromSplit.format).toBe('split');
      expect(v2FromSplit.stats.listingMode).toBe('changes');
      const c = v2FromSplit.changes;
      expect(c.added.sort()).toEqual(changes.added.map((f) => f.title).sort());
      expect(c.changed).toEqual([changes.reuploaded.title]);
      expect(c.removed).toEqual([changes.deleted.title]);
      expect(c.renamed).toEqual([{ from: changes.renamed.from, to: changes.renamed.to }]);
      const m = await openVersionManifest(v2FromSplit.dir);
      expect(await m.changes()).toEqual(c);
      expect(m.head.parent).toEqual({ version: 1, manifestSha256: sha256Hex(await readFile(path.join(split.dir, 'manifest.json'))) });
      expect(v2FromSplit.stats.volumesReused).toBeGreaterThan(0);
      expect((await verifyVersion(v2FromSplit.dir)).problems).toEqual([]);
      const titles = (await collect(m.files())).map((f) => f.title);
      expect(titles).toContain(changes.renamed.to);
      expect(titles).not.toContain(changes.deleted.title);
    });

    it('a /2 parent gives a /3 child (and a /3 parent a /2 child) with the same changes and volumes', async () => {
      for (const [r, parentDir] of [[v2FromWhole, whole.dir], [v2WholeFromSplit, splitBeforeChange.dir]] as const) {
        expect(r.version).toBe(2);
        expect(r.changes).toEqual(v2FromSplit.changes);
        expect(r.head.volumes.map((v) => v.infoHash)).toEqual(v2FromSplit.head.volumes.map((v) => v.infoHash));
        expect(r.head.parent?.manifestSha256).toBe(sha256Hex(await readFile(path.join(parentDir, 'manifest.json'))));
        expect((await verifyVersion(r.dir)).problems).toEqual([]);
      }
      expect(v2FromWhole.format).toBe('split');
      expect(v2WholeFromSplit.format).toBe('whole');
      expect(v2WholeFromSplit.manifest.files.length).toBe(v2FromSplit.head.totals.files);
    });

    it('makes no new version from a /3 parent when nothing changed', async () => {
      const r = await build('split', 'split');
      expect(r.status).toBe('unchanged');
      expect(r.version).toBe(2);
      expect(r.changes).toEqual(v2FromSplit.changes);
      expect(isSeedbankError((() => { try { return r.manifest; } catch (e) { return e; } })(), 'MANIFEST_INVALID')).toBe(true);
    });
  });
});

describe('the command line', () => {
  it('refuses an unknown --manifest-format and names the choices', async () => {
    const file = path.join(work, 'recipe.json');
    await writeFile(file, JSON.stringify({ id: 'x', title: 'X', wiki: wiki.apiUrl, selection: { categories: ['Paris'] } }));
    const r = await runCli(['build', file, '--data', path.join(work, 'cli'), '--manifest-format', 'half']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/whole, split, auto/);
  });
});
