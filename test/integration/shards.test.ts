// Shards that cover everything, on a real MediaWiki: the sixteen Commons shard recipes
// (sets/shards/) aimed at the fixture wiki, built into one data folder through the API
// (list=allimages with continuation), published to a real catalogue; every file of the wiki
// lands in exactly one shard, the one its hash names, and `seedbank coverage` over a dump of
// the wiki's own image table shows all of it in the catalogue's sets.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { commonsPath } from '../../shared/commons-path.ts';
import type { Manifest } from '../../shared/formats/manifest.ts';
import { inShard, loadRecipe, parseRecipe, shardRange } from '../../shared/formats/recipe.ts';
import { fillWiki, type FixtureSet } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { runCli } from '../helpers/run-cli.ts';
import { dumpImageTable } from '../helpers/wiki-image-dump.ts';

const SHARDS = Array.from({ length: 16 }, (_, i) => `commons-shard-${i.toString(16)}`);

let wiki: Wiki;
let work: string;
let fixtures: FixtureSet;
let catalogue: CatalogueServer;
const built = new Map<string, { shard: string; manifest: Manifest; apiRequests: number }>();

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-shards-'));
  wiki = await startWiki({ name: 'shards' });
  // 55 files: enough that each of the sixteen shards holds at least one (names are fixed, so this holds every run).
  fixtures = await fillWiki(wiki, { bulkCount: 40, bigFiles: 1 });
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: null });
  const token = await createToken(catalogue.store, 'shards-test');
  const dataDir = path.join(work, 'builder');
  for (const id of SHARDS) {
    const shipped = await loadRecipe(path.join('sets', 'shards', `${id}.yaml`));
    const recipe = parseRecipe({ ...shipped, wiki: wiki.apiUrl, volumeSizeLimit: '2MB', pieceLength: '32KiB' });
    // Batches of 20 names: the wiki's 55 files need allimages continuation.
    const r = await buildSet({ recipe, dataDir, maxBytesPerSecond: 0, apiBatchLimit: 20 });
    built.set(id, { shard: recipe.selection.shard!, manifest: r.manifest, apiRequests: r.stats.apiRequests });
    await publishSet(path.join(dataDir, 'sets', id), { catalogueUrl: catalogue.url, token });
  }
}, 600_000);

afterAll(async () => {
  await catalogue?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('sixteen shards over the fixture wiki', () => {
  it('put every file of the wiki in exactly one shard, the one its upload folder names, with the wiki\'s SHA-1', () => {
    const owner = new Map<string, string[]>();
    for (const [id, { shard, manifest }] of built) {
      const range = shardRange(shard);
      expect(manifest.files.length, `${id} holds no file`).toBeGreaterThan(0);
      for (const f of manifest.files) {
        expect(inShard(f.path, range), `${f.path} in ${id}`).toBe(true);
        owner.set(f.title, [...(owner.get(f.title) ?? []), id]);
      }
    }
    expect([...owner.keys()].sort()).toEqual(fixtures.files.map((f) => f.title).sort());
    for (const [title, ids] of owner) expect(ids, title).toHaveLength(1);
    for (const f of fixtures.files) {
      const id = owner.get(f.title)![0]!;
      const got = built.get(id)!.manifest.files.find((m) => m.title === f.title)!;
      expect({ path: got.path, sha1: got.sha1, size: got.size }).toEqual({ path: commonsPath(f.name.replace(/ /g, '_')), sha1: f.sha1, size: f.size });
    }
  });

  it('fetch metadata only for their own files: one listing pass of names, then a few title batches', () => {
    for (const [id, { manifest, apiRequests }] of built) {
      // siteinfo, the snapshot point (and its fallback), 3 pages of 20 names, one metadata batch per 50 kept titles.
      expect(apiRequests, id).toBeLessThanOrEqual(3 + 3 + Math.ceil(manifest.files.length / 50));
    }
  });

  it('cover 100% of the wiki\'s image table dump once all are published', async () => {
    const dumpFile = path.join(work, 'shardwiki-20250101-image.sql.gz');
    const rows = await dumpImageTable(wiki, dumpFile);
    expect(rows).toBe(fixtures.files.length);
    const r = await runCli(['coverage', '--catalogue', catalogue.url, '--image-dump', dumpFile, '--missing-list', path.join(work, 'missing.tsv'), '--json']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const report = JSON.parse(r.stdout) as { files: number; bytes: number; withoutSha1: number; inSets: { files: number; bytes: number } };
    expect(report.files).toBe(fixtures.files.length);
    expect(report.withoutSha1).toBe(0);
    expect(report.inSets).toEqual({ files: report.files, bytes: report.bytes });
    const text = await runCli(['coverage', '--catalogue', catalogue.url, '--image-dump', dumpFile, '--missing-list', path.join(work, 'missing.tsv')]);
    expect(text.stdout).toMatch(/in the catalogue's sets: 55 files \(100(\.0)?%\)/);
  });
});
