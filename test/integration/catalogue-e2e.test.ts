// The catalogue end to end on loopback: sets built from a real MediaWiki and published,
// real webtorrent seeders announcing from distinct loopback hosts, a census that audits
// them, and the pages checked in a real headless Chromium. Nothing leaves 127.0.0.0/8.
import { cp, mkdtemp, open, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startSeeder, type Seeder } from '../helpers/peers/webtorrent-seeder.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { verifyTakedownList } from '../../shared/formats/takedown.ts';
import type { Manifest } from '../../shared/formats/manifest.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { announceFrom as announceToTracker } from '../helpers/announce.ts';
import { useBrowser } from '../helpers/browser.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { runCli } from '../helpers/run-cli.ts';

let wiki: Wiki;
let work: string;
let catalogue: CatalogueServer;
let paris: Manifest;
let birds: Manifest;
const seeders: Seeder[] = [];
const browser = useBrowser();

const announceFrom = (localAddress: string, infoHash: string, port: number) => announceToTracker(catalogue.url, localAddress, infoHash, port);

async function json<T>(pathAndQuery: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${catalogue.url}${pathAndQuery}`, { signal: AbortSignal.timeout(20_000) });
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-e2e-'));
  wiki = await startWiki({ name: 'e2e' });
  await fillWiki(wiki, { bulkCount: 20, bigFiles: 0 });
  const dataDir = path.join(work, 'builder');
  const recipe = (id: string, category: string, depth: number) =>
    parseRecipe({ id, title: `${category} (test)`, tags: id === 'birds' ? ['nature'] : ['city'], wiki: wiki.apiUrl, selection: { categories: [{ name: category, depth }] }, pieceLength: '32KiB' });
  paris = (await buildSet({ recipe: recipe('paris', 'Paris', 3), dataDir, maxBytesPerSecond: 0 })).manifest;
  birds = (await buildSet({ recipe: recipe('birds', 'Birds', 2), dataDir, maxBytesPerSecond: 0 })).manifest;
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: { autoStart: false, timeoutMs: 10_000 } });
  const token = await createToken(catalogue.store, 'e2e');
  await publishSet(path.join(dataDir, 'sets', 'paris'), { catalogueUrl: catalogue.url, token });
  await publishSet(path.join(dataDir, 'sets', 'birds'), { catalogueUrl: catalogue.url, token });

  // Hosts .2 and .3 hold all of paris; .4 holds a copy altered after it started; .5 holds birds.
  const torrentOf = (ih: string) => catalogue.store.volumeTorrent(ih)!;
  const media = path.join(dataDir, 'media');
  const altered = path.join(work, 'altered');
  await cp(media, altered, { recursive: true });
  for (const [host, dir, manifest] of [['127.0.0.2', media, paris], ['127.0.0.3', media, paris], ['127.0.0.4', altered, paris], ['127.0.0.5', media, birds]] as const) {
    for (const v of manifest.volumes) {
      const s = await startSeeder({ torrent: torrentOf(v.infoHash), dir });
      seeders.push(s);
      const reply = await announceFrom(host, v.infoHash, s.port);
      expect(reply).not.toContain('failure');
    }
  }
  // Alter every file of the .4 copy after its seeder verified it: it now serves wrong bytes.
  for (const f of paris.files) {
    const h = await open(path.join(altered, 'commons', ...f.path.split('/')), 'r+');
    await h.write(Buffer.from('corrupt!'), 0, 8, Math.floor(f.size / 2));
    await h.close();
  }
  await catalogue.census.runOnce();
}, 300_000);

afterAll(async () => {
  await Promise.all(seeders.map((s) => s.close().catch(() => undefined)));
  await catalogue?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('copies counted by the census', () => {
  it('counts the two honest hosts of a paris file and not the host serving altered bytes', async () => {
    const only = paris.files.find((f) => !birds.files.some((b) => b.sha1 === f.sha1))!;
    const { status, body } = await json<{ kind: string; file: { copies: number; networksCount: number; containedIn: unknown[] } }>(`/api/view/files?q=${only.sha1}`);
    expect(status).toBe(200);
    expect(body.kind).toBe('found');
    expect(body.file.copies).toBe(2);
    expect(body.file.networksCount).toBe(1); // 127.0.0.2 and .3 share one /24: one network
    expect(catalogue.census.lastRound).toMatchObject({ failed: paris.volumes.length });
  });

  it('adds copies up across sets that hold the same bytes', async () => {
    const shared = paris.files.find((f) => birds.files.some((b) => b.sha1 === f.sha1));
    expect(shared, 'a file in both Category:Paris and Category:Birds').toBeDefined();
    const { body } = await json<{ file: { copies: number; containedIn: Array<{ setId: string }> } }>(`/api/view/files?q=${encodeURIComponent(shared!.title)}`);
    expect(body.file.copies).toBe(3);
    expect(body.file.containedIn.map((c) => c.setId).sort()).toEqual(['birds', 'paris']);
  });

  it('reports copies per set and per category as JSON', async () => {
    const set = (await json<{ min: number; files: number; histogram: Record<string, number> }>('/api/copies/set/paris')).body;
    expect(set.files).toBe(paris.files.length);
    expect(set.min).toBe(2);
    const category = (await json<{ files: number; min: number }>(`/api/copies/category/${encodeURIComponent('Birds of Paris')}`)).body;
    expect(category.files).toBeGreaterThan(0);
    expect(category.min).toBeGreaterThanOrEqual(2);
    const file = await json<{ copies: number; networks: string[] }>(`/api/copies/file/${paris.files[0]!.sha1}`);
    expect(file.body.networks).toEqual(['127.0.0.0/24']);
    expect((await json<unknown>('/api/copies/file/nope')).status).toBe(404);
    // The round's samples are written by the warm-up that follows it, in the background.
    await catalogue.copies.whenWarm();
    const history = (await json<{ samples: Array<{ min: number }> }>('/api/copies/set/paris/history')).body;
    expect(history.samples.at(-1)?.min).toBe(2);
  });

  it('ranks the under-copied volumes in the needs list', async () => {
    const { body } = await json<{ needs: Array<{ infoHash: string; copies: number; missing: number; torrentUrl: string }> }>('/api/needs');
    expect(body.needs.map((n) => n.infoHash)).toEqual(expect.arrayContaining(birds.volumes.map((v) => v.infoHash)));
    expect(body.needs[0]!.copies).toBeLessThan(3);
    const torrent = Buffer.from(await (await fetch(body.needs[0]!.torrentUrl)).arrayBuffer());
    const parsed = parseVolumeTorrent(torrent);
    expect(parsed.infoHash).toBe(body.needs[0]!.infoHash);
    // Served torrents carry the catalogue's tracker (outside the info dict: same info hash).
    expect(parsed.announce[0]).toBe(`${catalogue.url}/announce`);
  });
});

describe('feeds, takedown list and metrics', () => {
  it('serves an RSS feed per set whose enclosures are the volume torrents', async () => {
    const rss = await (await fetch(`${catalogue.url}/sets/paris/feed.rss`)).text();
    for (const v of paris.volumes) expect(rss).toContain(`/torrents/${v.infoHash}.torrent`);
    expect(rss).toContain('application/x-bittorrent');
    expect(await (await fetch(`${catalogue.url}/feed.atom`)).text()).toContain('<feed');
  });

  it('publishes a takedown list signed by the catalogue key', async () => {
    const sha1 = paris.files[0]!.sha1;
    const r = await runCli(['catalogue', 'takedown', 'add', sha1, '--reason', 'test order', '--data', path.join(work, 'catalogue')]);
    expect(r.code, r.stderr).toBe(0);
    const key = (await json<{ publicKey: string }>('/api/catalogue-key')).body.publicKey;
    const list = (await json<unknown>('/api/takedown')).body;
    const checked = verifyTakedownList(list, key);
    expect(checked.ok).toBe(true);
    if (checked.ok) expect(checked.list.entries.map((e) => e.sha1)).toEqual([sha1]);
  });

  it('exposes Prometheus metrics about the network', async () => {
    const text = await (await fetch(`${catalogue.url}/metrics`)).text();
    expect(text).toMatch(/^seedbank_sets 2$/m);
    expect(text).toMatch(/^seedbank_census_last_round_failed [1-9]/m);
    expect(text).toMatch(/^seedbank_census_oldest_verdict_age_seconds \d/m);
    const census = await (await fetch(`${catalogue.url}/api/census`)).json() as { lastRound: { carried: number; withoutVerdict: number } | null; oldestVerdictAgeMs: number | null };
    expect(census.lastRound).toMatchObject({ carried: 0 });
    expect(census.oldestVerdictAgeMs).toBeGreaterThanOrEqual(0);
  });
});

describe('the pages in a real browser', () => {
  it('home lists both sets with seeders and copies; set and file pages render', async () => {
    const { page, problems } = await browser.newPage();
    await page.goto(`${catalogue.url}/`);
    const home = await page.content();
    expect(home).toContain('Paris (test)');
    expect(home).toContain('Birds (test)');
    await browser.screenshot(page, 'e2e-home');
    await page.goto(`${catalogue.url}/sets/paris`);
    expect(await page.locator(`a[href^="magnet:?xt=urn:btih:${paris.volumes[0]!.infoHash}"]`).count()).toBeGreaterThan(0);
    // The builder's preview mosaic travelled with the publish and shows as a loaded image.
    const preview = page.locator('img[src$="/sets/paris/preview.jpg"]');
    expect(await preview.count()).toBe(1);
    expect(await preview.evaluate((img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(100);
    await browser.screenshot(page, 'e2e-set');
    await page.goto(`${catalogue.url}/files?q=${encodeURIComponent(paris.files[0]!.title)}`);
    expect(await page.content()).toContain(paris.files[0]!.sha1);
    await browser.screenshot(page, 'e2e-file');
    expect(problems.consoleErrors).toEqual([]);
    expect(problems.pageErrors).toEqual([]);
  });
});
