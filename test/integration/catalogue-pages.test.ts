// The catalogue pages in a real headless Chromium: a tiny Express app on 127.0.0.1 serves the
// render functions with sample view models (one set at risk, one full of hostile strings), and
// the tests read the pages as a visitor would, with and without JavaScript; then the real
// server's 404s. The mosaic itself is tested in preview-mosaic.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useBrowser, withTimeout, type PageProblems } from '../helpers/browser.ts';
import { makeMosaicSamples, SAMPLE_MOSAIC } from '../helpers/mosaic-samples.ts';
import { accessibilityProblems, expectClean } from '../helpers/page-checks.ts';
import { startSampleCatalogueApp } from '../helpers/sample-catalogue-app.ts';
import { makeMosaic } from '../../shared/preview-mosaic.ts';
import { renderHome } from '../../services/tracker-web/pages/render-home.ts';
import { renderError } from '../../services/tracker-web/pages/render-errors.ts';
import { formatBytes } from '../../services/tracker-web/pages/format.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { HOSTILE_ATTR, HOSTILE_TITLE, SAMPLE_FILES, SAMPLE_SETS, SAMPLE_TOTALS, sampleHome, sampleSetPage } from '../helpers/sample-models.ts';
import type { HomeQuery } from '../../services/tracker-web/pages/view-models.ts';

const SERVER_CLOSE_TIMEOUT_MS = 10_000;

const session = useBrowser({ contextOptions: { viewport: { width: 1280, height: 800 } } });
let server: Server;
let base: string;
let work: string;
let mosaic: Buffer;
const receivedQueries: HomeQuery[] = [];

/** Opens a page and fails with the page's problems if it logs errors, throws or opens dialogs. */
async function open(url: string, context = session.context): Promise<{ page: Page; problems: PageProblems }> {
  const opened = await session.newPage(context);
  const response = await opened.page.goto(`${base}${url}`);
  expect(response?.status(), `status of ${url}`).toBeLessThan(400);
  return opened;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-pages-'));
  mosaic = await makeMosaic((await makeMosaicSamples(work)).all, SAMPLE_MOSAIC);
  server = await startSampleCatalogueApp(mosaic, receivedQueries);
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (server) {
    server.closeAllConnections();
    await withTimeout(new Promise<void>((resolve) => server.close(() => resolve())), SERVER_CLOSE_TIMEOUT_MS, 'closing the test server');
  }
  if (work) await rm(work, { recursive: true, force: true });
});

describe('catalogue pages in headless Chromium', () => {
  it('home page lists the sets with their numbers and says how short of space the network is', async () => {
    const { page, problems } = await open('/');
    const rows = page.locator('#sets-table tbody tr');
    await expect.poll(() => rows.count()).toBe(SAMPLE_SETS.length);
    // Default order is most at risk first.
    expect(await rows.first().getAttribute('data-set-id')).toBe('camargue-birds');
    const birds = page.locator('tr[data-set-id="camargue-birds"]');
    const text = (await birds.innerText()).replace(/\s+/g, ' ');
    for (const expected of ['Birds of the Camargue', 'Camargue (bbox)', '96.5 GB', '18,211', 'v2', '3 days ago', '0 / 1', 'target 3', 'At risk']) {
      expect(text).toContain(expected);
    }
    const verdict = await page.locator('#space-verdict').innerText();
    // Needed counts only the copies that do not exist yet; free is what the seeders seen recently offer beyond what they hold.
    const free = SAMPLE_TOTALS.offeredBytes - SAMPLE_TOTALS.usedBytes;
    expect(verdict).toContain(`The network is short of ${formatBytes(SAMPLE_TOTALS.neededBytes - free)}`);
    expect(verdict).toContain(`still needs ${formatBytes(SAMPLE_TOTALS.neededBytes)}`);
    expect(verdict).toContain(`the 12 seeders seen recently have ${formatBytes(free)} free`);
    expect(await page.locator('.stats').innerText()).toContain(formatBytes(SAMPLE_TOTALS.offeredBytes));
    expect(await page.locator('#space-window').innerText()).toContain('a stopped seeder stops counting');
    // Each figure word is said beside the table.
    const legend = await page.locator('#figures-legend').innerText();
    expect(legend).toContain('Seeders: distinct hosts seeding any volume now');
    expect(legend).toContain('several seeders on one machine count once');
    expect(legend).toContain('Copies: distinct hosts whose copy the census audited');
    expect(await page.getByRole('heading', { name: 'Restore drills' }).count()).toBe(1);
    expect(await accessibilityProblems(page)).toEqual([]);
    console.log('screenshot:', await session.screenshot(page, 'catalogue-home'));
    expectClean(problems);
    await page.close();
  });

  it('says there is enough space when offered space covers the targets, and shows an empty drill list', () => {
    const model = sampleHome([], { q: 'nothing', tag: null, region: null, sort: 'risk' });
    const page = renderHome({ ...model, drills: [], totals: { ...model.totals, offeredBytes: 9e12 } });
    expect(page).not.toContain('short of');
    expect(page).toContain('to spare');
    expect(page).toContain('No set matches these filters.');
    expect(page).toContain('No restore drills have run yet.');
  });

  it('filter form submits a GET the server receives, and the table shows the filtered sets', async () => {
    const { page, problems } = await open('/');
    await page.getByLabel('Tag', { exact: true }).selectOption('nature');
    await page.getByLabel('Search sets').fill('camargue');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/tag=nature/);
    expect(receivedQueries.at(-1)).toEqual({ q: 'camargue', tag: 'nature', region: null, sort: 'risk' });
    expect(await page.locator('#sets-table tbody tr').count()).toBe(1);
    expect(await page.getByLabel('Search sets').inputValue()).toBe('camargue');
    expectClean(problems);
    await page.close();
  });

  it('filter form works with JavaScript disabled', async () => {
    const noScript = await session.newContext({ javaScriptEnabled: false });
    const { page, problems } = await open('/', noScript);
    await page.getByLabel('Region').selectOption('paris');
    await page.getByLabel('Order').selectOption('title');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/region=paris/);
    expect(receivedQueries.at(-1)).toEqual({ q: '', tag: null, region: 'paris', sort: 'title' });
    const ids = await page.locator('#sets-table tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-set-id')));
    expect(ids).toEqual(['paris-streets']);
    // A tag link is a plain link: following it filters without any script.
    await page.locator('a.tag', { hasText: 'france' }).first().click();
    await page.waitForURL(/tag=france/);
    expect(receivedQueries.at(-1)?.tag).toBe('france');
    expectClean(problems);
    await page.close();
  });

  it('set page shows versions, volumes with magnet links, the seeders plot, the histogram and the mosaic', async () => {
    const { page, problems } = await open('/sets/camargue-birds');
    expect(await page.locator('h1').innerText()).toBe('Birds of the Camargue');
    const model = sampleSetPage('camargue-birds')!;
    expect(await page.locator('#versions-table tbody tr').count()).toBe(model.versions.length);
    // The change lists open without script (<details>) and show titles as text.
    await page.locator('#v2 summary', { hasText: 'added' }).click();
    await expect.poll(() => page.locator('#v2 details[open] li').first().innerText()).toContain('added 2-0');
    const magnets = await page.locator('#volumes-table a.magnet').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(magnets).toEqual(model.volumes.map((v) => expect.stringMatching(new RegExp(`^magnet:\\?xt=urn:btih:${v.infoHash}(&|$)`))));
    for (const selector of ['svg#seeders-plot', 'svg#copies-histogram']) {
      const box = await page.locator(selector).boundingBox();
      expect(box?.width, selector).toBeGreaterThan(100);
      expect(box?.height, selector).toBeGreaterThan(50);
    }
    expect(await page.locator('svg#seeders-plot polyline.line').count()).toBe(1);
    expect(await page.locator('svg#copies-histogram rect.bar').count()).toBe(5);
    expect(await page.locator('svg#copies-histogram text', { hasText: '4+' }).count()).toBe(1);
    const img = page.locator('figure.mosaic img');
    await img.scrollIntoViewIfNeeded();
    await page.waitForFunction(() => (document.querySelector('figure.mosaic img') as HTMLImageElement | null)?.naturalWidth, null, { timeout: 10_000 });
    expect(await page.locator('link[rel=alternate]').count()).toBe(3);
    // "Seeders 1" beside "0 copies" comes with why, and each word with what it counts.
    expect(await page.locator('#seeders-vs-copies').innerText()).toMatch(/^Why 1 seeder but 0 copies: 1 host seeds a volume of this set now, but its least-copied file has 0 audited copies\./);
    expect(await page.locator('#set-seeders').innerText()).toContain('one machine counts once');
    expect(await page.locator('#set-copies').innerText()).toContain('audited by the census');
    expect(await page.locator('#seeders-plot + figcaption, figure:has(#seeders-plot) figcaption').first().innerText()).toContain('distinct hosts seeding any volume of the set');
    // Full info hashes as text a visitor can select and copy, without any script.
    const hashes = page.locator('#volumes-table code.info-hash');
    expect(await hashes.allInnerTexts()).toEqual(model.volumes.map((v) => v.infoHash.toLowerCase()));
    const first = hashes.first();
    expect(await first.evaluate((el) => getComputedStyle(el).userSelect)).toBe('all');
    await first.click();
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(model.volumes[0]!.infoHash.toLowerCase());
    // The risk score says what it means (1 of 3 wanted copies for the least-copied file here).
    expect(await page.locator('#set-risk-score').innerText()).toBe(`score ${model.set.risk.toFixed(2)}`);
    expect(await page.locator('#set-risk-score').getAttribute('title')).toMatch(/0 \(every file has its 3 copies\) to 1 \(some file has no copy\)/);
    expect(await page.locator('#set-risk-explained').innerText()).toBe('its least-copied file has 0 of 3 copies');
    expect(await accessibilityProblems(page)).toEqual([]);
    console.log('screenshot:', await session.screenshot(page, 'catalogue-set'));
    expectClean(problems);
    await page.close();
  });

  it('file page shows copies, networks and the set versions holding the file', async () => {
    const file = SAMPLE_FILES[0]!;
    const { page, problems } = await open(`/files?q=${encodeURIComponent(file.title)}`);
    expect(await page.locator('h1').innerText()).toBe(file.title);
    expect(await page.locator('#file-copies').innerText()).toContain('4');
    expect(await page.locator('#file-networks').innerText()).toBe('3');
    expect(await page.locator('#file-sha1').innerText()).toBe(file.sha1);
    expect(await page.locator('#networks-table tbody tr').count()).toBe(3);
    expect(await page.locator('#occurrences-table tbody tr').count()).toBe(2);
    expect(await page.getByLabel('Find a file by title or SHA-1').inputValue()).toBe(file.title);
    expect(await accessibilityProblems(page)).toEqual([]);
    console.log('screenshot:', await session.screenshot(page, 'catalogue-file'));
    expectClean(problems);
    // The header search is a plain GET form to /files.
    await page.getByLabel('Find a file by title or SHA-1').fill('flamingo');
    await page.getByRole('button', { name: 'Find file' }).first().click();
    await page.waitForURL(/\/files\?q=flamingo/);
    expect(await page.locator('#matches-table tbody tr').count()).toBe(1);
    await page.close();
  });

  it('shows the query back, as text, when no file matches', async () => {
    const query = '<b>nope</b> "quoted"';
    const { page } = await session.newPage();
    const response = await page.goto(`${base}/files?q=${encodeURIComponent(query)}`);
    expect(response?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('No file found');
    expect(await page.locator('#not-found-query').innerText()).toContain(query);
    expect(await page.locator('#not-found-query b').count()).toBe(0);
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
  });

  it('hostile titles, tags, descriptions and URLs render as text and never run', async () => {
    const pages = ['/', '/sets/hostile-set', `/files?q=${encodeURIComponent(SAMPLE_FILES[2]!.title)}`];
    for (const url of pages) {
      const html = await (await fetch(`${base}${url}`)).text();
      expect(html, url).not.toContain(HOSTILE_TITLE);
      expect(html, url).not.toContain('<img src=x');
      expect(html, url).not.toContain('<iframe');
      const { page, problems } = await open(url);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned), url).toBeUndefined();
      expect(await page.locator('img[src=x], iframe, a[href^="javascript:"]').count(), url).toBe(0);
      expect(await page.locator('body').innerText(), url).toContain(HOSTILE_TITLE);
      if (url.startsWith('/sets/')) {
        expect(await page.locator('h1').innerText()).toBe(HOSTILE_TITLE);
        expect(await page.locator('a.tag').first().innerText()).toBe(HOSTILE_ATTR);
        expect(await page.locator('main').innerText()).toContain(`Description with markup ${HOSTILE_ATTR}`);
        // The hostile set has one seeder sample and no counted files: both charts still draw.
        expect(await page.locator('svg#seeders-plot circle.dot').count()).toBe(1);
        expect(await page.locator('svg#copies-histogram').textContent()).toContain('No files counted yet');
        console.log('screenshot:', await session.screenshot(page, 'catalogue-hostile-set'));
      }
      expectClean(problems);
      await page.close();
    }
  });

  it('missing pages and errors keep the frame and escape what they show', async () => {
    const { page } = await session.newPage();
    const missing = await page.goto(`${base}/sets/no-such-set`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('No such set');
    expect(await page.locator('main code').innerText()).toBe('/sets/no-such-set');
    const error = await page.goto(`${base}/error?msg=${encodeURIComponent('<i>bad</i> input')}`);
    expect(error?.status()).toBe(400);
    expect(await page.locator('main').innerText()).toContain('<i>bad</i> input');
    expect(await accessibilityProblems(page)).toEqual([]);
    await page.close();
    expect(renderError(503, 'later')).toContain('Temporarily unavailable');
  });
});

describe('the real catalogue server (port 0, empty store)', () => {
  let catalogue: CatalogueServer | undefined;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-pages-server-'));
    catalogue = await startCatalogueServer({ dataDir, port: 0, host: '127.0.0.1', dht: null, census: { autoStart: false } });
  });
  afterAll(async () => {
    if (catalogue) await withTimeout(catalogue.close(), SERVER_CLOSE_TIMEOUT_MS, 'closing the catalogue');
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('answers an unknown set page with an HTML 404 page and the API with JSON', async () => {
    const { page } = await session.newPage();
    const missing = await page.goto(`${catalogue!.url}/sets/nope`);
    expect(missing?.status()).toBe(404);
    expect(missing?.headers()['content-type']).toMatch(/^text\/html/);
    expect(await page.locator('h1').innerText()).toBe('No such set');
    expect(await page.locator('main code').innerText()).toBe('/sets/nope');
    expect(await page.getByRole('link', { name: 'Browse all sets' }).count()).toBe(1);
    // Any other missing page a browser asks for is a page too.
    const other = await page.goto(`${catalogue!.url}/no/such/page`);
    expect(other?.status()).toBe(404);
    expect(await page.locator('h1').innerText()).toBe('No such page');
    await page.close();
    for (const url of ['/api/sets/nope', '/api/view/sets/nope', '/no/such/page']) {
      const res = await fetch(`${catalogue!.url}${url}`, { headers: { accept: 'application/json' } });
      expect(res.status, url).toBe(404);
      expect(res.headers.get('content-type'), url).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: { code: string } }).error.code, url).toMatch(/NOT_FOUND|SET_/);
    }
  });
});

describe('browser guard', () => {
  it('aborts and records any request to a host other than 127.0.0.1', async () => {
    const outside = 'http://192.0.2.1/outside.png';
    const { page } = await session.newPage();
    const failed = page.waitForEvent('requestfailed', { timeout: 10_000 });
    await page.setContent(`<img alt="outside" src="${outside}">`);
    expect((await failed).url()).toBe(outside);
    // Taken here, so the guard's afterEach does not fail this test for the request it provoked.
    expect(session.takeBlockedRequests()).toEqual([outside]);
    await page.close();
  });
});
