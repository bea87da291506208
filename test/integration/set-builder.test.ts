// The set builder against a real MediaWiki (Debian package, SQLite, php -S behind nginx on 127.0.0.1):
// listing, downloads, torrents, web seeds (aria2c), versions, resume and bad input.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile, open } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet, type BuildResult } from '../../services/set-builder/build.ts';
import { verifyVersion } from '../../services/set-builder/verify.ts';
import { parseExport } from '../../services/set-builder/listing/export-xml.ts';
import { parseRecipe, type Recipe } from '../../shared/formats/recipe.ts';
import { parseManifest, type Manifest } from '../../shared/formats/manifest.ts';
import { checkManifestSignature } from '../../shared/formats/signature.ts';
import { inRegion } from '../../shared/geo.ts';
import { ERRORS, isSeedbankError } from '../../shared/errors.ts';
import { changeWiki, fillWiki, filesUnder, type ChangeSet, type FixtureSet } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { runCli, runTool, startCli, waitFor } from '../helpers/run-cli.ts';

let wiki: Wiki;
let fixtures: FixtureSet;
let work: string;
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');

/** A recipe aimed at the local wiki with small volumes, so several volumes exist. */
function parisRecipe(over: Record<string, unknown> = {}): Recipe {
  return parseRecipe({
    id: 'paris',
    title: 'Paris (test)',
    wiki: wiki.apiUrl,
    selection: { categories: [{ name: 'Paris', depth: 3 }] },
    volumeSizeLimit: '1MB',
    pieceLength: '64KiB',
    ...over,
  });
}

async function writeRecipeFile(recipe: Record<string, unknown>, name: string): Promise<string> {
  const file = path.join(work, `${name}.json`);
  await writeFile(file, JSON.stringify(recipe));
  return file;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-builder-'));
  wiki = await startWiki({ name: 'builder', logRequests: true });
  fixtures = await fillWiki(wiki);
});

afterAll(async () => {
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('building v1 from the wiki', () => {
  let v1: BuildResult;
  let manifest: Manifest;
  const expected = () => filesUnder(fixtures, 'Category:Paris', 3);

  beforeAll(async () => {
    await wiki.clearRequests();
    // Batches of 40 pages: the 130-file category needs generator continuation.
    v1 = await buildSet({ recipe: parisRecipe(), dataDir: path.join(work, 'a'), maxBytesPerSecond: 0, apiBatchLimit: 40 });
    manifest = v1.manifest;
  });

  it('selects exactly the files under Category:Paris to depth 3, through the cycle, with the wiki\'s SHA-1 and sizes', () => {
    const want = expected();
    expect(want.length).toBeGreaterThan(120);
    expect(manifest.files.map((f) => f.title).sort()).toEqual(want.map((f) => f.title).sort());
    for (const f of want) {
      const got = manifest.files.find((m) => m.title === f.title)!;
      expect({ sha1: got.sha1, size: got.size, mime: got.mime }).toEqual({ sha1: f.sha1, size: f.size, mime: f.mime });
      expect(got.categories.sort()).toEqual(f.categories.map((c) => c.replace(/^Category:/, '')).sort());
      if (f.coordinates) expect(got.coordinates).toEqual({ lat: f.coordinates.lat, lon: f.coordinates.lon });
    }
    expect(manifest.files.some((f) => f.license === 'cc-by-sa-4.0' && f.author)).toBe(true);
    expect(v1.stats.apiRequests).toBeGreaterThan(fixtures.categories.length);
  });

  it('stores each file at the path of its URL on the wiki, byte for byte', async () => {
    for (const f of manifest.files) {
      const bytes = await readFile(path.join(work, 'a', 'media', 'commons', ...f.path.split('/')));
      expect(sha1(bytes), f.title).toBe(f.sha1);
    }
    const tricky = manifest.files.find((f) => f.title.includes('&') && f.title.includes("'"));
    expect(tricky, 'a title with & and an apostrophe').toBeDefined();
  });

  it('carries every description page in the XML export format, text as on the wiki', async () => {
    const xml = gunzipSync(await readFile(path.join(v1.dir, 'pages.xml.gz'))).toString('utf8');
    const pages = parseExport(xml);
    expect(pages.header).toContain('<siteinfo>');
    expect(pages.pages.map((p) => p.title).sort()).toEqual(manifest.files.map((f) => f.title).sort());
    for (const f of expected()) expect(pages.pages.find((p) => p.title === f.title)!.text.trim()).toBe(f.text.trim());
    for (const p of pages.pages) expect(p.revisionId).toBe(manifest.files.find((f) => f.title === p.title)!.revisionId);
  });

  it('signs the manifest and verifies clean', async () => {
    const text = await readFile(path.join(v1.dir, 'manifest.json'), 'utf8');
    expect(parseManifest(text).version).toBe(1);
    expect(checkManifestSignature(text, await readFile(path.join(v1.dir, 'manifest.sig'), 'utf8'))).toBeNull();
    expect(checkManifestSignature(text.replace('"version":1', '"version":2'), await readFile(path.join(v1.dir, 'manifest.sig'), 'utf8'))).toMatch(/does not match/);
    const report = await verifyVersion(v1.dir);
    expect(report.problems).toEqual([]);
    expect(report.files).toBe(manifest.files.length);
  });

  it('cuts several volumes whose torrents an independent client reads as we wrote them', async () => {
    expect(manifest.volumes.length).toBeGreaterThan(3);
    for (const v of manifest.volumes) {
      const { stdout } = await runTool('transmission-show', [path.join(v1.dir, v.torrent)]);
      expect(stdout).toContain(`Hash v1: ${v.infoHash}`.replace('Hash v1', stdout.includes('Hash v1') ? 'Hash v1' : 'Hash'));
      expect(stdout).toMatch(/Name: commons/);
      const listed = manifest.files.filter((f) => f.volume === v.infoHash);
      expect(listed).toHaveLength(v.files);
      for (const f of listed) expect(stdout).toContain(`commons/${f.path}`);
    }
    expect(manifest.files.every((f) => manifest.volumes.some((v) => v.infoHash === f.volume))).toBe(true);
  });

  it('downloads every volume from the web seed alone with aria2c, byte for byte (no peers, no trackers)', async () => {
    const out = path.join(work, 'aria2');
    // One aria2c for all volumes: it downloads them side by side from the url-list.
    await runTool('aria2c', [
      '--dir', out, '--seed-time=0', '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false',
      '--enable-peer-exchange=false', '--check-integrity=true', '--file-allocation=none', '--console-log-level=warn',
      '--summary-interval=0', '--listen-port=6881-6999', '--max-concurrent-downloads=16', '--bt-stop-timeout=60',
      ...manifest.volumes.map((v) => path.join(v1.dir, v.torrent)),
    ], { timeoutMs: 120_000 });
    for (const f of manifest.files) expect(sha1(await readFile(path.join(out, 'commons', ...f.path.split('/'))))).toBe(f.sha1);
  });

  it('gives the same info hashes in a separate folder (another machine, another key)', async () => {
    const again = await buildSet({ recipe: parisRecipe(), dataDir: path.join(work, 'b'), maxBytesPerSecond: 0 });
    expect(again.manifest.volumes.map((v) => v.infoHash)).toEqual(manifest.volumes.map((v) => v.infoHash));
    expect(again.manifest.set.publicKey).not.toBe(manifest.set.publicKey);
  });

  it('makes no new version when nothing changed, and says so', async () => {
    await wiki.clearRequests();
    const r = await buildSet({ recipe: parisRecipe(), dataDir: path.join(work, 'a'), maxBytesPerSecond: 0 });
    expect(r.status).toBe('unchanged');
    expect(r.version).toBe(1);
    expect(await wiki.mediaRequests()).toEqual([]);
  });

  it('finds a corrupted file and names it', async () => {
    const copy = path.join(work, 'b-corrupt');
    await cp(path.join(work, 'b'), copy, { recursive: true });
    const victim = manifest.files.find((f) => f.size > 100_000)!;
    const handle = await open(path.join(copy, 'media', 'commons', ...victim.path.split('/')), 'r+');
    await handle.write(Buffer.from([0x42]), 0, 1, 1000);
    await handle.close();
    const report = await verifyVersion(path.join(copy, 'sets', 'paris', 'v1'));
    expect(report.problems.map((p) => [p.kind, p.subject])).toEqual([['sha1', victim.title]]);
    const cli = await runCli(['verify', path.join(copy, 'sets', 'paris', 'v1')]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain(victim.title);
  });
});

describe('region selection', () => {
  const box = { south: 48.84, west: 2.28, north: 48.87, east: 2.36 };

  it('keeps only the files whose {{Location}} lies in the box (categories + region)', async () => {
    const r = await buildSet({ recipe: parisRecipe({ id: 'paris-box', selection: { categories: [{ name: 'Paris', depth: 3 }], region: { bbox: box } } }), dataDir: path.join(work, 'a'), maxBytesPerSecond: 0 });
    const want = filesUnder(fixtures, 'Category:Paris', 3).filter((f) => f.coordinates && inRegion(f.coordinates, { bbox: box }));
    expect(want.length).toBeGreaterThan(0);
    expect(want.length).toBeLessThan(filesUnder(fixtures, 'Category:Paris', 3).filter((f) => f.coordinates).length);
    expect(r.manifest.files.map((f) => f.title).sort()).toEqual(want.map((f) => f.title).sort());
  });

  it('selects by region alone on a wiki without GeoData, and by point and radius', async () => {
    const r = await buildSet({ recipe: parisRecipe({ id: 'near-notre-dame', selection: { region: { point: { lat: 48.853, lon: 2.3499 }, radiusMeters: 1500 } } }), dataDir: path.join(work, 'a'), maxBytesPerSecond: 0 });
    const want = fixtures.files.filter((f) => f.coordinates && inRegion(f.coordinates, { point: { lat: 48.853, lon: 2.3499 }, radiusMeters: 1500 }));
    expect(want.length).toBeGreaterThan(0);
    expect(r.manifest.files.map((f) => f.title).sort()).toEqual(want.map((f) => f.title).sort());
  });
});

describe('bad input', () => {
  it('refuses a malformed recipe with every bad field named, exit code 65 (EX_DATAERR)', async () => {
    const file = await writeRecipeFile({ id: 'bad', title: '', selection: { categories: [{ name: 'Paris', depth: -1 }] }, pieceLength: '1000' }, 'bad');
    const r = await runCli(['build', file, '--data', path.join(work, 'x')]);
    expect(r.code).toBe(ERRORS.RECIPE_INVALID.exit);
    expect(r.stderr).toContain('title');
    expect(r.stderr).toContain('selection.categories.0.depth');
    expect(r.stderr).toContain('pieceLength');
  });

  it('says plainly when the wiki cannot be reached', async () => {
    const err = await buildSet({ recipe: parisRecipe({ wiki: 'http://127.0.0.1:9/api.php' }), dataDir: path.join(work, 'x'), apiRetryPauseMs: 10 }).catch((e: unknown) => e);
    expect(isSeedbankError(err, 'WIKI_UNREACHABLE')).toBe(true);
    expect((err as Error).message).toContain('127.0.0.1:9');
  });

  it('says plainly when a category selects nothing', async () => {
    const err = await buildSet({ recipe: parisRecipe({ id: 'nothing', selection: { categories: ['No such category'] } }), dataDir: path.join(work, 'x') }).catch((e: unknown) => e);
    expect(isSeedbankError(err, 'SELECTION_EMPTY')).toBe(true);
  });
});

describe('a build killed in the middle of its downloads', () => {
  it('resumes: files finished before the kill are not fetched again', async () => {
    const dataDir = path.join(work, 'killed');
    const recipeFile = await writeRecipeFile({ ...parisRecipe(), id: 'killed', wiki: wiki.apiUrl }, 'killed');
    await wiki.clearRequests();
    // A 1 MB/s cap makes the ~8 MB download last long enough to be killed in the middle.
    const { child, done } = startCli(['build', recipeFile, '--data', dataDir, '--max-rate', '1MB/s']);
    const media = path.join(dataDir, 'media', 'commons');
    await waitFor('the first run to finish a few files and hold a partial one', async () => {
      const files = await listFiles(media);
      return files.filter((f) => !f.endsWith('.part')).length >= 5 && files.some((f) => f.endsWith('.part'));
    }, 60_000);
    child.kill('SIGKILL');
    await done;
    const finished = (await listFiles(media)).filter((f) => !f.endsWith('.part'));
    const partial = (await listFiles(media)).filter((f) => f.endsWith('.part'));
    await expect(stat(path.join(dataDir, 'sets', 'killed', 'v1'))).rejects.toThrow();
    await wiki.clearRequests();
    const r = await runCli(['build', recipeFile, '--data', dataDir, '--max-rate', '0']);
    expect(r.code, r.stderr).toBe(0);
    const again = (await wiki.mediaRequests()).map((q) => q.path);
    for (const f of finished) expect(again.some((p) => p.endsWith(`/${path.basename(f)}`)), `${f} fetched again`).toBe(false);
    const resumed = (await wiki.mediaRequests()).filter((q) => q.range);
    expect(resumed.length).toBeGreaterThanOrEqual(partial.length > 0 ? 1 : 0);
    expect((await verifyVersion(path.join(dataDir, 'sets', 'killed', 'v1'))).problems).toEqual([]);
  });
});

describe('the next version after the wiki changed', () => {
  let v1: Manifest;
  let v2: BuildResult;
  let changes: ChangeSet;

  beforeAll(async () => {
    v1 = (await buildSet({ recipe: parisRecipe(), dataDir: path.join(work, 'a'), maxBytesPerSecond: 0 })).manifest;
    changes = await changeWiki(wiki, fixtures);
    await wiki.clearRequests();
    v2 = await buildSet({ recipe: parisRecipe(), dataDir: path.join(work, 'a'), maxBytesPerSecond: 0 });
  });

  it('records added, removed, changed, renamed and updated pages', () => {
    const c = v2.manifest.changes;
    expect(v2.version).toBe(2);
    expect(c.added.sort()).toEqual(changes.added.map((f) => f.title).sort());
    expect(c.changed).toEqual([changes.reuploaded.title]);
    expect(c.removed).toEqual([changes.deleted.title]);
    expect(c.renamed).toEqual([{ from: changes.renamed.from, to: changes.renamed.to }]);
    expect(v2.manifest.parent?.version).toBe(1);
    expect(v2.manifest.snapshot.maxRevisionId).toBeGreaterThan(v1.snapshot.maxRevisionId);
  });

  it('downloads exactly the new and re-uploaded files (counted in the wiki\'s request log)', async () => {
    const fetched = (await wiki.mediaRequests()).map((r) => decodeURIComponent(path.basename(r.path)).replace(/_/g, ' '));
    const want = [...changes.added.map((f) => f.name), changes.reuploaded.title.replace(/^File:/, '')];
    expect(fetched.sort()).toEqual(want.sort());
  });

  it('keeps the info hash of every volume whose files did not change, and re-hashes only the others', () => {
    const before = new Map(v1.volumes.map((v) => [v.prefix, v]));
    const touched = new Set(v2.manifest.files.filter((f) => [...v2.manifest.changes.added, ...v2.manifest.changes.changed, ...v2.manifest.changes.renamed.map((r) => r.to)].includes(f.title)).map((f) => f.volume));
    const removedFrom = new Set(v1.files.filter((f) => [...v2.manifest.changes.removed, ...v2.manifest.changes.renamed.map((r) => r.from)].includes(f.title)).map((f) => before.get(v1.volumes.find((v) => v.infoHash === f.volume)!.prefix)!.prefix));
    let kept = 0;
    for (const v of v2.manifest.volumes) {
      const old = before.get(v.prefix);
      const changed = touched.has(v.infoHash) || removedFrom.has(v.prefix);
      if (!changed) {
        expect(v.infoHash, `volume ${v.prefix}`).toBe(old?.infoHash);
        kept++;
      } else expect(v.infoHash).not.toBe(old?.infoHash);
    }
    expect(kept).toBeGreaterThan(0);
    expect(v2.stats.volumesHashed).toBe(v2.manifest.volumes.length - kept);
  });

  // Runs after the request count above: it downloads into another folder.
  it('found the changes by reading recent changes, and a full listing agrees with it', async () => {
    expect(v2.stats.listingMode).toBe('changes');
    const full = await buildSet({ recipe: parisRecipe(), dataDir: path.join(work, 'b'), maxBytesPerSecond: 0, fullListing: true });
    expect(full.stats.listingMode).toBe('full');
    const strip = (m: Manifest) => m.files.map((f) => ({ ...f }));
    expect(strip(full.manifest)).toEqual(strip(v2.manifest));
    expect(full.manifest.volumes.map((v) => v.infoHash)).toEqual(v2.manifest.volumes.map((v) => v.infoHash));
  });

  it('leaves v1 intact: its manifest unchanged and every byte still verifiable (re-uploaded bytes archived)', async () => {
    const text = await readFile(path.join(work, 'a', 'sets', 'paris', 'v1', 'manifest.json'), 'utf8');
    expect(parseManifest(text)).toEqual(v1);
    const report = await verifyVersion(path.join(work, 'a', 'sets', 'paris', 'v1'));
    expect(report.problems).toEqual([]);
    expect(report.archived).toBe(1);
    expect((await verifyVersion(v2.dir)).problems).toEqual([]);
  });
});

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { recursive: true, withFileTypes: true })).filter((d) => d.isFile()).map((d) => path.join(d.parentPath, d.name));
  } catch {
    return [];
  }
}
