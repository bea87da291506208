// The catalogue refusing a split version whose metadata torrent places a BEP 47 pad badly, over
// HTTP at publish (services/tracker-web/publish/check-split.ts): a pad not ending on a piece
// boundary, a pad of non-zero bytes, a pad as long as a piece or longer, a pad whose path is
// not `.pad/<its length>`, a pad outside `.pad/`, a file under `.pad/` that is not a pad. Each
// tampered torrent is otherwise consistent (its pieces hashed over the bytes it describes) and
// comes with a pointer re-signed by the set's key for it, so without the check it would be
// published: each refusal fails if its check is removed. The version is the real builder's
// split output from a real MediaWiki; the catalogue keeps nothing of a refused upload, and
// takes the builder's own torrent afterwards.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet } from '../../services/set-builder/build.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { routes } from '../../shared/api/routes.ts';
import { makePointer } from '../../shared/formats/pointer.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import { bencodeToBuffer, type BencodeValue } from '../../shared/torrent/bencode-writer.ts';
import { metadataTorrentBytes } from '../../shared/torrent/metadata-layout.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { loadSplitVersion, splitUploadNames, type SplitVersion } from '../helpers/split-version.ts';

type ApiBody = { error?: { code: string; message: string; hint?: string } } & Record<string, unknown>;
/** One file of a tampered metadata torrent: a part (bytes from the version folder) or a pad with its own path and bytes. */
type Entry = { name: string; length: number } | { pad: true; path: string; bytes: Buffer; attr?: string };

const SET = 'paris-pads';
let wiki: Wiki;
let work: string;
let server: CatalogueServer;
let token: string;
let split: SplitVersion;
let keysDir: string;

/** The builder's layout of the version's metadata torrent, pads as zeros under `.pad/<length>`. */
function builderEntries(): Entry[] {
  return split.files.map((f) => (f.pad ? { pad: true as const, path: f.name, bytes: Buffer.alloc(f.length) } : { name: f.name, length: f.length }));
}

/** A metadata torrent of `entries`, its pieces hashed over exactly those bytes, with a pointer to it signed by the set's key. */
async function tamperedUpload(entries: Entry[]): Promise<{ files: Record<string, Uint8Array>; infoHash: string }> {
  const blobs = await Promise.all(entries.map((e) => ('pad' in e ? e.bytes : readFile(path.join(split.dir, ...e.name.split('/'))))));
  const all = Buffer.concat(blobs);
  const pieces: Buffer[] = [];
  for (let at = 0; at < all.length; at += split.pieceLength) pieces.push(createHash('sha1').update(all.subarray(at, at + split.pieceLength)).digest());
  const files: BencodeValue[] = entries.map((e) => ('pad' in e ? { attr: e.attr ?? 'p', length: e.bytes.length, path: e.path.split('/') } : { length: e.length, path: e.name.split('/') }));
  const info = bencodeToBuffer({ files, name: `${SET}-v1`, 'piece length': split.pieceLength, pieces: Buffer.concat(pieces) });
  const infoHash = createHash('sha1').update(info).digest('hex');
  const pointer = makePointer(await loadOrCreateSetKey(keysDir, SET), SET, 1, infoHash);
  return { files: { 'metadata.torrent': metadataTorrentBytes(info), 'pointer.json': Buffer.from(`${JSON.stringify(pointer, null, 2)}\n`) }, infoHash };
}

/** The builder's entries with the first pad replaced by what `change` makes of it (its offset in the torrent given). */
function withFirstPad(change: (pad: { path: string; bytes: Buffer }) => Entry[]): Entry[] {
  const entries = builderEntries();
  const i = entries.findIndex((e) => 'pad' in e);
  const pad = entries[i] as { path: string; bytes: Buffer };
  return [...entries.slice(0, i), ...change(pad), ...entries.slice(i + 1)];
}

/** PUTs every file of the version (with `replace`'s bytes where given) and commits. */
async function publish(replace: Record<string, Uint8Array> = {}): Promise<{ status: number; body: ApiBody }> {
  const auth = { authorization: `Bearer ${token}` };
  for (const name of splitUploadNames(split.manifest)) {
    const body = Buffer.from(replace[name] ?? (await readFile(path.join(split.dir, ...name.split('/')))));
    const r = await fetch(`${server.url}${routes.publishFile.path(SET, 1, name)}`, { method: 'PUT', headers: auth, body });
    expect(r.status, `${name}: ${await r.clone().text()}`).toBe(201);
  }
  const r = await fetch(`${server.url}${routes.publishCommit.path(SET, 1)}`, { method: 'POST', headers: auth });
  return { status: r.status, body: (await r.json()) as ApiBody };
}

/** Asserts the catalogue holds nothing of the version: no record, no metadata served. */
async function expectNothingStored(): Promise<void> {
  expect(server.store.getVersion(SET, 1), 'a version record').toBeUndefined();
  expect((await fetch(`${server.url}/meta/${SET}-v1/manifest.json`)).status, 'the manifest served').toBe(404);
  expect((await fetch(`${server.url}/meta/${SET}-v1/${split.manifest.volumes[0]!.list.file}`)).status, 'a list served').toBe(404);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-catalogue-pads-'));
  wiki = await startWiki({ name: 'catalogue-pads' });
  await fillWiki(wiki, { bigFiles: 0, bulkCount: 6 });
  const dataDir = path.join(work, 'builder');
  keysDir = path.join(dataDir, 'keys');
  const recipe = parseRecipe({ id: SET, title: 'Paris (pads test)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, volumeSizeLimit: '100KB', pieceLength: '16KiB' });
  const built = await buildSet({ recipe, dataDir, maxBytesPerSecond: 0, manifestFormat: 'split' });
  split = await loadSplitVersion(built.dir);
  server = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0 });
  token = await createToken(server.store, 'pads test');
}, 600_000);

afterAll(async () => {
  await server?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the catalogue refuses a badly placed BEP 47 pad at publish', () => {
  it('the builder padded the version (every part starts a piece) and the fixture has a pad to tamper with', () => {
    const pads = split.files.filter((f) => f.pad);
    expect(pads.length, `pads in ${split.files.map((f) => f.name).join(', ')}`).toBeGreaterThan(0);
    expect(pads[0]!.length, 'the first pad is long enough to shorten').toBeGreaterThan(1);
  });

  const cases: Array<[string, () => Entry[], { code: string; message: RegExp }]> = [
    [
      'a pad not ending on a piece boundary (one byte short: the next part starts a byte early)',
      () => withFirstPad((p) => [{ pad: true, path: `.pad/${p.bytes.length - 1}`, bytes: p.bytes.subarray(1) }]),
      { code: 'TORRENT_MISMATCH', message: /pad file "\.pad\/\d+" of \d+ bytes at \d+: .*end on a piece boundary/ },
    ],
    [
      'a pad of non-zero bytes (one byte of 1, the pieces hashed over it)',
      () => withFirstPad((p) => [{ pad: true, path: p.path, bytes: Buffer.concat([p.bytes.subarray(1), Buffer.from([1])]) }]),
      { code: 'TORRENT_MISMATCH', message: /piece \d+ does not match .*; it holds the pad \.pad\/\d+, .*must be all zero bytes/ },
    ],
    [
      'a pad longer than a piece (a piece of zeros more, still ending on a boundary)',
      () => withFirstPad((p) => [{ pad: true, path: `.pad/${p.bytes.length + split.pieceLength}`, bytes: Buffer.alloc(p.bytes.length + split.pieceLength) }]),
      { code: 'TORRENT_MISMATCH', message: /pad file "\.pad\/\d+" of \d+ bytes .*shorter than a piece/ },
    ],
    [
      'a pad whose path is not .pad/<length> (a name)',
      () => withFirstPad((p) => [{ pad: true, path: '.pad/zeros', bytes: p.bytes }]),
      { code: 'TORRENT_MISMATCH', message: /pad file "\.pad\/zeros" .*a pad must be \.pad\/<its length>/ },
    ],
    [
      'a pad whose path names another length',
      () => withFirstPad((p) => [{ pad: true, path: `.pad/${p.bytes.length + 1}`, bytes: p.bytes }]),
      { code: 'TORRENT_MISMATCH', message: /pad file "\.pad\/\d+" of \d+ bytes .*a pad must be \.pad\/<its length>/ },
    ],
    [
      'a pad outside .pad/',
      () => withFirstPad((p) => [{ pad: true, path: `zeros/${p.bytes.length}`, bytes: p.bytes }]),
      { code: 'TORRENT_INVALID', message: /metadata\.torrent: .*pad file \d+ is at "zeros\/\d+", not under \.pad\// },
    ],
    [
      'a file under .pad/ that is not marked a pad (no attr "p")',
      () => withFirstPad((p) => [{ pad: true, path: p.path, bytes: p.bytes, attr: '' }]),
      { code: 'TORRENT_INVALID', message: /metadata\.torrent: .*is under \.pad\/ but is not a pad file/ },
    ],
  ];

  it.each(cases)('refuses %s, saying what is wrong and what to do, and keeps nothing', async (_what, entries, want) => {
    const r = await publish((await tamperedUpload(entries())).files);
    expect([r.status, r.body.error?.code], JSON.stringify(r.body)).toEqual([400, want.code]);
    expect(r.body.error?.message).toMatch(want.message);
    expect(r.body.error?.hint, 'what to do').toMatch(/upload the metadata\.torrent the builder wrote|not made by seedbank/);
    const discarded = await fetch(`${server.url}${routes.publishDiscard.path(SET, 1)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    expect(discarded.status).toBe(204);
    await expectNothingStored();
  });

  it('publishes the same version with a torrent made here in the builder\'s layout (the tampering, not the harness, was refused)', async () => {
    const same = await tamperedUpload(builderEntries());
    expect(same.infoHash, 'this harness rebuilds the builder\'s info dictionary byte for byte').toBe(split.infoHash);
    const r = await publish(same.files);
    expect([r.status, r.body.status], JSON.stringify(r.body)).toEqual([201, 'published']);
    expect((await fetch(`${server.url}/meta/${SET}-v1/manifest.json`)).status).toBe(200);
  });
});
