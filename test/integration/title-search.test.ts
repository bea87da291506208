// The title search through a real catalogue on loopback (port 0, Express + LMDB): versions put
// into its store as the publish path puts them, then GET /api/search and the file page
// (/files?q=) read as a client and a visitor would, in headless Chromium too; hostile queries
// (one letter over thousands of titles, 10,000 characters, punctuation only, foreign cursors)
// get bounded answers or clear 400s, never a 500.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueApi, errorBodySchema, routes, searchResultSchema, withQuery, type SearchResultBody } from '../../shared/api/index.ts';
import { MAX_SCANNED_KEYS } from '../../services/tracker-web/search/title-index.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { useBrowser } from '../helpers/browser.ts';
import { titledVersion } from '../helpers/titled-version.ts';

const EIFFEL = 'File:Eiffel Tower from Trocadéro.png';
/** Enough titles sharing their words that a two-word query of common words reads past the scan bound. */
const CROWD = MAX_SCANNED_KEYS + 500;

const session = useBrowser({ contextOptions: { viewport: { width: 1280, height: 800 } } });
let work: string;
let server: CatalogueServer;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-title-search-'));
  server = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: null, sampleIntervalMs: 60_000 });
  const keys = path.join(work, 'keys');
  const torrentWork = path.join(work, 'volumes');
  server.store.putVersion(await titledVersion(keys, { setId: 'paris', version: 1, torrentWork, titles: [EIFFEL, 'File:Tour Eiffel de nuit.jpg', 'File:Gustave Eiffel.jpg', 'File:Louvre <b>pyramid</b>.jpg'] }));
  // The same title in a second set (other bytes): one result naming both sets.
  server.store.putVersion(await titledVersion(keys, { setId: 'france', version: 1, torrentWork, titles: [EIFFEL], contentOf: () => 'a re-upload' }));
  const crowd = Array.from({ length: CROWD }, (_, i) => `File:Alpha ${i}.jpg`).concat(Array.from({ length: CROWD }, (_, i) => `File:Beta ${i}.jpg`));
  server.store.putVersion(await titledVersion(keys, { setId: 'crowd', version: 1, torrentWork, titles: crowd }));
});

afterAll(async () => {
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function search(query: Record<string, string | number | undefined>): Promise<{ status: number; body: unknown }> {
  const r = await fetch(`${server.url}${withQuery(routes.search.path(), query)}`);
  return { status: r.status, body: await r.json() };
}

async function found(query: Record<string, string | number | undefined>): Promise<SearchResultBody> {
  const r = await search(query);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return searchResultSchema.parse(r.body);
}

describe('GET /api/search', () => {
  it('finds files by the beginning of any word of the title, case and accents folded, each title once with its sets', async () => {
    const eiffel = await found({ q: 'eiffel' });
    expect(eiffel.results.map((r) => r.title).sort()).toEqual([EIFFEL, 'File:Gustave Eiffel.jpg', 'File:Tour Eiffel de nuit.jpg']);
    expect(eiffel).toMatchObject({ query: 'eiffel', words: ['eiffel'], capped: false, nextCursor: null, indexComplete: true });
    const tower = await found({ q: 'TROCADERO eif' });
    expect(tower.results).toEqual([{ title: EIFFEL, sha1s: expect.any(Array), sets: ['france', 'paris'] }]);
    expect(tower.results[0]!.sha1s).toHaveLength(2);
    expect((await found({ q: 'nothing-like-it' })).results).toEqual([]);
    // The typed client every part uses reads the same answer.
    const client = new CatalogueApi(server.url, 'seedbank-test/0 (title search test)');
    expect((await client.search({ q: 'gustave' })).results.map((r) => r.title)).toEqual(['File:Gustave Eiffel.jpg']);
  });

  it('pages with limit and the cursor, and refuses a cursor from another search', async () => {
    const titles: string[] = [];
    let after: string | undefined;
    for (let page = 0; page < 5; page++) {
      const r = await found({ q: 'eif', limit: 1, after });
      titles.push(...r.results.map((h) => h.title));
      if (r.nextCursor === null) break;
      after = r.nextCursor;
    }
    expect(titles.sort()).toEqual([EIFFEL, 'File:Gustave Eiffel.jpg', 'File:Tour Eiffel de nuit.jpg']);
    const first = await found({ q: 'eif', limit: 1 });
    const foreign = await search({ q: 'louvre', after: first.nextCursor! });
    expect(foreign.status).toBe(400);
    expect(errorBodySchema.parse(foreign.body).error.message).toMatch(/cursor does not belong to this search/);
  });

  it('answers a one-letter query with one bounded page, and stops a scan at the bound, saying so', async () => {
    const one = await found({ q: 'a' });
    expect(one.results).toHaveLength(50);
    expect(one.scanned).toBeLessThanOrEqual(MAX_SCANNED_KEYS);
    expect(one.nextCursor).not.toBeNull();
    // Thousands of "alpha" titles, none with a word beginning "b": the scan reads its bound and hands back a cursor.
    const started = performance.now();
    const capped = await found({ q: 'a b' });
    expect({ results: capped.results.length, capped: capped.capped, scanned: capped.scanned }).toEqual({ results: 0, capped: true, scanned: MAX_SCANNED_KEYS });
    expect(performance.now() - started).toBeLessThan(5_000);
    const rest = await found({ q: 'a b', after: capped.nextCursor! });
    expect(rest.capped).toBe(false);
    expect(rest.nextCursor).toBeNull();
  });

  it('refuses a 10,000-character query, punctuation only, a missing q and a huge limit with a clear 400', async () => {
    const cases: Array<[Record<string, string | number>, RegExp]> = [
      [{ q: 'eiffel '.repeat(1_430).slice(0, 10_000) }, /at most 200 characters/],
      [{ q: '?!… — ()' }, /no letters or digits/],
      [{ limit: 5 }, /give the beginning of one or more words/],
      [{ q: 'eiffel', limit: 100_000 }, /<=200/],
    ];
    for (const [query, message] of cases) {
      const r = await search(query);
      expect(r.status, JSON.stringify(query).slice(0, 80)).toBe(400);
      const body = errorBodySchema.parse(r.body);
      expect(body.error.code).toBe('BAD_REQUEST');
      expect(body.error.message).toMatch(message);
    }
  });
});

describe('the file page', () => {
  it('lists word matches linking to file pages; the exact title still opens the file; punctuation gets a 400 page', async () => {
    const page = await fetch(`${server.url}/files?q=eiffel`);
    expect(page.status).toBe(200);
    const text = await page.text();
    expect(text).toContain(`href="/files?q=${encodeURIComponent(EIFFEL)}"`);
    expect(text).toContain('href="/sets/france"');
    const exact = await fetch(`${server.url}/files?q=${encodeURIComponent('Gustave_Eiffel.jpg')}`);
    expect(exact.status).toBe(200);
    expect(await exact.text()).toMatch(/<h1>File:Gustave Eiffel\.jpg<\/h1>/);
    // A title that had two contents (two sets, other bytes) still offers both, as before.
    expect(await (await fetch(`${server.url}/files?q=${encodeURIComponent(EIFFEL)}`)).text()).toMatch(/id="matches-table"/);
    const punctuation = await fetch(`${server.url}/files?q=${encodeURIComponent('?!')}`);
    expect(punctuation.status).toBe(400);
    expect(await punctuation.text()).toMatch(/no letters or digits/);
    const long = await fetch(`${server.url}/files?q=${'x'.repeat(10_000)}`);
    expect(long.status).toBe(400);
    const view = (await (await fetch(`${server.url}/api/view/files?q=louvre`)).json()) as { kind: string; search: { hits: Array<{ title: string }> } };
    expect(view.kind).toBe('search');
    expect(view.search.hits.map((h) => h.title)).toEqual(['File:Louvre <b>pyramid</b>.jpg']);
  });

  it('works in Chromium: type words in the header box, follow a result to its file page, page through a capped search', async () => {
    const { page, problems } = await session.newPage();
    await page.goto(`${server.url}/`);
    await page.fill('#site-search-q', 'trocadéro TOWER');
    await page.press('#site-search-q', 'Enter');
    await page.waitForURL(/\/files\?q=/);
    expect(await page.locator('h1').textContent()).toBe('Files matching “trocadéro TOWER”');
    expect(await page.locator('#search-table tbody tr').count()).toBe(1);
    await page.goto(`${server.url}/files?q=eiffel`);
    expect(await page.locator('#search-table tbody tr').count()).toBe(3);
    console.log('screenshot:', await session.screenshot(page, 'catalogue-file-search'));
    // The title is shown as text, never as markup.
    await page.goto(`${server.url}/files?q=pyr`);
    expect(await page.locator('#search-table tbody th').textContent()).toBe('File:Louvre <b>pyramid</b>.jpg');
    await page.goto(`${server.url}/files?q=gust`);
    await page.click(`#search-table a[href^="/files"]`);
    await page.waitForURL(/Gustave/);
    expect(await page.locator('h1').textContent()).toBe('File:Gustave Eiffel.jpg');
    await page.goto(`${server.url}/files?q=a+b`);
    expect(await page.locator('#search-capped').textContent()).toMatch(new RegExp(`stopped after reading ${MAX_SCANNED_KEYS.toLocaleString('en-US')} index entries`));
    await page.click('#search-next');
    await page.waitForURL(/after=/);
    expect(await page.locator('#search-capped').count()).toBe(0);
    expect(await page.locator('.empty').textContent()).toBe('No more matches.');
    // The file page shows the file's image from its wiki; this test has no wiki at 127.0.0.1:80.
    problems.consoleErrors = problems.consoleErrors.filter((e) => e !== 'Failed to load resource: net::ERR_CONNECTION_REFUSED');
    expect(problems).toEqual({ consoleErrors: [], pageErrors: [], dialogs: [] });
  });
});
