// Paging of GET /api/sets against a real catalogue on loopback (port 0) holding more sets than a
// page: the default page and its Link, a person following `Link: rel="next"` to the end, the
// typed client's walk and the restore's set check finding a set on a later page, every bad
// `limit` and `after` refused with a 400 in the error shape. Then stand-in catalogues (a real
// HTTP server on 127.0.0.1 answering what no real catalogue would: a repeated or backward cursor,
// pages without end, an older catalogue's unpaged list) to show the walk stops with an error
// instead of looping. Nothing leaves 127.0.0.1.
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { CatalogueApi, DEFAULT_SET_PAGE_LIMIT, errorBodySchema, isApiError, MAX_SET_PAGE_LIMIT, routes, setDetailSchema, setListSchema, WALK_SET_PAGE_LIMIT, type SetListBody } from '../../shared/api/index.ts';
import { requireKnownSets } from '../../shared/api/known-sets.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { userAgent } from '../../shared/http/user-agent.ts';
import { newVersion } from '../helpers/catalogue-records.ts';

/** More sets than one walk page (1,000), so the client's own walk needs two. */
const SET_COUNT = WALK_SET_PAGE_LIMIT + 50;
/** Set ids in id order: s0000 … s1049. */
const ids = Array.from({ length: SET_COUNT }, (_, i) => `s${String(i).padStart(4, '0')}`);
const hex40 = (n: number, lead: string) => `${lead}${n.toString(16).padStart(39, '0')}`;

let work: string;
let catalogue: CatalogueServer;
let api: CatalogueApi;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-set-pages-'));
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: null, rateLimits: { readPerMinute: 100_000 } });
  // Inserted out of order: the list's order must come from the ids, not from publishing.
  for (const [i, id] of ids.map((id, i) => [i, id] as const).reverse()) catalogue.store.putVersion(await newVersion(path.join(work, 'keys'), 1, hex40(i, 'e'), [hex40(i, 'a')], id));
  api = new CatalogueApi(catalogue.url, userAgent({ part: 'paging-test' }));
}, 120_000);

afterAll(async () => {
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function getJson(pathAndQuery: string): Promise<{ status: number; link: string | null; body: unknown }> {
  const res = await fetch(`${catalogue.url}${pathAndQuery}`);
  return { status: res.status, link: res.headers.get('link'), body: await res.json() };
}

async function page(pathAndQuery: string): Promise<{ body: SetListBody; link: string | null }> {
  const r = await getJson(pathAndQuery);
  expect(r.status, JSON.stringify(r.body).slice(0, 500)).toBe(200);
  return { body: setListSchema.parse(r.body), link: r.link };
}

describe('GET /api/sets pages a catalogue larger than a page', () => {
  it('answers the first 100 sets in id order, with `next` and a Link to the next page', async () => {
    const { body, link } = await page(routes.sets.path());
    expect(body.sets.map((s) => s.id)).toEqual(ids.slice(0, DEFAULT_SET_PAGE_LIMIT));
    expect(body.next).toBe(ids[DEFAULT_SET_PAGE_LIMIT - 1]);
    expect(link).toBe(`</api/sets?after=${ids[DEFAULT_SET_PAGE_LIMIT - 1]}>; rel="next"`);
  });

  it('keeps the per-set shape: the set record and its whole latest version record', async () => {
    const { body } = await page('/api/sets?limit=1&after=s0041');
    const detail = setDetailSchema.parse((await getJson(routes.set.path('s0042'))).body);
    expect(body.sets).toEqual([{ ...detail.set, latest: detail.versions.at(-1) }]);
    expect(body.sets[0]!.latest?.pointer.salt).toBe('s0042');
  });

  it('a person following Link: rel="next" from the first page gets every set once, and the last page has neither next nor Link', async () => {
    const seen: string[] = [];
    let url: string | null = '/api/sets?limit=250';
    let pages = 0;
    while (url !== null) {
      const { body, link }: { body: SetListBody; link: string | null } = await page(url);
      seen.push(...body.sets.map((s) => s.id));
      pages++;
      url = link === null ? null : /^<([^>]+)>; rel="next"$/.exec(link)![1]!;
      expect(url === null, `page ${pages}: next ${body.next} but Link ${link}`).toBe(body.next === null);
      expect(pages, 'the Link chain did not end').toBeLessThanOrEqual(Math.ceil(SET_COUNT / 250));
    }
    expect(seen).toEqual(ids);
    expect(pages).toBe(Math.ceil(SET_COUNT / 250));
  });

  it('starts after any id, present or not, and answers an empty last page past the end', async () => {
    expect((await page('/api/sets?limit=3&after=s0005')).body.sets.map((s) => s.id)).toEqual(['s0006', 's0007', 's0008']);
    // "s0005x" is no set here; it sorts between s0005 and s0006.
    expect((await page('/api/sets?limit=2&after=s0005x')).body.sets.map((s) => s.id)).toEqual(['s0006', 's0007']);
    const last = await page(`/api/sets?limit=${MAX_SET_PAGE_LIMIT}&after=s1000`);
    expect([last.body.sets.length, last.body.next, last.link]).toEqual([49, null, null]);
    expect((await page('/api/sets?after=zzz')).body).toEqual({ sets: [], next: null });
    // A page that ends exactly at the last set says so (no empty page to fetch after it).
    expect((await page(`/api/sets?limit=50&after=${ids[SET_COUNT - 51]}`)).body.next).toBeNull();
  });

  it.each([
    ['limit=0', /^limit: a whole number of sets from 1 to 1000 \(default 100\) \(got "0"\)$/],
    ['limit=-1', /limit: a whole number.*\(got "-1"\)/],
    ['limit=abc', /limit: a whole number.*\(got "abc"\)/],
    ['limit=1001', /limit: a whole number.*\(got "1001"\)/],
    ['limit=99999999999', /limit: a whole number.*\(got "99999999999"\)/],
    ['limit=1.5', /limit: a whole number/],
    ['limit=1e2', /limit: a whole number/],
    ['limit=', /limit: a whole number/],
    ['limit=5&limit=6', /limit: a whole number.*\(got \["5","6"\]\)/],
    ['after=S0001', /^after: a set id is a slug: lower-case letters, digits and hyphens \(got "S0001"\)$/],
    ['after=a%2Fb', /a set id is a slug.*\(got "a\/b"\)/],
    ['after=a%00b', /a set id is a slug/],
    ['after=-abc', /a set id is a slug/],
    ['after=', /a set id is a slug/],
    [`after=${'a'.repeat(64)}`, /^after: one set id, the `next` of the previous page: at most 63 characters/],
    ['after=a&after=b', /^after: one set id.*\(got \["a","b"\]\)/],
  ])('refuses %s with a 400 in the error shape, naming the value', async (query, message) => {
    const r = await getJson(`/api/sets?${query}`);
    expect(r.status).toBe(400);
    const { error } = errorBodySchema.parse(r.body);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(message);
    expect(error.hint).toMatch(/limit=1\.\.1000 and after=/);
  });

  it('quotes a hostile 5,000-character after in 80 characters and its length, not whole', async () => {
    const r = await getJson(`/api/sets?after=${'x'.repeat(5_000)}`);
    expect(r.status).toBe(400);
    const { error } = errorBodySchema.parse(r.body);
    expect(error.message).toContain('(5002 characters)');
    expect(error.message.length).toBeLessThan(300);
  });
});

describe('clients walk every page', () => {
  it('the typed client returns every set, in order, over two walk pages and over many small ones', async () => {
    expect((await api.sets()).map((s) => s.id)).toEqual(ids);
    expect((await api.sets({ limit: 7 })).map((s) => s.id)).toEqual(ids);
  });

  it("restore's set check finds a set only the second page holds, and names the sets when one is missing", async () => {
    await expect(requireKnownSets(api, [ids.at(-1)!])).resolves.toBeUndefined();
    const err = await requireKnownSets(api, ['s1049x']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedbankError);
    expect((err as SeedbankError).code).toBe('SET_NOT_FOUND');
    expect((err as SeedbankError).message).toMatch(/no set "s1049x"/);
  });
});

/** A stand-in catalogue: a real HTTP server on 127.0.0.1 answering /api/sets with `answer(after, request number)`. */
async function standIn(answer: (after: string | null, n: number) => SetListBody | Record<string, unknown>): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let n = 0;
  const server: Server = createServer((req, res) => {
    const after = new URL(req.url ?? '/', 'http://x').searchParams.get('after');
    n++;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(answer(after, n)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests: () => n, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** One set as a catalogue lists it (no published version). */
const listed = (id: string) => ({ id, title: id, description: '', tags: [], publicKey: '0'.repeat(64), previousKeys: [], copyTarget: 3, latestVersion: 0, registeredAt: 0, updatedAt: 0, latest: null });

describe('a catalogue whose paging misbehaves (stand-in servers)', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });
  async function walkOf(answer: Parameters<typeof standIn>[0], o: { maxPages?: number } = {}) {
    const s = await standIn(answer);
    closers.push(s.close);
    const result = await new CatalogueApi(s.url, userAgent({ part: 'paging-test' }), { maxRetries: 0 }).sets(o).catch((e: unknown) => e);
    return { result, requests: s.requests() };
  }

  it('stops with a CATALOGUE_ERROR, not a loop, when the catalogue repeats a cursor', async () => {
    const { result, requests } = await walkOf((after) => ({ sets: [listed(after === null ? 'a' : 'b')], next: 'b' }));
    expect(result).toBeInstanceOf(SeedbankError);
    const err = result as SeedbankError;
    expect([err.code, isApiError(err), requests]).toEqual(['CATALOGUE_ERROR', true, 2]);
    expect(err.message).toMatch(/answered the list of sets badly: page 2 repeated the cursor "b": its paging would go round for ever/);
  });

  it('stops when the cursor goes back', async () => {
    const { result, requests } = await walkOf((after) => ({ sets: [], next: after === 'm' ? 'c' : 'm' }));
    expect((result as Error).message).toMatch(/page 2 went back from the cursor "m" to "c"/);
    expect(requests).toBe(2);
  });

  it('stops at the bound on pages when every page points at a new one', async () => {
    const { result, requests } = await walkOf((_after, n) => ({ sets: [listed(`p${String(n).padStart(6, '0')}`)], next: `p${String(n).padStart(6, '0')}` }), { maxPages: 5 });
    expect((result as SeedbankError).code).toBe('CATALOGUE_ERROR');
    expect((result as Error).message).toMatch(/more than 5 pages of 1000 sets/);
    expect(requests).toBe(5);
  });

  it("reads an older catalogue's unpaged list (no `next`) as one last page", async () => {
    const { result, requests } = await walkOf(() => ({ sets: [listed('a'), listed('b')] }));
    expect((result as Array<{ id: string }>).map((s) => s.id)).toEqual(['a', 'b']);
    expect(requests).toBe(1);
  });
});
