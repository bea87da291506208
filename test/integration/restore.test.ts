// Restore end to end on loopback: sets built from a real MediaWiki and published to a real
// catalogue, real webtorrent seeders announcing to its tracker, `seedbank restore`, `drill`,
// `copies` and `coverage` run as real processes, and a restore into a second real MediaWiki.
import { createHash } from 'node:crypto';
import { cp, mkdtemp, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hexToBase36Sha1 } from '../../shared/dumps/base36-sha1.ts';
import type { RestoreReport } from '../../clients/restore/restore-report.ts';
import { loadSeederConfigFile } from '../../clients/seeder/config-file.ts';
import { runWizard } from '../../clients/seeder/wizard.ts';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startSeeder, type Seeder } from '../helpers/peers/webtorrent-seeder.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import type { Manifest } from '../../shared/formats/manifest.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { fillWiki, type FixtureSet } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { IMAGE_TABLE_DDL } from '../fixtures/image-table.ts';
import { announceFrom as announceToTracker } from '../helpers/announce.ts';
import { runCli, startCli, waitFor } from '../helpers/run-cli.ts';
import { apiGet } from '../../deploy/local/wiki/wiki-api.ts';

let wiki: Wiki;
let target: Wiki | undefined;
let work: string;
let catalogue: CatalogueServer;
let fixtures: FixtureSet;
let token: string;
const sets: Record<string, Manifest> = {};
const seeders: Seeder[] = [];
const sha1 = (b: Uint8Array) => createHash('sha1').update(b).digest('hex');
const readReport = async (dir: string) => JSON.parse(await readFile(path.join(dir, 'restore-report.json'), 'utf8')) as RestoreReport;
const restore = (set: string, out: string, ...more: string[]) => runCli(['restore', set, '--catalogue', catalogue.url, '--out', out, ...more]);

const announceFrom = (localAddress: string, infoHash: string, port: number) => announceToTracker(catalogue.url, localAddress, infoHash, port);

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-restore-'));
  wiki = await startWiki({ name: 'restore' });
  fixtures = await fillWiki(wiki, { bulkCount: 12, bigFiles: 1 });
  const dataDir = path.join(work, 'builder');
  const recipe = (id: string, category: string, depth: number) =>
    parseRecipe({ id, title: `${category} (restore test)`, wiki: wiki.apiUrl, selection: { categories: [{ name: category, depth }] }, pieceLength: '32KiB', volumeSizeLimit: '1MB' });
  for (const [id, category, depth] of [['paris', 'Paris', 3], ['birds', 'Birds', 2], ['unrelated', 'Unrelated', 0]] as const) {
    sets[id] = (await buildSet({ recipe: recipe(id, category, depth), dataDir, maxBytesPerSecond: 0 })).manifest;
  }
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: { autoStart: false, timeoutMs: 10_000 } });
  token = await createToken(catalogue.store, 'restore-test');
  for (const id of Object.keys(sets)) await publishSet(path.join(dataDir, 'sets', id), { catalogueUrl: catalogue.url, token });

  // Hosts .2 and .3 hold all of paris; .4 alone holds birds, and serves one file altered after it started; nobody holds unrelated.
  const media = path.join(dataDir, 'media');
  const altered = path.join(work, 'altered');
  await cp(media, altered, { recursive: true });
  const torrentOf = (ih: string) => catalogue.store.volumeTorrent(ih)!;
  for (const [host, dir, manifest] of [['127.0.0.2', media, sets.paris!], ['127.0.0.3', media, sets.paris!], ['127.0.0.4', altered, sets.birds!]] as const) {
    for (const v of manifest.volumes) {
      const s = await startSeeder({ torrent: torrentOf(v.infoHash), dir });
      seeders.push(s);
      expect(await announceFrom(host, v.infoHash, s.port)).not.toContain('failure');
    }
  }
  const victim = birdsVictim();
  const h = await open(path.join(altered, 'commons', ...victim.path.split('/')), 'r+');
  await h.write(Buffer.from('corrupt!'), 0, 8, Math.floor(victim.size / 2));
  await h.close();
  await catalogue.census.runOnce();
}, 300_000);

afterAll(async () => {
  await Promise.all(seeders.map((s) => s.close().catch(() => undefined)));
  await catalogue?.close();
  await Promise.all([wiki?.stop(), target?.stop()]);
  if (work) await rm(work, { recursive: true, force: true });
});

/** The largest birds file: the one the birds seeder serves altered. */
function birdsVictim() {
  return [...sets.birds!.files].sort((a, b) => b.size - a.size)[0]!;
}

describe('seedbank restore', () => {
  const out = () => path.join(work, 'restored');

  // One test: the second run is only meaningful over the first one's output.
  it('restores every file of paris from peers only, byte for byte, with the pages and a report; run again, it skips every verified file', async () => {
    const r = await restore('paris', out(), '--no-webseed', '--stall-timeout', '30s');
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toMatch(/Restored paris v1 .*: (\d+) of \1 files OK/);
    for (const f of sets.paris!.files) expect(sha1(await readFile(path.join(out(), 'commons', ...f.path.split('/')))), f.title).toBe(f.sha1);
    const report = await readReport(out());
    expect(report).toMatchObject({ ok: true, webSeeds: false, files: sets.paris!.files.length, filesOk: sets.paris!.files.length, missing: 0, wrong: 0, problems: [] });
    expect(report.bytesReceived).toBeGreaterThanOrEqual(report.bytes);
    expect(sha1(await readFile(path.join(out(), 'pages.xml.gz')))).toBe(sha1(catalogue.store.versionFiles.metadataFile('paris', 1, 'pages.xml.gz')!));

    const again = await restore('paris@1', out(), '--no-webseed');
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(await readReport(out())).toMatchObject({ ok: true, alreadyVerified: sets.paris!.files.length, bytesReceived: 0 });
  });

  it('names files by title with --layout title, only those matching --only', async () => {
    const dir = path.join(work, 'by-title');
    const r = await restore('paris', dir, '--no-webseed', '--layout', 'title', '--only', '*Eiffel*');
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const wanted = sets.paris!.files.filter((f) => f.title.includes('Eiffel'));
    expect(wanted.length).toBeGreaterThan(0);
    const names = (await readdir(path.join(dir, 'files'))).sort();
    expect(names).toEqual(wanted.map((f) => f.title.replace(/^File:/, '')).sort());
    for (const f of wanted) expect(sha1(await readFile(path.join(dir, 'files', f.title.replace(/^File:/, ''))))).toBe(f.sha1);
    expect((await readReport(dir)).files).toBe(wanted.length);
  });

  it('resumes an interrupted restore without fetching again what it has', async () => {
    const dir = path.join(work, 'interrupted');
    const { child, done } = startCli(['restore', 'paris', '--catalogue', catalogue.url, '--out', dir, '--no-webseed', '--max-down', '400kB/s']);
    // Interrupted once a first file is on disk whole (so the second run has something to find),
    // which the 400 kB/s limit makes long before the last one.
    const hasWholeFile = async () => {
      for (const f of sets.paris!.files) {
        const bytes = await readFile(path.join(dir, 'commons', ...f.path.split('/'))).catch(() => null);
        if (bytes && bytes.length === f.size && sha1(bytes) === f.sha1) return f.title;
      }
      return null;
    };
    await waitFor('a first whole, verified file of the interrupted restore on disk', hasWholeFile, 60_000, 100);
    child.kill('SIGINT');
    const first = await done;
    expect(first.code, first.stderr.slice(-2000)).not.toBe(0);
    const partial = await readReport(dir);
    expect(partial.stopped).toBe('aborted');
    expect(partial.filesOk).toBeLessThan(partial.files);
    const r = await restore('paris', dir, '--no-webseed');
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const report = await readReport(dir);
    expect(report.ok).toBe(true);
    expect(report.bytesFoundOnDisk).toBeGreaterThan(0);
    expect(report.bytesReceived).toBeLessThan(report.bytes);
  });

  it('exits non-zero naming the file that no source has intact', async () => {
    const victim = birdsVictim();
    const r = await restore('birds', path.join(work, 'birds'), '--no-webseed', '--stall-timeout', '6s');
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toContain(victim.title);
    const report = await readReport(path.join(work, 'birds'));
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => p.title)).toContain(victim.title);
    expect(report.problems.find((p) => p.title === victim.title)?.outcome).toBe('missing');
  });
});

describe('seedbank restore --into-wiki', () => {
  it('fills a fresh MediaWiki with the files and pages of paris, and skips everything the second time', async () => {
    target = await startWiki({ name: 'restore-target' });
    const bot = await target.createBotPassword();
    const dir = path.join(work, 'into-wiki');
    const args = ['paris', dir, '--no-webseed', '--into-wiki', target.apiUrl, '--user', bot.user, '--password', bot.password];
    const r = await restore(...(args as [string, string, ...string[]]));
    expect(r.code, r.stdout + r.stderr.slice(-3000)).toBe(0);
    expect(r.stdout).toContain(`${sets.paris!.files.length} uploaded`);
    const titles = sets.paris!.files.map((f) => f.title);
    for (let i = 0; i < titles.length; i += 50) {
      const res = await apiGet(target.apiUrl, { action: 'query', titles: titles.slice(i, i + 50).join('|'), prop: 'imageinfo|revisions', iiprop: 'sha1', rvprop: 'content', rvslots: 'main', format: 'json', formatversion: 2 });
      for (const p of res.query.pages as Array<{ title: string; imageinfo?: Array<{ sha1: string }>; revisions?: Array<{ slots: { main: { content: string } } }> }>) {
        const original = fixtures.files.find((f) => f.title === p.title)!;
        expect(p.imageinfo?.[0]?.sha1, p.title).toBe(original.sha1);
        expect(p.revisions?.[0]?.slots.main.content.trimEnd(), p.title).toBe(original.text.trimEnd());
      }
    }
    const again = await restore(...(args as [string, string, ...string[]]));
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(again.stdout).toContain(`0 uploaded, 0 pages updated, ${titles.length} already there`);
  });
});

describe('seedbank drill', () => {
  it('restores a sample of 5 from peers only and the home page shows it', async () => {
    const r = await runCli(['drill', '--catalogue', catalogue.url, '--set', 'paris', '--sample', '5', '--token', token]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/Drill OK: paris v1, 5 of 5 sampled files/);
    const home = (await (await fetch(`${catalogue.url}/api/view/home`)).json()) as { drills: Array<{ setId: string; ok: boolean; filesOk: number }> };
    expect(home.drills[0]).toMatchObject({ setId: 'paris', ok: true, filesOk: 5 });
    expect(await (await fetch(`${catalogue.url}/metrics`)).text()).toMatch(/^seedbank_drill_last_success 1$/m);
  });

  it('fails loudly when no peer holds the set', async () => {
    const r = await runCli(['drill', '--catalogue', catalogue.url, '--set', 'unrelated', '--sample', '3', '--token', token, '--stall-timeout', '3s']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('Drill FAILED');
    expect(r.stderr).toMatch(/"level":50.*restore drill FAILED/);
    const metrics = await (await fetch(`${catalogue.url}/metrics`)).text();
    expect(metrics).toMatch(/^seedbank_drill_last_success 0$/m);
    expect(metrics).toMatch(/^seedbank_drill_last_files_ok 0$/m);
  });
});

describe('seedbank copies and coverage', () => {
  it('prints the copy count of a file', async () => {
    const f = sets.paris!.files.find((x) => !sets.birds!.files.some((b) => b.sha1 === x.sha1))!;
    const r = await runCli(['copies', f.title, '--catalogue', catalogue.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 verified copies on 1 network');
    expect(r.stdout).toContain(`paris v1 (Paris (restore test)): ${f.path}`);
    const json = JSON.parse((await runCli(['copies', f.sha1, '--catalogue', catalogue.url, '--json'])).stdout) as { copies: number };
    expect(json.copies).toBe(2);
  });

  it('reports whole-wiki coverage from an image table dump, tricky names included', async () => {
    const paris = new Set(sets.paris!.files.map((f) => f.sha1));
    const files = fixtures.files;
    const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
    const row = (name: string, size: number, hex: string) => `(${quote(name)},${size},640,480,${quote('a:0:{}')},8,'BITMAP','image','jpeg',1,1,'20240101000000',${quote(hexToBase36Sha1(hex))})`;
    const extra = [["O'Brien's_(1990),_view.jpg", 111, sha1(Buffer.from('x'))], ['Back\\slash_"quoted"_日本.png', 222, sha1(Buffer.from('y'))]] as const;
    const rows = [...files.map((f) => row(f.name.replace(/ /g, '_'), f.size, f.sha1)), ...extra.map(([n, s, h]) => row(n, s, h))];
    const dump = `-- MySQL dump 10.19
/*!40101 SET NAMES binary */;
${IMAGE_TABLE_DDL}INSERT INTO \`image\` VALUES ${rows.slice(0, 5).join(',')};
INSERT INTO \`image\` VALUES ${rows.slice(5).join(',')};
`;
    const dumpFile = path.join(work, 'testwiki-image.sql.gz');
    await writeFile(dumpFile, gzipSync(dump));
    const list = path.join(work, 'uncovered.tsv');
    const r = await runCli(['coverage', '--catalogue', catalogue.url, '--image-dump', dumpFile, '--missing-list', list, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { files: number; bytes: number; levels: Array<{ atLeast: number; files: number; bytes: number }>; uncovered: { files: number } };
    const covered = files.filter((f) => paris.has(f.sha1));
    const bytesOf = (fs: Array<{ size: number }>) => fs.reduce((s, f) => s + f.size, 0);
    expect(report.files).toBe(files.length + extra.length);
    expect(report.bytes).toBe(bytesOf(files) + 333);
    expect(report.levels).toEqual([
      { atLeast: 1, files: covered.length, bytes: bytesOf(covered) },
      { atLeast: 2, files: covered.length, bytes: bytesOf(covered) },
      { atLeast: 3, files: 0, bytes: 0 },
    ]);
    const listed = (await readFile(list, 'utf8')).trim().split('\n');
    expect(listed).toHaveLength(files.length - covered.length + extra.length);
    expect(listed).toContain(`O'Brien's_(1990),_view.jpg\t111\t${extra[0][2]}`);
    expect(listed).toContain(`Back\\slash_"quoted"_日本.png\t222\t${extra[1][2]}`);
    const category = await runCli(['coverage', '--catalogue', catalogue.url, '--category', 'Eiffel Tower']);
    expect(category.code, category.stderr).toBe(0);
    expect(category.stdout).toMatch(/copies per file: min 2, median 2/);
  });
});

describe('bad input gets an error, not an empty success', () => {
  it('refuses a glob that matches nothing, a mistyped set and an unknown or wrongly cased category, naming what exists', async () => {
    const none = await restore('paris', path.join(work, 'none'), '--only', '*No such title*');
    expect(none.code, none.stdout).toBe(66);
    expect(none.stderr).toMatch(/RESTORE_NOTHING_MATCHES|--only "\*No such title\*" matches none of the \d+ files of paris v1/);
    expect(none.stdout).not.toContain('files OK');

    const typo = await restore('pariss', path.join(work, 'typo'));
    expect(typo.code).toBe(66);
    expect(typo.stderr).toContain('no set "pariss". Did you mean "paris"?');
    expect(typo.stderr).toMatch(/sets published there: .*birds.*paris/);

    const drill = await runCli(['drill', '--catalogue', catalogue.url, '--set', 'pariss', '--token', token]);
    expect(drill.code).toBe(66);
    expect(drill.stdout).not.toContain('Drill FAILED');
    expect(drill.stderr).toContain('no set "pariss"');

    const cased = await runCli(['coverage', '--catalogue', catalogue.url, '--category', 'eiffel tower']);
    expect(cased.code).toBe(66);
    expect(cased.stderr).toContain('Did you mean "Eiffel Tower"');
    const unknown = await runCli(['coverage', '--catalogue', catalogue.url, '--category', 'Nowhere At All']);
    expect(unknown.code).toBe(66);
    expect(unknown.stderr).toContain('no file of a published set is directly in the category "Nowhere At All"');
  });
});

describe('a seeder that remembers, and checks what it is told to host', () => {
  it('the wizard refuses a set the catalogue lacks, asks about the public DHT, and a bare `seed` reads what it wrote', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let shown = '';
    output.on('data', (d: Buffer) => (shown += d.toString()));
    const configHome = path.join(work, 'xdg');
    const configFile = path.join(configHome, 'seedbank', 'seeder.yaml');
    const asked = runWizard({ input, output, configFile });
    for (const a of [catalogue.url, path.join(work, 'wizard-storage'), '2GB', 'pariss', 'paris', 'n']) {
      await waitFor('the next question', async () => (/: $/.test(shown) ? true : null), 10_000, 20);
      shown = shown.replace(/: $/, ':\n');
      input.write(`${a}\n`);
    }
    const { file } = await asked;
    expect(file).toBe(configFile);
    expect(shown).toMatch(/sets in this catalogue: .*paris/);
    expect(shown).toContain('not in this catalogue: "pariss" Did you mean "paris"?');
    expect(shown).toContain('public BitTorrent DHT');
    expect(await loadSeederConfigFile(file)).toMatchObject({ catalogue: catalogue.url, quota: 2e9, sets: ['paris'], dht: false });
    await writeFile(path.join(work, 'bad.yaml'), 'catalogue: http://x\nquota: lots\nkeepVersions: 0\n');
    await expect(loadSeederConfigFile(path.join(work, 'bad.yaml'))).rejects.toThrow(/quota: "lots" is not a size[\s\S]*keepVersions/);

    // The file as the wizard wrote it, with a typo in the sets: a bare `seed` reads it and refuses at start.
    await writeFile(configFile, (await readFile(configFile, 'utf8')).replace('- paris', '- pariss'));
    const seed = await runCli(['seed'], { env: { XDG_CONFIG_HOME: configHome, HOME: path.join(work, 'no-home') } });
    expect(seed.code, seed.stderr).toBe(66);
    expect(seed.stderr).toContain('no set "pariss". Did you mean "paris"?');
    expect(seed.stderr).toMatch(/sets published there: .*paris/);
  });
});
