// The catalogue's HTTP contract (shared/api) against a real catalogue on loopback: a set built
// from a real MediaWiki and published through the typed client, then every route of the JSON
// API fetched raw and parsed with its schema, every error answered with the error body, a
// malformed body for each POST route refused with 400, and the typed CatalogueApi reading
// every route back. Nothing leaves 127.0.0.1.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { signSeederReport } from '../../shared/operator/report-signature.ts';
import { newOperatorKey } from '../helpers/operator-keys.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import {
  CatalogueApi,
  catalogueKeySchema,
  categoryCopiesSchema,
  commitAnswerSchema,
  copiesExportLineSchema,
  drillAnswerSchema,
  drillListSchema,
  errorBodySchema,
  fileCopiesSchema,
  fileListSchema,
  healthSchema,
  needsSchema,
  pointerBodySchema,
  PUBLISH_FIXED_FILES,
  publishStatusSchema,
  reportAnswerSchema,
  routes,
  searchResultSchema,
  setCopiesSchema,
  setCopyHistorySchema,
  setDetailSchema,
  setListSchema,
  swarmDetailSchema,
  takedownBodySchema,
  uploadAnswerSchema,
  versionDetailSchema,
  volumeDetailSchema,
  withQuery,
  type DrillReport,
  type SeederReport,
} from '../../shared/api/index.ts';
import { manifestSha256, type Manifest } from '../../shared/formats/manifest.ts';
import { verifyPointer } from '../../shared/formats/pointer.ts';
import { verifyTakedownList } from '../../shared/formats/takedown.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';

/** One request to a loopback catalogue on a busy 2-core machine. */
const REQUEST_TIMEOUT_MS = 20_000;

let wiki: Wiki;
let work: string;
let catalogue: CatalogueServer;
let token: string;
let paris: Manifest;
let versionDir: string;
let api: CatalogueApi;

interface Raw {
  status: number;
  type: string;
  body: unknown;
  bytes: Buffer;
}

/** A raw request (no shared client), so the contract is checked from the wire. */
async function call(method: string, pathAndQuery: string, init: { body?: string | Uint8Array; auth?: boolean; type?: string } = {}): Promise<Raw> {
  const headers: Record<string, string> = {};
  if (init.auth) headers.authorization = `Bearer ${token}`;
  if (init.type) headers['content-type'] = init.type;
  const res = await fetch(`${catalogue.url}${pathAndQuery}`, { method, headers, body: init.body as BodyInit | undefined, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  let body: unknown = null;
  if (type.startsWith('application/json') && bytes.length > 0) body = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, type, body, bytes };
}

/** Asserts the status and parses the body with its schema (a mismatch fails with zod's account of it). */
function expectBody<S extends z.ZodType>(r: Raw, status: number, schema: S): z.output<S> {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  const parsed = schema.safeParse(r.body);
  if (!parsed.success) throw new Error(`answer does not match its schema: ${JSON.stringify(parsed.error.issues)}\n${JSON.stringify(r.body).slice(0, 2000)}`);
  return parsed.data;
}

/** Asserts an error answer: the status, the error body and its code. */
function expectError(r: Raw, status: number, code: string | RegExp): void {
  const body = expectBody(r, status, errorBodySchema);
  expect(body.error.code).toMatch(typeof code === 'string' ? new RegExp(`^${code}$`) : code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-contract-'));
  wiki = await startWiki({ name: 'contract' });
  await fillWiki(wiki, { bulkCount: 4, bigFiles: 0 });
  const dataDir = path.join(work, 'builder');
  const recipe = parseRecipe({ id: 'paris', title: 'Paris (contract)', wiki: wiki.apiUrl, selection: { categories: [{ name: 'Paris', depth: 3 }] }, pieceLength: '32KiB' });
  paris = (await buildSet({ recipe, dataDir, maxBytesPerSecond: 0 })).manifest;
  versionDir = path.join(dataDir, 'sets', 'paris', 'v1');
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: { autoStart: false } });
  token = await createToken(catalogue.store, 'contract');
  api = new CatalogueApi(catalogue.url, userAgent({ part: 'contract-test' }));
  const published = await publishSet(path.join(dataDir, 'sets', 'paris'), { catalogueUrl: catalogue.url, token });
  expect(published.map((o) => o.status)).toEqual(['published']);
}, 300_000);

afterAll(async () => {
  await catalogue?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the read API answers what its schemas say', () => {
  it('health, sets, one set, its pointer and its version', async () => {
    expectBody(await call('GET', routes.health.path()), 200, healthSchema);
    const list = expectBody(await call('GET', routes.sets.path()), 200, setListSchema);
    expect(list.sets.map((s) => [s.id, s.latest?.version])).toEqual([['paris', 1]]);
    // One set is one page: the last, so no cursor (paging itself: set-list-paging.test.ts).
    expect(list.next).toBeNull();
    expect(expectBody(await call('GET', withQuery(routes.sets.path(), { limit: 1, after: 'paris' })), 200, setListSchema)).toEqual({ sets: [], next: null });
    const detail = expectBody(await call('GET', routes.set.path('paris')), 200, setDetailSchema);
    expect([detail.set.latestVersion, detail.versions.map((v) => v.manifestSha256)]).toEqual([1, [manifestSha256(paris)]]);
    const pointer = expectBody(await call('GET', routes.pointer.path('paris')), 200, pointerBodySchema);
    expect([pointer.salt, pointer.seq, verifyPointer(pointer)]).toEqual(['paris', 1, true]);
    const version = expectBody(await call('GET', routes.version.path('paris', 1)), 200, versionDetailSchema);
    expect(version.volumes.map((v) => v.infoHash)).toEqual(paris.volumes.map((v) => v.infoHash));
  });

  it('volumes, swarms and file lookups', async () => {
    const ih = paris.volumes[0]!.infoHash;
    const volume = expectBody(await call('GET', routes.volume.path(ih)), 200, volumeDetailSchema);
    expect([volume.volume.infoHash, volume.swarm.infoHash]).toEqual([ih, ih]);
    expectBody(await call('GET', withQuery(routes.swarm.path(ih), { since: 0, until: Date.now() })), 200, swarmDetailSchema);
    const file = paris.files[0]!;
    const bySha1 = expectBody(await call('GET', withQuery(routes.files.path(), { sha1: file.sha1 })), 200, fileListSchema);
    expect(bySha1.files.map((f) => [f.setId, f.version, f.path])).toEqual([['paris', 1, file.path]]);
    const byTitle = expectBody(await call('GET', withQuery(routes.files.path(), { title: file.title })), 200, fileListSchema);
    expect(byTitle.files.map((f) => f.sha1)).toEqual([file.sha1]);
    // The title search: the published file by the first letters of its title's last word, lower-cased.
    const word = file.title.replace(/^File:/, '').split(/[^\p{L}\p{N}]+/u).filter(Boolean).at(-2)!;
    const found = expectBody(await call('GET', withQuery(routes.search.path(), { q: word.slice(0, 3).toLowerCase() })), 200, searchResultSchema);
    expect(found.results.map((r) => r.title)).toContain(file.title);
    expect(found.results.find((r) => r.title === file.title)).toMatchObject({ sha1s: [file.sha1], sets: ['paris'] });
    expectError(await call('GET', withQuery(routes.search.path(), { q: '!!!' })), 400, 'BAD_REQUEST');
    expect((await api.search({ q: word })).results.map((r) => r.title)).toContain(file.title);
  });

  it('answers every refusal with the error body: unknown things 404, malformed params and queries 400', async () => {
    expectError(await call('GET', routes.set.path('nowhere')), 404, /^SET_(UNKNOWN|NOT_FOUND)$/);
    expectError(await call('GET', routes.set.path('Not A Slug!')), 400, 'BAD_REQUEST');
    expectError(await call('GET', routes.pointer.path('nowhere')), 404, /^SET_(UNKNOWN|NOT_FOUND)$/);
    expectError(await call('GET', '/api/sets/paris/versions/0'), 400, 'BAD_REQUEST');
    expectError(await call('GET', withQuery(routes.sets.path(), { limit: 0 })), 400, 'BAD_REQUEST');
    expectError(await call('GET', withQuery(routes.sets.path(), { after: 'Not A Slug!' })), 400, 'BAD_REQUEST');
    expectError(await call('GET', routes.version.path('paris', 7)), 404, /^VERSION_/);
    expectError(await call('GET', routes.volume.path('ab'.repeat(20))), 404, /^VOLUME_/);
    expectError(await call('GET', routes.volume.path('xyz')), 400, 'BAD_REQUEST');
    expectError(await call('GET', withQuery(routes.swarm.path(paris.volumes[0]!.infoHash), { since: 'yesterday' })), 400, 'BAD_REQUEST');
    expectError(await call('GET', routes.files.path()), 400, 'BAD_REQUEST');
    expectError(await call('GET', withQuery(routes.needs.path(), { limit: 'all' })), 400, 'BAD_REQUEST');
    expectError(await call('GET', '/api/no-such-route'), 404, 'NOT_FOUND');
  });
});

describe('the publish API', () => {
  it('reports what is published and staged, stores an upload, refuses a bad name, an incomplete commit and a missing token', async () => {
    const status = expectBody(await call('GET', routes.publishStatus.path('paris', 1), { auth: true }), 200, publishStatusSchema);
    expect([status.published, status.staged]).toEqual([manifestSha256(paris), []]);
    expectError(await call('GET', routes.publishStatus.path('paris', 1)), 401, /^TOKEN_/);

    const manifestBytes = await readFile(path.join(versionDir, 'manifest.json'));
    const stored = expectBody(await call('PUT', routes.publishFile.path('paris', 2, 'manifest.json'), { auth: true, body: manifestBytes }), 201, uploadAnswerSchema);
    expect([stored.name, stored.size]).toEqual(['manifest.json', manifestBytes.length]);
    expectError(await call('PUT', routes.publishFile.path('paris', 2, 'evil.sh'), { auth: true, body: 'x' }), 400, 'UPLOAD_NAME_INVALID');
    // The commit route takes no body: whatever is sent, an incomplete upload is refused with 400 naming what is missing.
    const incomplete = await call('POST', routes.publishCommit.path('paris', 2), { auth: true, body: '{not json', type: 'application/json' });
    expectError(incomplete, 400, 'PUBLISH_INCOMPLETE');
    expect((incomplete.body as { error: { message: string } }).error.message).toMatch(/manifest\.sig/);
    const discarded = await call('DELETE', routes.publishDiscard.path('paris', 2), { auth: true });
    expect(discarded.status).toBe(204);
    expect(expectBody(await call('GET', routes.publishStatus.path('paris', 2), { auth: true }), 200, publishStatusSchema).staged).toEqual([]);
  });

  it('commits an identical upload as unchanged (200), through the typed client', async () => {
    for (const name of [...PUBLISH_FIXED_FILES, ...paris.volumes.map((v) => v.torrent)]) {
      const answer = await api.upload('paris', 1, name, await readFile(path.join(versionDir, ...name.split('/'))), token);
      expect(uploadAnswerSchema.parse(answer).name).toBe(name);
    }
    const raw = await call('POST', routes.publishCommit.path('paris', 1), { auth: true });
    const commit = expectBody(raw, 200, commitAnswerSchema);
    expect([commit.status, commit.manifestSha256]).toEqual(['unchanged', manifestSha256(paris)]);
  });
});

describe('seeders, takedown and drills', () => {
  const operator = newOperatorKey();
  const fields = { quotaBytes: 10 ** 9, usedBytes: 0, volumes: [], version: '0.1.0', pollIntervalMs: 60_000 };
  const report: SeederReport = signSeederReport(operator, fields);

  it('answers a seeder report, and refuses a malformed or invalid one with 400', async () => {
    const withVolume = signSeederReport(operator, { ...fields, volumes: [paris.volumes[0]!.infoHash] });
    const answer = expectBody(await call('POST', routes.seederReport.path(), { body: JSON.stringify(withVolume), type: 'application/json' }), 200, reportAnswerSchema);
    expect(Object.keys(answer.hosted)).toEqual([paris.volumes[0]!.infoHash]);
    expectError(await call('POST', routes.seederReport.path(), { body: '{"seederId": ', type: 'application/json' }), 400, /PARSE/);
    expectError(await call('POST', routes.seederReport.path(), { body: JSON.stringify({ ...report, quotaBytes: -1 }), type: 'application/json' }), 400, 'REPORT_INVALID');
  });

  it('serves the signed takedown list and the key that signs it', async () => {
    const key = expectBody(await call('GET', routes.catalogueKey.path()), 200, catalogueKeySchema);
    const list = expectBody(await call('GET', routes.takedown.path()), 200, takedownBodySchema);
    expect(verifyTakedownList(list, key.publicKey).ok).toBe(true);
  });

  it('stores a drill report and lists it; refuses a malformed one, an invalid one and one without a token', async () => {
    const drill: DrillReport = { setId: 'paris', version: 1, startedAt: new Date().toISOString(), ok: true, filesChecked: 2, filesOk: 2, bytes: 1000, seconds: 1.5, copiesSeen: { min: 0, median: 0 }, error: null };
    const stored = expectBody(await call('POST', routes.drillPost.path(), { auth: true, body: JSON.stringify(drill), type: 'application/json' }), 201, drillAnswerSchema);
    expect([stored.drill.setTitle, stored.drill.reporter]).toEqual(['Paris (contract)', 'contract']);
    expectError(await call('POST', routes.drillPost.path(), { auth: true, body: '[1,', type: 'application/json' }), 400, /PARSE/);
    expectError(await call('POST', routes.drillPost.path(), { auth: true, body: JSON.stringify({ ...drill, extra: 1 }), type: 'application/json' }), 400, 'BAD_REQUEST');
    expectError(await call('POST', routes.drillPost.path(), { body: JSON.stringify(drill), type: 'application/json' }), 401, /^TOKEN_/);
    const list = expectBody(await call('GET', routes.drills.path()), 200, drillListSchema);
    expect(list.drills.map((d) => d.setId)).toEqual(['paris']);
  });
});

describe('redundancy', () => {
  it('lists the needs, the copies per file, category and set, the history and the export', async () => {
    const needs = expectBody(await call('GET', routes.needs.path()), 200, needsSchema);
    expect(needs.needs.map((n) => n.infoHash).sort()).toEqual(paris.volumes.map((v) => v.infoHash).sort());
    // The totals cover every volume: with every volume listed they add up to the list's own figures.
    expect(needs.totals?.neededBytes).toBe(needs.needs.reduce((n, v) => n + v.neededBytes, 0));
    expect(needs.totals?.volumesUnderTarget).toBe(needs.needs.length);
    expect(expectBody(await call('GET', withQuery(routes.needs.path(), { limit: 1 })), 200, needsSchema).needs).toHaveLength(1);
    const file = paris.files[0]!;
    const copies = expectBody(await call('GET', routes.fileCopies.path(file.sha1)), 200, fileCopiesSchema);
    expect([copies.sha1, copies.copies, copies.containedIn.map((c) => c.setId)]).toEqual([file.sha1, 0, ['paris']]);
    expectError(await call('GET', routes.fileCopies.path('cd'.repeat(20))), 404, /^FILE_/);
    const category = file.categories[0] ?? 'Paris';
    expectBody(await call('GET', routes.categoryCopies.path(category)), 200, categoryCopiesSchema);
    const set = expectBody(await call('GET', routes.setCopies.path('paris')), 200, setCopiesSchema);
    expect(set.files).toBe(paris.files.length);
    expectError(await call('GET', routes.setCopies.path('nowhere')), 404, /^SET_/);
    expectBody(await call('GET', withQuery(routes.setCopyHistory.path('paris'), { since: 0 })), 200, setCopyHistorySchema);
    const exported = await call('GET', routes.copiesExport.path());
    expect([exported.status, exported.type]).toEqual([200, expect.stringMatching(/^application\/x-ndjson/)]);
    const lines = exported.bytes.toString('utf8').split('\n').filter(Boolean).map((l) => copiesExportLineSchema.parse(JSON.parse(l)));
    expect(lines.map((l) => l.sha1).sort()).toEqual([...new Set(paris.files.map((f) => f.sha1))].sort());
  });
});

describe('bytes: the metadata web seed and torrents', () => {
  it('serves each metadata file, each torrent and the metadata torrent by number and as latest', async () => {
    for (const name of ['manifest.json', 'manifest.sig', 'pages.xml.gz']) {
      const r = await call('GET', routes.metadataFile.path('paris', 1, name));
      expect([r.status, r.bytes.equals(await readFile(path.join(versionDir, name)))]).toEqual([200, true]);
    }
    for (const v of paris.volumes) expect((await call('GET', routes.torrent.path(v.infoHash))).type).toMatch(/bittorrent/);
    const numbered = await call('GET', routes.metadataTorrent.path('paris', 1));
    const latest = await call('GET', routes.metadataTorrent.path('paris', 'latest'));
    expect([numbered.status, latest.status, numbered.bytes.equals(latest.bytes)]).toEqual([200, 200, true]);
    expectError(await call('GET', routes.metadataFile.path('paris', 9, 'manifest.json')), 404, 'NOT_FOUND');
  });
});

describe('the typed CatalogueApi', () => {
  it('reads every route back through the one client base', async () => {
    const ih = paris.volumes[0]!.infoHash;
    expect(await api.health()).toBe(true);
    expect((await api.sets()).map((s) => s.id)).toEqual(['paris']);
    expect(await api.setsPage({ limit: 5 })).toMatchObject({ sets: [{ id: 'paris' }], next: null });
    expect((await api.set('paris')).set.id).toBe('paris');
    expect([await api.findSet('nowhere'), await api.findVersion('paris', 9), await api.pointer('nowhere')]).toEqual([null, null, null]);
    await expect(api.set('nowhere')).rejects.toMatchObject({ code: expect.stringMatching(/^SET_/) });
    expect((await api.findVersion('paris', 1))?.version.version).toBe(1);
    expect((await api.pointer('paris'))?.seq).toBe(1);
    expect((await api.volume(ih)).volume.infoHash).toBe(ih);
    expect((await api.swarm(ih, { since: 0 })).live.infoHash).toBe(ih);
    expect((await api.files({ sha1: paris.files[0]!.sha1 })).length).toBe(1);
    expect((await api.publishStatus('paris', 1, token)).published).toBe(manifestSha256(paris));
    await api.discardUpload('paris', 3, token);
    expect(await api.catalogueKey()).toMatch(/^[0-9a-f]{64}$/);
    expect((await api.takedown()).serial).toBe(0);
    expect((await api.drills()).length).toBe(1);
    expect((await api.needs(1)).length).toBe(1);
    expect((await api.fileCopies(paris.files[0]!.sha1)).sha1).toBe(paris.files[0]!.sha1);
    expect((await api.categoryCopies('Paris')).category).toBe('Paris');
    expect((await api.setCopies('paris')).files).toBe(paris.files.length);
    expect((await api.setCopyHistory('paris', 0)).set).toBe('paris');
    expect((await api.exportCopies()).size).toBe(new Set(paris.files.map((f) => f.sha1)).size);
    expect((await api.metadataFile('paris', 1, 'manifest.json')).equals(await readFile(path.join(versionDir, 'manifest.json')))).toBe(true);
    expect((await api.metadataTorrent('paris', 'latest')).length).toBeGreaterThan(0);
    expect((await api.torrent(ih)).length).toBeGreaterThan(0);
    const drill = await api.postDrill({ setId: 'paris', version: 1, startedAt: new Date().toISOString(), ok: false, filesChecked: 1, filesOk: 0, bytes: 0, seconds: 0, copiesSeen: null, error: 'contract test' }, token);
    expect(drill.error).toBe('contract test');
    const answer = await api.report(signSeederReport(newOperatorKey(), { quotaBytes: 0, usedBytes: 0, volumes: [], version: '0.1.0', pollIntervalMs: 60_000 }));
    expect(answer.hosted).toEqual({});
  });
});
