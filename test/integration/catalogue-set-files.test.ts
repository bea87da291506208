// The pages an archivist acts on, on a real catalogue holding sets built from a real
// MediaWiki, read in a real headless Chromium: the set page's paged and searchable file list,
// its licence summary and under-target filter, the host and restore boxes, volumes.txt, the
// file page's facts and wiki thumbnail (with the CSP allowing that origin only), and every
// page at desktop and phone width without a table running off the screen.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSet } from '../../services/set-builder/build.ts';
import { publishSet } from '../../services/set-builder/publish.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { CONTENT_SECURITY_POLICY } from '../../services/tracker-web/pages/layout.ts';
import { suggestedQuota } from '../../services/tracker-web/views/set-actions.ts';
import { FILES_PER_PAGE } from '../../services/tracker-web/views/set-files-model.ts';
import { SHOW_ORIGINAL_MAX_BYTES, thumbnailUrl } from '../../services/tracker-web/views/thumbnail.ts';
import { originalUrl } from '../../shared/commons-path.ts';
import type { Manifest } from '../../shared/formats/manifest.ts';
import { parseRecipe } from '../../shared/formats/recipe.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { fillWiki } from '../../deploy/local/wiki/fixtures.ts';
import { startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { SCREENSHOT_DIR, useBrowser, type PageProblems } from '../helpers/browser.ts';

/** Where the screenshots go: SEEDBANK_SCREENSHOT_DIR for a person to look at, else the helpers' folder. */
const SCREENS = process.env.SEEDBANK_SCREENSHOT_DIR ?? SCREENSHOT_DIR;
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
const EIFFEL = 'File:Eiffel Tower from Trocadéro.jpg';
/** A multi-megabyte image: the file page shows the wiki's thumbnail of it, not the original. */
const PANORAMA = 'File:Paris panorama (large 1).png';

let wiki: Wiki;
let work: string;
let catalogue: CatalogueServer;
let paris: Manifest;
const browser = useBrowser({ contextOptions: { viewport: DESKTOP } });

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-set-files-'));
  wiki = await startWiki({ name: 'set-files' });
  // More than one page of files: the bulk category alone has over 120.
  await fillWiki(wiki, { bulkCount: 130, bigFiles: 1 });
  const dataDir = path.join(work, 'builder');
  const recipe = (id: string, category: string, depth: number) =>
    parseRecipe({ id, title: `${category} (test)`, tags: [id === 'birds' ? 'nature' : 'city'], wiki: wiki.apiUrl, selection: { categories: [{ name: category, depth }] }, pieceLength: '32KiB' });
  paris = (await buildSet({ recipe: recipe('paris', 'Paris', 3), dataDir, maxBytesPerSecond: 0 })).manifest;
  await buildSet({ recipe: recipe('birds', 'Birds', 2), dataDir, maxBytesPerSecond: 0 });
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, host: '127.0.0.1', dht: null, census: { autoStart: false } });
  const token = await createToken(catalogue.store, 'pages');
  await publishSet(path.join(dataDir, 'sets', 'paris'), { catalogueUrl: catalogue.url, token });
  await publishSet(path.join(dataDir, 'sets', 'birds'), { catalogueUrl: catalogue.url, token });
  // The test wiki has no image scaler: put the one thumbnail the file page asks for where the
  // wiki's web server serves it, as Commons' thumbnail cache would.
  const big = paris.files.find((f) => f.title === PANORAMA)!;
  const name = big.path.split('/').pop()!;
  const thumbDir = path.join(wiki.uploadDir, 'thumb', ...big.path.split('/'));
  await mkdir(thumbDir, { recursive: true });
  await sharp(path.join(wiki.uploadDir, ...big.path.split('/'))).resize({ width: 330 }).png().toFile(path.join(thumbDir, `330px-${name}`));
}, 300_000);

afterAll(async () => {
  await catalogue?.close();
  await wiki?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const titlesSorted = () => paris.files.map((f) => f.title).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

async function open(url: string, viewport = DESKTOP, javaScriptEnabled = true): Promise<{ page: Page; problems: PageProblems; status: number }> {
  const context = await browser.newContext({ viewport, javaScriptEnabled });
  const { page, problems } = await browser.newPage(context);
  const response = await page.goto(`${catalogue.url}${url}`);
  return { page, problems, status: response?.status() ?? 0 };
}

/** Tables or the page itself wider than the viewport, described. */
async function overflows(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const root = document.documentElement;
    if (root.scrollWidth > root.clientWidth) found.push(`the page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth} px`);
    document.querySelectorAll('table').forEach((t, i) => {
      const r = t.getBoundingClientRect();
      if (r.left < 0 || r.right > root.clientWidth + 0.5) found.push(`table ${t.id || i} spans ${Math.round(r.left)}..${Math.round(r.right)} of ${root.clientWidth} px`);
    });
    return found;
  });
}

async function shoot(page: Page, name: string): Promise<void> {
  await mkdir(SCREENS, { recursive: true });
  // A full-page shot does not scroll, so lazy images below the fold would show empty.
  await page.evaluate(() => document.querySelectorAll('img').forEach((img) => (img.loading = 'eager')));
  await page.waitForFunction(() => [...document.images].every((img) => img.complete), null, { timeout: 10_000 });
  await page.screenshot({ path: path.join(SCREENS, `${name}.png`), fullPage: true });
}

describe('set page: the files of the latest version', () => {
  it('pages through every file in title order, 100 a page, with plain links (no JavaScript)', async () => {
    const { page, problems, status } = await open('/sets/paris', DESKTOP, false);
    expect(status).toBe(200);
    const all = titlesSorted();
    expect(all.length).toBeGreaterThan(FILES_PER_PAGE);
    const rows = page.locator('#files-table tbody th a');
    expect(await rows.allInnerTexts()).toEqual(all.slice(0, FILES_PER_PAGE));
    expect(await page.locator('#files-page').innerText()).toBe(`Page 1 of ${Math.ceil(all.length / FILES_PER_PAGE)}`);
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(/page=2/);
    expect(await rows.allInnerTexts()).toEqual(all.slice(FILES_PER_PAGE, 2 * FILES_PER_PAGE));
    expect(await page.locator('#files-table caption').innerText()).toContain(`101–${Math.min(all.length, 200)} of ${all.length} files`);
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], dialogs: [] });
  });

  it('searches titles within the set, case-insensitive, from the form', async () => {
    const { page } = await open('/sets/paris', DESKTOP, false);
    await page.getByLabel('Title contains').fill('eIFFEL');
    await page.getByRole('button', { name: 'Search files' }).click();
    await page.waitForURL(/q=eIFFEL/);
    const expected = titlesSorted().filter((t) => t.toLowerCase().includes('eiffel'));
    expect(expected.length).toBeGreaterThan(1);
    expect(await page.locator('#files-table tbody th a').allInnerTexts()).toEqual(expected);
    expect(await page.locator('#files-table caption').innerText()).toContain(`whose title contains “eIFFEL”`);
    // Nothing matches: an empty list, said in words.
    await page.goto(`${catalogue.url}/sets/paris?q=${encodeURIComponent('no such title %_.*')}`);
    expect(await page.locator('#files-empty').innerText()).toBe('No file matches.');
  });

  it('sums licences over the files and lists the files under target as the copies figure counts them', async () => {
    const { page } = await open('/sets/paris');
    const counts = new Map<string, number>();
    for (const f of paris.files) counts.set(f.license ?? '', (counts.get(f.license ?? '') ?? 0) + 1);
    const shown = await page.locator('#licence-summary li').evaluateAll((lis) => lis.map((li) => [li.getAttribute('data-licence'), li.querySelector('.sub')?.textContent ?? '']));
    expect(shown.map(([l]) => l).sort()).toEqual([...counts.keys()].sort());
    for (const [licence, text] of shown) expect(text).toMatch(new RegExp(`^${counts.get(licence!)!.toLocaleString('en-US')} files?,`));
    // No host has been audited: every file is under its target of 3, and the filter lists them all.
    expect(await page.getByLabel(/Only files under the copy target/).evaluate((el) => (el as HTMLInputElement).labels![0]!.textContent)).toContain(`(${paris.files.length.toLocaleString('en-US')})`);
    await page.getByLabel(/Only files under the copy target/).check();
    await page.getByRole('button', { name: 'Search files' }).click();
    await page.waitForURL(/under=1/);
    expect(await page.locator('#files-table tbody tr').count()).toBe(FILES_PER_PAGE);
    expect(await page.locator('#files-table caption').innerText()).toContain(`of ${paris.files.length} files under the copy target`);
    expect(await page.locator('#files-table td[data-label=Copies] .under').count()).toBe(FILES_PER_PAGE);
  });

  it('gives the exact seed and restore commands, the RSS feed, and volumes.txt with every volume', async () => {
    const { page } = await open('/sets/paris');
    const quota = suggestedQuota(paris.totals.bytes).text;
    expect(await page.locator('#seed-command').innerText()).toBe(`seedbank seed --catalogue ${catalogue.url} --sets paris --storage ~/seedbank --quota ${quota}`);
    expect(await page.locator('#restore-command').innerText()).toBe(`seedbank restore paris --catalogue ${catalogue.url} --out paris`);
    const rss = await page.locator('#rss-url').innerText();
    expect(rss).toBe(`${catalogue.url}/sets/paris/feed.rss`);
    const feed = await fetch(rss);
    expect(feed.headers.get('content-type')).toMatch(/rss\+xml/);
    // A click selects a whole command, without script.
    await page.locator('#seed-command').click();
    expect(await page.evaluate(() => window.getSelection()?.toString())).toBe(await page.locator('#seed-command').innerText());

    const href = await page.locator('#volumes-list').getAttribute('href');
    expect(href).toBe(`${catalogue.url}/sets/paris/volumes.txt`);
    const res = await fetch(href!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const lines = (await res.text()).trimEnd().split('\n').filter((l) => !l.startsWith('#'));
    expect(lines).toHaveLength(paris.volumes.length);
    for (const [i, line] of lines.entries()) {
      const ih = paris.volumes[i]!.infoHash;
      const [magnet, torrentUrl] = line.split('\t') as [string, string];
      const params = new URL(magnet).searchParams;
      expect(params.get('xt')).toBe(`urn:btih:${ih}`);
      // Only this catalogue's own tracker: no public tracker is ever announced to.
      expect(params.getAll('tr')).toEqual([`${catalogue.url}/announce`]);
      expect(params.getAll('ws')).toEqual([paris.source.uploadBase]);
      expect(torrentUrl).toBe(`${catalogue.url}/torrents/${ih}.torrent`);
      expect(parseVolumeTorrent(new Uint8Array(await (await fetch(torrentUrl)).arrayBuffer())).infoHash).toBe(ih);
    }
    expect((await fetch(`${catalogue.url}/sets/nope/volumes.txt`)).status).toBe(404);
  });

  it('refuses bad list queries with a clear 400, says a page past the end does not exist, and bounds a huge search', async () => {
    const files = paris.files.length;
    const pages = Math.ceil(files / FILES_PER_PAGE);
    const past = await open(`/sets/paris?page=${pages + 1}`);
    expect(past.status).toBe(404);
    expect(await past.page.locator('#files-out-of-range').innerText()).toContain(`There is no page ${pages + 1}: this list has ${pages} pages.`);
    await past.page.getByRole('link', { name: 'Go to the last page' }).click();
    await past.page.waitForURL(new RegExp(`page=${pages}`));
    expect(await past.page.locator('#files-table tbody tr').count()).toBe(files - (pages - 1) * FILES_PER_PAGE);
    const bad: Array<[string, RegExp]> = [
      ['page=0', /page: 0 is not a page number/],
      ['page=abc', /page: a page is a whole number/],
      ['page=1e9', /page: a page is a whole number/],
      ['page=99999999', /not a page number/],
      ['q=a&q=b', /q: give the search as one text value/],
      ['under=maybe', /under is 1/],
      [`q=${'x'.repeat(10_000)}`, /at most 240 characters/],
    ];
    for (const [query, message] of bad) {
      const started = performance.now();
      const res = await fetch(`${catalogue.url}/sets/paris?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toMatch(/^text\/html/);
      const text = await res.text();
      expect(text, query).toMatch(message);
      expect(text.length, `${query}: the page does not echo the whole query`).toBeLessThan(20_000);
      expect(performance.now() - started, query).toBeLessThan(5_000);
    }
  });
});

describe('file page', () => {
  it('shows licence, author, upload date, the description page link and a small image from the wiki, allowed by the CSP', async () => {
    const eiffel = paris.files.find((f) => f.title === EIFFEL)!;
    const { page, problems, status } = await open(`/files?q=${encodeURIComponent(EIFFEL)}`);
    expect(status).toBe(200);
    expect(await page.locator('#file-license').innerText()).toBe(eiffel.license);
    expect(await page.locator('#file-author').innerText()).toBe(eiffel.author);
    expect(await page.locator('#file-uploaded time').getAttribute('datetime')).toBe(eiffel.uploadTimestamp);
    expect(await page.locator('#file-description').getAttribute('href')).toBe(paris.source.articleUrl.replace('$1', `File:${encodeURIComponent('Eiffel_Tower_from_Trocadéro.jpg')}`));
    // A few kB: the image itself, from the wiki's upload folder (nothing is stored in the catalogue).
    const src = await page.locator('#file-thumbnail').getAttribute('src');
    expect(src).toBe(originalUrl(paris.source.uploadBase, eiffel.path));
    const wikiOrigin = new URL(wiki.baseUrl).origin;
    expect(new URL(src!).origin).toBe(wikiOrigin);
    await page.waitForFunction(() => ((document.getElementById('file-thumbnail') as HTMLImageElement | null)?.naturalWidth ?? 0) > 0, null, { timeout: 10_000 });
    // The policy is the catalogue's usual one with exactly that origin added to img-src.
    const res = await fetch(`${catalogue.url}/files?q=${encodeURIComponent(EIFFEL)}`);
    const expected = CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", `img-src 'self' data: ${wikiOrigin}`);
    expect(res.headers.get('content-security-policy')).toBe(expected);
    expect(await page.locator('meta[http-equiv=Content-Security-Policy]').getAttribute('content')).toBe(expected);
    // Other pages keep the policy without it.
    expect((await fetch(`${catalogue.url}/sets/paris`)).headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], dialogs: [] });
  });

  it("shows a large image by the wiki's 330 px thumbnail URL", async () => {
    const big = paris.files.find((f) => f.title === PANORAMA)!;
    expect(big.size).toBeGreaterThan(SHOW_ORIGINAL_MAX_BYTES);
    const { page, problems } = await open(`/files?q=${encodeURIComponent(PANORAMA)}`);
    const src = await page.locator('#file-thumbnail').getAttribute('src');
    expect(src).toBe(thumbnailUrl(paris.source.uploadBase, big.path, big.mime));
    expect(src).toMatch(/\/commons\/thumb\/[0-9a-f]\/[0-9a-f]{2}\/Paris_panorama_\(large_1\)\.png\/330px-Paris_panorama_\(large_1\)\.png$/);
    await page.waitForFunction(() => (document.getElementById('file-thumbnail') as HTMLImageElement | null)?.naturalWidth === 330, null, { timeout: 10_000 });
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], dialogs: [] });
  });
});

describe('layout at desktop and phone width', () => {
  const pages: Array<[string, string]> = [
    ['home', '/'],
    ['set', '/sets/paris'],
    ['file', `/files?q=${encodeURIComponent(EIFFEL)}`],
  ];
  for (const [name, url] of pages) {
    it(`${name} page: no table runs off the screen at 1280 and 390 px`, async () => {
      for (const [label, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
        const { page, problems } = await open(url, viewport);
        if (name === 'file') await page.waitForFunction(() => (document.getElementById('file-thumbnail') as HTMLImageElement | null)?.complete, null, { timeout: 10_000 });
        expect(await overflows(page), `${name} at ${viewport.width} px`).toEqual([]);
        if (name === 'home') {
          // The figures the home page is for stay on screen: copies and risk of every set.
          for (const cell of await page.locator('#sets-table td.copies, #sets-table td[data-label=Risk]').all()) {
            const box = (await cell.boundingBox())!;
            expect(box.x + box.width, `${label}: a copies or risk cell ends off screen`).toBeLessThanOrEqual(viewport.width);
          }
        }
        await shoot(page, `${name}-${label}`);
        expect(problems).toEqual({ consoleErrors: [], pageErrors: [], dialogs: [] });
        await page.context().close();
      }
    });
  }
});
