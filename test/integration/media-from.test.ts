// --media-from on a real MediaWiki: a second build takes its originals from a local mirror of
// the upload tree instead of the wiki, checking every byte against the wiki's SHA-1. A file
// damaged in the mirror and one missing from it are downloaded; nothing else reaches the wiki's
// upload server, and the volumes come out byte for byte the same as a build that downloaded all.
import { cp, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet, type BuildResult } from '../../services/set-builder/build.ts';
import { parseRecipe, type Recipe } from '../../shared/formats/recipe.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { runCli } from '../helpers/run-cli.ts';

let wiki: Wiki;
let work: string;
let recipe: Recipe;
let first: BuildResult;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-media-from-'));
  wiki = await startWiki({ name: 'media-from', logRequests: true });
  await fillWiki(wiki, { bulkCount: 12, bigFiles: 0 });
  recipe = parseRecipe({ id: 'paris', title: 'Paris (test)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, pieceLength: '32KiB' });
  first = await buildSet({ recipe, dataDir: path.join(work, 'first'), maxBytesPerSecond: 0 });
}, 300_000);

afterAll(async () => {
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('build --media-from', () => {
  it('takes every file the mirror holds intact, downloads only the damaged and the missing one', async () => {
    const files = first.manifest.files;
    expect(files.length).toBeGreaterThan(4);
    // The mirror: the first build's media tree, one file damaged in place, one removed.
    const mirror = path.join(work, 'mirror');
    await cp(path.join(work, 'first', 'media', 'commons'), mirror, { recursive: true });
    const [damaged, missing] = [files[1]!, files[2]!];
    const h = await open(path.join(mirror, damaged.path), 'r+');
    await h.write(Buffer.from('not the wiki bytes'), 0, 18, 0);
    await h.close();
    await rm(path.join(mirror, missing.path));

    await wiki.clearRequests();
    const second = await buildSet({ recipe, dataDir: path.join(work, 'second'), maxBytesPerSecond: 0, mediaFrom: mirror });
    const media = second.stats.media;
    expect(media.fromMirror).toBe(files.length - 2);
    expect(media.mirrorMismatches).toBe(1);
    expect(media.downloaded).toBe(2);
    const fetched = (await wiki.mediaRequests()).map((r) => decodeURIComponent(r.path));
    expect(fetched.sort()).toEqual([damaged.path, missing.path].map((p) => `/wikipedia/commons/${p}`).sort());
    // Same bytes, so the same volumes.
    expect(second.manifest.volumes.map((v) => v.infoHash)).toEqual(first.manifest.volumes.map((v) => v.infoHash));
  }, 300_000);

  it('refuses a --media-from that is not a folder, before touching the wiki', async () => {
    const r = await runCli(['build', path.join('sets', 'paris.yaml'), '--data', path.join(work, 'third'), '--wiki', wiki.apiUrl, '--media-from', path.join(work, 'nowhere')]);
    expect(r.code).toBe(66);
    expect(r.stderr).toMatch(/--media-from .*nowhere is not a readable folder/);
  });
});
