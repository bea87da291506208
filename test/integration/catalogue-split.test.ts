// The catalogue publishing and serving split (seedbank-manifest/3) versions, against real parts
// on loopback: a real MediaWiki, versions built by the real builder and turned into /3 with the
// format module's writers and the set's own key (test/helpers/split-version.ts), published over
// HTTP into an in-process catalogue (port 0), read back through the JSON API, the set page's
// model, the copy export and the metadata web seed; and hostile uploads refused with clear 400s.
import bencode from 'bencode';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishVersion } from '../../services/set-builder/publish.ts';
import { openVersionManifest } from '../../shared/formats/version-manifest.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { checkVersion, type CheckedVersion } from '../../services/tracker-web/publish/check-version.ts';
import { commitSplitVersion } from '../../services/tracker-web/publish/split-commit.ts';
import { Staging } from '../../services/tracker-web/publish/staging.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { PARTS_FOLDER } from '../../services/tracker-web/store/version-parts.ts';
import { silentLogger } from '../../shared/log.ts';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { routes } from '../../shared/api/routes.ts';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { CHANGES_FILE, type SplitManifest } from '../../shared/formats/split-manifest.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { makeSplitVersion, splitUploadNames } from '../helpers/split-version.ts';

type ApiBody = { error?: { code: string; message: string } } & Record<string, unknown>;

let wiki: Wiki;
let work: string;
let server: CatalogueServer;
let token: string;
let v1: SplitManifest;
let v2: SplitManifest;
const dataDir = () => path.join(work, 'builder');
const splitDir = (n: number, tag = 'good') => path.join(work, `split-${tag}`, `v${n}`);

/** PUTs every file of a /3 version folder (but those in `skip`, or with `replace`'s bytes) and commits. */
async function publish(dir: string, top: SplitManifest, o: { skip?: string[]; replace?: Record<string, Uint8Array> } = {}): Promise<{ status: number; body: ApiBody }> {
  const auth = { authorization: `Bearer ${token}` };
  for (const name of splitUploadNames(top)) {
    if (o.skip?.includes(name)) continue;
    const body = Buffer.from(o.replace?.[name] ?? (await readFile(path.join(dir, ...name.split('/')))));
    const r = await fetch(`${server.url}${routes.publishFile.path(top.set.id, top.version, name)}`, { method: 'PUT', headers: auth, body });
    expect(r.status, `${name}: ${await r.clone().text()}`).toBe(201);
  }
  const r = await fetch(`${server.url}${routes.publishCommit.path(top.set.id, top.version)}`, { method: 'POST', headers: auth });
  return { status: r.status, body: (await r.json()) as ApiBody };
}

async function discard(top: SplitManifest): Promise<void> {
  const r = await fetch(`${server.url}${routes.publishDiscard.path(top.set.id, top.version)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(204);
}

/** A PUT with the path sent exactly as written (fetch would resolve `..` before sending). */
function rawPut(rawPath: string): Promise<{ status: number; body: ApiBody }> {
  return new Promise((resolve, reject) => {
    const u = new URL(server.url);
    const req = request({ host: u.hostname, port: u.port, method: 'PUT', path: rawPath, headers: { authorization: `Bearer ${token}`, 'content-length': 1 } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as ApiBody }));
    });
    req.on('error', reject);
    req.end('x');
  });
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-catalogue-split-'));
  wiki = await startWiki({ name: 'catalogue-split' });
  await fillWiki(wiki, { bigFiles: 1, bulkCount: 12 });
  const recipe = (depth: number, id = 'paris') => parseRecipe({ id, title: 'Paris (split test)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth }] }, volumeSizeLimit: '1MB', pieceLength: '64KiB' });
  await buildSet({ recipe: recipe(3), dataDir: dataDir(), maxBytesPerSecond: 0 });
  await buildSet({ recipe: recipe(1), dataDir: dataDir(), maxBytesPerSecond: 0 });
  // The builder's own /3 output too, published by its own client.
  await buildSet({ recipe: recipe(3, 'paris-split'), dataDir: dataDir(), maxBytesPerSecond: 0, manifestFormat: 'split' });
  const keys = path.join(dataDir(), 'keys');
  v1 = (await makeSplitVersion({ wholeDir: path.join(dataDir(), 'sets', 'paris', 'v1'), dir: splitDir(1), keysDir: keys })).manifest;
  v2 = (await makeSplitVersion({
    wholeDir: path.join(dataDir(), 'sets', 'paris', 'v2'),
    dir: splitDir(2),
    keysDir: keys,
    parent: { version: 1, manifestSha256: sha256Hex(await readFile(path.join(splitDir(1), 'manifest.json'))) },
  })).manifest;
  server = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0 });
  token = await createToken(server.store, 'split test');
}, 600_000);

afterAll(async () => {
  await server?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('hostile split uploads', () => {
  it('refuses a name that is not a part, or that climbs out of the staging folder, with a 400 before reading a byte', async () => {
    for (const p of ['/api/publish/paris/1/lists/../../../etc/passwd', '/api/publish/paris/1/..%2F..%2Fmanifest.json', '/api/publish/paris/1/lists/..', '/api/publish/paris/1/lists/evil.ndjson', '/api/publish/paris/1/pages/a/b.xml.gz']) {
      const r = await rawPut(p);
      expect([r.status, r.body.error?.code], p).toEqual([400, 'UPLOAD_NAME_INVALID']);
    }
  });

  it('names a missing part', async () => {
    const list = v1.volumes[0]!.list.file;
    const r = await publish(splitDir(1), v1, { skip: [list] });
    expect([r.status, r.body.error?.code]).toEqual([400, 'PUBLISH_INCOMPLETE']);
    expect(r.body.error?.message).toContain(list);
    await discard(v1);
  });

  it('refuses a part whose bytes are not the ones the signed manifest gives', async () => {
    const pages = v1.volumes[0]!.pages.file;
    const bytes = Buffer.from(await readFile(path.join(splitDir(1), pages)));
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    const r = await publish(splitDir(1), v1, { replace: { [pages]: bytes } });
    expect([r.status, r.body.error?.code]).toEqual([400, 'PART_MISMATCH']);
    expect(r.body.error?.message).toContain(`${pages} does not have the SHA-256`);
    await discard(v1);
  });

  it('names the first metadata torrent piece whose digest does not match the uploaded parts', async () => {
    const torrent = bencode.decode(await readFile(path.join(splitDir(1), 'metadata.torrent'))) as { info: { pieces: Uint8Array } };
    const pieces = Buffer.from(torrent.info.pieces);
    const bad = pieces.length / 20 > 1 ? 1 : 0;
    pieces[bad * 20 + 7] = pieces[bad * 20 + 7]! ^ 0xff;
    torrent.info.pieces = pieces;
    const r = await publish(splitDir(1), v1, { replace: { 'metadata.torrent': bencode.encode(torrent) } });
    expect([r.status, r.body.error?.code]).toEqual([400, 'TORRENT_MISMATCH']);
    expect(r.body.error?.message).toContain(`metadata.torrent piece ${bad} does not match`);
    await discard(v1);
  });

  it('refuses a signed list that names a path outside its volume', async () => {
    const portable = v1.volumes.filter((v) => v.portable !== false && v.files > 0);
    expect(portable.length, 'the fixture set needs two ordinary volumes').toBeGreaterThanOrEqual(2);
    const [a, b] = [portable[0]!.infoHash, portable[1]!.infoHash];
    const { manifest: evil } = await makeSplitVersion({
      wholeDir: path.join(dataDir(), 'sets', 'paris', 'v1'),
      dir: splitDir(1, 'evil'),
      keysDir: path.join(dataDir(), 'keys'),
      tamper: (lists) => {
        const moved = lists.get(b)!.shift()!;
        lists.get(a)!.push({ ...moved, volume: a });
      },
    });
    const r = await publish(splitDir(1, 'evil'), evil);
    expect([r.status, r.body.error?.code]).toEqual([400, 'PART_MISMATCH']);
    expect(r.body.error?.message).toMatch(new RegExp(`lists/${a}\\.ndjson: .* lies outside volume ${a}`));
    await discard(evil);
    expect(server.store.getVersion('paris', 1)).toBeUndefined();
  });
});

describe('a published split version', () => {
  it('is published (201), then identical uploads are unchanged (200), and its child follows it', async () => {
    const first = await publish(splitDir(1), v1);
    expect([first.status, first.body.status, first.body.volumes]).toEqual([201, 'published', v1.volumes.length]);
    const again = await publish(splitDir(1), v1);
    expect([again.status, again.body.status]).toEqual([200, 'unchanged']);
    const second = await publish(splitDir(2), v2);
    expect([second.status, second.body.status]).toEqual([201, 'published']);
  });

  it('answers the version API and serves every part at /meta/<set>-v<N>/<name>, with byte ranges', async () => {
    type Detail = { version: { totals: { files: number }; manifestSha256: string }; supersedes: { previousVersion: number | null; volumes: Array<{ infoHash: string; conflictCount: number }> } };
    const body = (await (await fetch(`${server.url}${routes.version.path('paris', 1)}`)).json()) as Detail;
    expect(body.version.totals.files).toBe(v1.totals.files);
    expect(body.version.manifestSha256).toBe(sha256Hex(await readFile(path.join(splitDir(1), 'manifest.json'))));
    // What v2 supersedes of v1, worked out from v1's lists of the dropped volumes and v2's file list.
    const child = (await (await fetch(`${server.url}${routes.version.path('paris', 2)}`)).json()) as Detail;
    const dropped = v1.volumes.filter((v) => !v2.volumes.some((w) => w.infoHash === v.infoHash)).map((v) => v.infoHash);
    expect(child.supersedes.previousVersion).toBe(1);
    expect(child.supersedes.volumes.map((v) => v.infoHash)).toEqual(dropped);
    expect(child.supersedes.volumes.every((v) => v.conflictCount === 0)).toBe(true);
    const api = new CatalogueApi(server.url, 'seedbank-test');
    for (const name of ['manifest.json', 'manifest.sig', CHANGES_FILE, ...v1.volumes.flatMap((v) => [v.list.file, v.pages.file])]) {
      expect((await api.metadataFile('paris', 1, name)).equals(await readFile(path.join(splitDir(1), name))), name).toBe(true);
    }
    const list = v1.volumes[0]!.list.file;
    const ranged = await fetch(`${server.url}${routes.metadataFile.path('paris', 1, list)}`, { headers: { range: 'bytes=5-14' } });
    expect(ranged.status).toBe(206);
    expect(Buffer.from(await ranged.arrayBuffer()).equals((await readFile(path.join(splitDir(1), list))).subarray(5, 15))).toBe(true);
    // A split version has no pages.xml.gz, and another version's part is not this one's.
    expect((await fetch(`${server.url}/meta/paris-v1/pages.xml.gz`)).status).toBe(404);
    const foreign = v2.volumes.find((v) => !v1.volumes.some((w) => w.infoHash === v.infoHash));
    if (foreign) expect((await fetch(`${server.url}${routes.metadataFile.path('paris', 1, foreign.list.file)}`)).status).toBe(404);
  });

  it('is web-seeded: the metadata torrent\'s url-list, name and paths give every piece (BEP 19)', async () => {
    const t = parseVolumeTorrent(Buffer.from(await (await fetch(`${server.url}${routes.metadataTorrent.path('paris', 1)}`)).arrayBuffer()));
    expect(t.urlList).toEqual([`${server.url}/meta/`]);
    expect(t.files.filter((f) => !f.pad).map((f) => f.path).sort()).toEqual(['manifest.json', 'manifest.sig', CHANGES_FILE, ...v1.volumes.flatMap((v) => [v.list.file, v.pages.file])].sort());
    // BEP 47 pads align every part to a piece; a web seed that does not know BEP 47 (webtorrent's) asks for them too, and gets zeros.
    expect(t.files.filter((f) => f.pad).length).toBeGreaterThan(0);
    expect((await fetch(`${server.url}/meta/paris-v9/.pad/10`)).status, 'a pad of a version the catalogue does not have').toBe(404);
    const parts: Buffer[] = [];
    for (const f of t.files) {
      const url = `${t.urlList[0]}${encodeURIComponent(t.name)}/${f.path.split('/').map(encodeURIComponent).join('/')}`;
      const r = await fetch(url);
      expect(r.status, url).toBe(200);
      parts.push(Buffer.from(await r.arrayBuffer()));
      if (f.pad) expect(parts.at(-1)!.equals(Buffer.alloc(f.length)), url).toBe(true);
    }
    const all = Buffer.concat(parts);
    for (let i = 0; i * t.pieceLength < all.length; i++) {
      const digest = createHash('sha1').update(all.subarray(i * t.pieceLength, (i + 1) * t.pieceLength)).digest();
      expect(digest.equals(t.pieces.subarray(i * 20, i * 20 + 20)), `piece ${i}`).toBe(true);
    }
  });

  it('shows its files, changes and volumes on the set page, and every file in lookups and the copy export', async () => {
    const titles = (await Promise.all(v2.volumes.map(async (v) => (await readFile(path.join(splitDir(2), v.list.file), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { title: string; sha1: string }))))).flat();
    expect(titles.length).toBe(v2.totals.files);
    const model = (await (await fetch(`${server.url}/api/view/sets/paris`)).json()) as {
      versions: Array<{ n: number; changes: { removed: { count: number; titles: string[] } } | null }>;
      volumes: Array<{ infoHash: string }>;
      files: { total?: number; rows?: Array<{ title: string }> } & Record<string, unknown>;
      recipe: { text: string };
    };
    expect(model.versions.map((v) => v.n)).toEqual([2, 1]);
    expect(model.versions[0]!.changes!.removed.count).toBe(v2.changes.removed);
    expect(model.versions[0]!.changes!.removed.titles.length).toBe(Math.min(v2.changes.removed, 50));
    expect(v2.changes.removed).toBeGreaterThan(0);
    expect(model.volumes.map((v) => v.infoHash)).toEqual(v2.volumes.map((v) => v.infoHash));
    expect(model.recipe.text).toContain('Paris');
    const shown = JSON.stringify(model.files);
    const sorted = titles.map((f) => f.title).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(shown).toContain(JSON.stringify(sorted[0]));

    const found = (await (await fetch(`${server.url}${routes.files.path()}?title=${encodeURIComponent(sorted[0]!)}`)).json()) as { files: Array<{ setId: string; version: number }> } & Record<string, unknown>;
    expect(JSON.stringify(found)).toContain('"version":2');
    const exported = (await (await fetch(`${server.url}${routes.copiesExport.path()}`)).text()).trim().split('\n').map((l) => (JSON.parse(l) as { sha1: string }).sha1);
    for (const f of titles) expect(exported).toContain(f.sha1);
  });

  it('takes a /3 version the builder wrote, published by the builder\'s own client', async () => {
    const dir = path.join(dataDir(), 'sets', 'paris-split', 'v1');
    const built = await openVersionManifest(dir);
    expect(built.split).not.toBeNull();
    const outcome = await publishVersion(dir, { catalogueUrl: server.url, token });
    expect(outcome.status).toBe('published');
    const api = new CatalogueApi(server.url, 'seedbank-test');
    for (const v of built.split!.volumes) expect((await api.metadataFile('paris-split', 1, v.list.file)).equals(await readFile(path.join(dir, v.list.file)))).toBe(true);
    expect(server.store.setFiles.versionFacts('paris-split', 1)?.files).toBe(built.head.totals.files);
    expect((await publishVersion(dir, { catalogueUrl: server.url, token })).status).toBe('unchanged');
  });

  it('keeps serving its parts after the catalogue restarts', async () => {
    const dir = path.join(work, 'catalogue');
    await server.close();
    server = await startCatalogueServer({ dataDir: dir, port: 0 });
    const list = v2.volumes[0]!.list.file;
    const r = await fetch(`${server.url}${routes.metadataFile.path('paris', 2, list)}`);
    expect(Buffer.from(await r.arrayBuffer()).equals(await readFile(path.join(splitDir(2), list)))).toBe(true);
    expect(server.store.setFiles.versionFacts('paris', 2)?.files).toBe(v2.totals.files);
  });
});

describe('orphaned parts folders', () => {
  // A catalogue of its own (a store and staging in one data folder), driven in-process: a refused
  // commit needs the set's key rotated between the check and the store, which no HTTP timing can hold.
  const cdir = () => path.join(work, 'cleanup-catalogue');
  const partsRoot = () => path.join(cdir(), PARTS_FOLDER);
  const exists = (p: string) => stat(p).then(() => true, () => false);
  /** A version's parts folder: named by its manifest's SHA-256. */
  const folderOf = async (top: SplitManifest) => sha256Hex(await readFile(path.join(splitDir(top.version), 'manifest.json')));

  /** Stages a /3 version folder as its publish would, and checks it as the commit route does. */
  async function stageAndCheck(store: CatalogueStore, staging: Staging, top: SplitManifest): Promise<Extract<CheckedVersion, { kind: 'new-split' }>> {
    const dir = staging.dir(top.set.id, top.version);
    await cp(splitDir(top.version), dir, { recursive: true });
    const read = (name: string) => readFile(path.join(dir, name));
    const checked = await checkVersion(store, top.set.id, top.version, {
      manifestText: (await read('manifest.json')).toString('utf8'),
      signatureText: (await read('manifest.sig')).toString('utf8'),
      pagesGz: null,
      dir,
      metadataTorrent: await read('metadata.torrent'),
      pointerText: (await read('pointer.json')).toString('utf8'),
      volumeTorrents: new Map(await Promise.all(top.volumes.map(async (v) => [v.infoHash, await read(v.torrent)] as const))),
    });
    if (checked.kind !== 'new-split') throw new Error(`${top.set.id} v${top.version} checked as ${checked.kind}`);
    return checked;
  }

  /** A folder as a crash between a commit's adopt and its store leaves it. */
  async function plant(sha: string): Promise<string> {
    const dir = path.join(partsRoot(), sha);
    await mkdir(path.join(dir, 'lists'), { recursive: true });
    await writeFile(path.join(dir, 'lists', `${'0'.repeat(40)}.ndjson`), '{}\n');
    return dir;
  }

  it('a commit refused after its parts moved removes them and other orphans, never a live version\'s or a commit in progress\'s', async () => {
    const store = CatalogueStore.open(cdir());
    const staging = new Staging(cdir(), 1 << 30);
    try {
      const c1 = await stageAndCheck(store, staging, v1);
      await commitSplitVersion(store, staging, c1.version, c1.parts, silentLogger);
      const live = path.join(partsRoot(), await folderOf(v1));
      const liveParts = (await readdir(live, { recursive: true })).sort();
      expect(liveParts.length).toBeGreaterThan(2);

      const c2 = await stageAndCheck(store, staging, v2);
      const crashed = await plant('c'.repeat(64));
      const inProgress = await plant('d'.repeat(64));
      const release = store.parts.hold('d'.repeat(64));
      // The set's key is rotated between the check and the store: putVersion refuses, after the parts moved.
      await store.rotateKey('paris', 'ab'.repeat(32));
      await expect(commitSplitVersion(store, staging, c2.version, c2.parts, silentLogger)).rejects.toMatchObject({ code: 'KEY_MISMATCH' });
      expect(await exists(path.join(partsRoot(), await folderOf(v2))), 'the refused version\'s parts').toBe(false);
      expect(await exists(crashed), 'a crashed commit\'s folder').toBe(false);
      expect(await exists(inProgress), 'the folder of a commit in progress').toBe(true);
      expect((await readdir(live, { recursive: true })).sort(), 'the live version\'s parts').toEqual(liveParts);
      expect([...store.volumeFiles('paris', 1, v1.volumes[0]!.infoHash)].length).toBe(v1.volumes[0]!.files);
      release();
    } finally {
      await store.close();
    }
  });

  it('a catalogue starting removes every folder no stored version names, and serves the live ones', async () => {
    const orphan = await plant('e'.repeat(64));
    const stray = path.join(partsRoot(), 'not-a-manifest-hash');
    await mkdir(stray, { recursive: true });
    const started = await startCatalogueServer({ dataDir: cdir(), port: 0 });
    try {
      expect(await exists(orphan)).toBe(false);
      expect(await exists(path.join(partsRoot(), 'd'.repeat(64))), 'no commit runs at start-up: the held folder of the last test is an orphan now').toBe(false);
      expect(await exists(stray), 'a folder not named like a parts folder is not the cleanup\'s').toBe(true);
      expect((await readdir(partsRoot())).sort()).toEqual([await folderOf(v1), 'not-a-manifest-hash'].sort());
      for (const v of v1.volumes) {
        const r = await fetch(`${started.url}${routes.metadataFile.path('paris', 1, v.list.file)}`);
        expect(r.status, v.list.file).toBe(200);
        expect(Buffer.from(await r.arrayBuffer())).toEqual(await readFile(path.join(splitDir(1), v.list.file)));
      }
    } finally {
      await started.close();
    }
  });
});
