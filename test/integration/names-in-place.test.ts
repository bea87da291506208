// Issue 11, section 3: a stock client seeds a set in place from an unmodified Commons tree.
// The wiki holds, besides the usual fixtures, files whose titles carry `?` and `"` (legal on
// Commons, rewritten to `_` by Transmission). The builder keeps those in a volume of their
// own; transmission-daemon 3.00 (loopback only; DHT, LPD, PEX, uTP and port mapping off),
// pointed at a copy of the wiki's upload folder, verifies every other volume at 100% in place,
// and cannot verify the one that holds them: it looks for `_` where the tree has `?` and `"`.
// A volume mixing them with other files, as /1 volumes did, stops short of 100% too.
import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet, type BuildResult } from '../../services/set-builder/build.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { closeHashWorkers, createVolumeTorrent } from '../../shared/torrent/index.ts';
import { nameProblems } from '../../shared/formats/portable-name.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { filePageText, type FileSpec } from '../../deploy/local/wiki/fixture-data.ts';
import { makeImage } from '../../deploy/local/wiki/images.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { imageInfos } from '../../deploy/local/wiki/wiki-api.ts';
import { retargetTorrent } from '../helpers/peers/torrent-copy.ts';
import { isChecked, isSeeding, startTransmission, type Transmission } from '../helpers/peers/transmission.ts';

/** Files this test adds to the wiki: titles legal on Commons that Transmission writes otherwise. */
const AWKWARD: FileSpec[] = [
  spec('Is this the Pont Neuf? (1890).jpg', 1),
  spec('The "Wallace" fountain, rue Jacob.jpg', 2),
  spec('Why? "Because".jpg', 3),
];
/** Verifying a few hundred kB per volume and reading the RPC. */
const CHECK_TIMEOUT_MS = 60_000;
const WIKI_SETUP_MS = 240_000;

function spec(name: string, i: number): FileSpec {
  return { name, format: 'jpeg', width: 96 + i, height: 64, categories: ['Paris'], coordinates: null, description: `An awkward name, number ${i}.`, date: '2024-03-01' };
}

let work: string;
let wiki: Wiki;
let built: BuildResult;
let transmission: Transmission | null = null;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-names-'));
  wiki = await startWiki({ name: 'names' });
  await fillWiki(wiki, { bigFiles: 0, bulkCount: 24 });
  // The awkward files go in through the same maintenance script as the shared fixtures.
  const dir = path.join(wiki.dir, 'names-import');
  await mkdir(dir, { recursive: true });
  for (const [i, s] of AWKWARD.entries()) {
    await makeImage(path.join(dir, s.name), 7000 + i, { format: s.format, width: s.width, height: s.height });
    await writeFile(path.join(dir, `${s.name}.txt`), filePageText(s));
  }
  const { stdout } = await wiki.php('importImages.php', ['--comment-ext=txt', `--user=${wiki.adminUser}`, dir]);
  if (/failed/i.test(stdout)) throw new Error(`importImages.php reported failures:\n${stdout.slice(-3000)}`);
  await wiki.php('runJobs.php', []);
  const infos = await imageInfos(wiki.apiUrl, AWKWARD.map((s) => `File:${s.name}`), { text: false });
  for (const s of AWKWARD) expect(infos.get(`File:${s.name}`)?.missing ?? true, `File:${s.name} on the wiki`).toBeFalsy();

  const recipe = parseRecipe({ id: 'names', title: 'Names (test)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, volumeSizeLimit: '24KB', pieceLength: '16KiB' });
  built = await buildSet({ recipe, dataDir: path.join(work, 'data'), maxBytesPerSecond: 0 });
}, WIKI_SETUP_MS);

afterAll(async () => {
  await transmission?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a set whose titles carry ? and "', () => {
  it('keeps exactly those files in a volume of their own, marked portable: false in a /2 manifest', () => {
    const m = built.manifest;
    expect(m.format).toBe('seedbank-manifest/2');
    const apart = m.volumes.filter((v) => v.portable === false);
    const portable = m.volumes.filter((v) => v.portable === true);
    expect(apart.map((v) => v.prefix)).toEqual(['u']);
    console.log(`volumes: ${m.volumes.map((v) => `${v.prefix || '(root)'} ${v.files} files ${v.size} B`).join(', ')}`);
    expect(portable.length).toBeGreaterThan(1);
    expect(portable.length + apart.length).toBe(m.volumes.length);
    const inApart = m.files.filter((f) => f.volume === apart[0]!.infoHash).map((f) => f.title).sort();
    expect(inApart).toEqual(AWKWARD.map((s) => `File:${s.name}`).sort());
    for (const f of m.files.filter((x) => x.volume !== apart[0]!.infoHash)) expect(nameProblems(f.path.split('/').pop()!), f.title).toEqual([]);
  });

  describe('seeded in place by transmission-daemon from an unmodified copy of the wiki\'s upload folder', () => {
    let tree: string;
    /** The volume's .torrent without web seed or tracker: whatever is not on disk stays missing. */
    const torrentOf = async (torrent: string) => retargetTorrent(await readFile(path.join(built.dir, torrent)), { urlList: [], announce: [] });

    beforeAll(async () => {
      tree = path.join(work, 'mirror');
      await cp(wiki.uploadDir, path.join(tree, 'commons'), { recursive: true });
      for (const f of built.manifest.files) expect((await stat(path.join(tree, 'commons', f.path))).size, f.path).toBe(f.size);
      transmission = await startTransmission(path.join(work, 'transmission-config'));
    }, CHECK_TIMEOUT_MS);

    it('verifies every portable volume at 100% where the tree already holds it', async () => {
      const portable = built.manifest.volumes.filter((v) => v.portable);
      for (const v of portable) {
        const id = await transmission!.add(await torrentOf(v.torrent), tree);
        await transmission!.waitFor(id, `volume ${v.prefix} (${v.infoHash}) to verify at 100% in place`, isSeeding, CHECK_TIMEOUT_MS);
        // And a forced recheck of the same files on disk agrees.
        const rechecked = await transmission!.verify(id, CHECK_TIMEOUT_MS);
        expect(rechecked.percentDone, `volume ${v.prefix} after a recheck`).toBe(1);
      }
    }, 4 * CHECK_TIMEOUT_MS);

    it('cannot verify the volume of unportable names: it looks for files named with _ instead of ? and "', async () => {
      const apart = built.manifest.volumes.find((v) => v.portable === false)!;
      const id = await transmission!.add(await torrentOf(apart.torrent), tree);
      const checked = await transmission!.waitFor(id, 'the check of the unportable volume to end', isChecked, CHECK_TIMEOUT_MS);
      expect(checked.percentDone).toBe(0);
      const names = (await transmission!.files(id)).map((f) => path.posix.basename(f.name));
      const stored = built.manifest.files.filter((f) => f.volume === apart.infoHash).map((f) => path.posix.basename(f.path));
      expect(names.sort()).toEqual(stored.map((n) => n.replace(/[?"]/g, '_')).sort());
      for (const n of names) expect(n).not.toMatch(/[?"]/);
    }, 2 * CHECK_TIMEOUT_MS);

    it('stops short of 100% on a volume that mixes them with other files, as /1 volumes did', async () => {
      const m = built.manifest;
      const apart = m.volumes.find((v) => v.portable === false)!;
      // Every other file first, then those: several whole pieces of portable files, then the rest.
      const mixed = [...m.files.filter((f) => f.volume !== apart.infoHash), ...m.files.filter((f) => f.volume === apart.infoHash)];
      const media = path.join(work, 'data', 'media', 'commons');
      const t = await createVolumeTorrent({ files: mixed.map((f) => ({ path: f.path, length: f.size, absPath: path.join(media, f.path), sha1Hex: f.sha1 })), pieceLength: apart.pieceLength, urlList: [] });
      await closeHashWorkers();
      const id = await transmission!.add(t.torrent, tree);
      const checked = await transmission!.waitFor(id, 'the check of the mixed volume to end', isChecked, CHECK_TIMEOUT_MS);
      console.log(`transmission-daemon verified a mixed volume at ${(checked.percentDone * 100).toFixed(0)}% in place`);
      expect(checked.percentDone).toBeGreaterThan(0);
      expect(checked.percentDone).toBeLessThan(1);
    }, 2 * CHECK_TIMEOUT_MS);
  });
});
