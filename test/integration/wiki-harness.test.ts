// Checks the real-MediaWiki test harness itself, through plain HTTP.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changeWiki,
  directMembers,
  fileByTitle,
  fillWiki,
  filesUnder,
  lastFillTimings,
  type ChangeSet,
  type FixtureFile,
  type FixtureSet,
} from '../../deploy/local/wiki/fixtures.ts';
import { lastStartTimings, startWiki, type Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { THROTTLED_RETRY_AFTER_S } from '../../deploy/local/wiki/nginx-front.ts';
import { liveGroupMembers } from '../../deploy/local/wiki/php-server.ts';
import { apiGet, categoryMembers, imageInfos } from '../../deploy/local/wiki/wiki-api.ts';

let wiki: Wiki | undefined;
let fixtures: FixtureSet;
const t0 = performance.now();

function w(): Wiki {
  if (!wiki) throw new Error('the wiki did not start');
  return wiki;
}

const sha1 = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');
const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/** How many whole HTTP/1.1 answers (headers plus Content-Length bytes) `buf` holds. */
function wholeAnswers(buf: Buffer): number {
  let count = 0;
  for (let at = 0; ; count++) {
    const end = buf.indexOf('\r\n\r\n', at);
    if (end === -1) return count;
    const length = Number(/content-length: (\d+)/i.exec(buf.subarray(at, end).toString('latin1'))?.[1] ?? 0);
    if (buf.length < end + 4 + length) return count;
    at = end + 4 + length;
  }
}

/** Writes `request` (several pipelined requests) on one socket and reads `answers` whole answers. */
async function rawExchange(url: URL, request: string, answers: number): Promise<Buffer> {
  const socket = net.connect(Number(url.port), url.hostname);
  let got = Buffer.alloc(0);
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`fewer than ${answers} whole answers on one connection within 10 s (${got.length} bytes)`)), 10_000);
      socket.on('error', reject);
      socket.on('close', () => reject(new Error(`the server closed the connection after ${wholeAnswers(got)} of ${answers} answers`)));
      socket.on('connect', () => socket.write(request));
      socket.on('data', (d: Buffer) => {
        got = Buffer.concat([got, d]);
        if (wholeAnswers(got) < answers) return;
        clearTimeout(timer);
        resolve(got);
      });
    });
  } finally {
    socket.destroy();
  }
}

async function download(url: string, headers: Record<string, string> = {}) {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
  return { res, body: new Uint8Array(await res.arrayBuffer()) };
}

beforeAll(async () => {
  wiki = await startWiki({ logRequests: true });
  const tFill = performance.now();
  fixtures = await fillWiki(wiki);
  console.log(
    `[wiki-harness] startWiki ${JSON.stringify(lastStartTimings)} ms; fillWiki ${Math.round(performance.now() - tFill)} ms ` +
      `${JSON.stringify(lastFillTimings)}; ${fixtures.files.length} files`,
  );
});

afterAll(async () => {
  if (!wiki) return;
  const { pgid, frontPgid, dir } = wiki;
  await wiki.stop();
  await wiki.stop(); // idempotent
  expect(await liveGroupMembers(pgid)).toEqual([]);
  expect(await liveGroupMembers(frontPgid)).toEqual([]);
  expect(existsSync(dir)).toBe(false);
  console.log(`[wiki-harness] whole file ${Math.round(performance.now() - t0)} ms`);
});

describe('a real MediaWiki filled with fixtures', () => {
  it('answers siteinfo on 127.0.0.1', async () => {
    expect(w().apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\.php$/);
    expect(w().uploadBaseUrl).toBe(`${w().baseUrl}/wikipedia/`);
    const body = await apiGet(w().apiUrl, { action: 'query', meta: 'siteinfo' });
    expect(body.query.general.generator).toMatch(/^MediaWiki 1\.\d+/);
    expect(body.query.general.sitename).toBe(w().name);
    expect(body.query.general.server).toBe(w().baseUrl);
  });

  it('has a category tree with a cycle, and thematic and unrelated categories', async () => {
    expect(await categoryMembers(w().apiUrl, 'Category:Views from the Eiffel Tower')).toContain('Category:Paris');
    expect((await categoryMembers(w().apiUrl, 'Category:Birds')).sort()).toEqual(
      Object.values(directMembers(fixtures, 'Category:Birds')).flat().sort(),
    );
    const underParis = filesUnder(fixtures, 'Category:Paris').map((f) => f.title);
    expect(underParis).toContain('File:Sparrow & blackbird.gif');
    expect(underParis).not.toContain('File:Vieux Lyon, 5e arrondissement.jpg');
    expect(underParis).not.toContain('File:Robin (Erithacus rubecula).webp');
    expect(fixtures.files.filter((f) => f.kind === 'big').every((f) => f.size > 3_000_000 && f.size < 6_500_000)).toBe(true);
  });

  it('needs API continuation to list the bulk category', async () => {
    const titles: string[] = [];
    let requests = 0;
    let cont: Record<string, string> = {};
    for (;;) {
      const body = await apiGet(w().apiUrl, {
        action: 'query', list: 'categorymembers', cmtitle: fixtures.bulkCategory, cmlimit: 50, ...cont,
      });
      requests++;
      titles.push(...(body.query.categorymembers as Array<{ title: string }>).map((m) => m.title));
      if (!body.continue) break;
      cont = body.continue;
      expect(requests).toBeLessThan(20);
    }
    expect(titles.length).toBeGreaterThan(120);
    expect(requests).toBeGreaterThanOrEqual(3);
    expect(titles.sort()).toEqual(directMembers(fixtures, fixtures.bulkCategory).files.sort());
  });

  it('serves imageinfo with Commons-style hashed upload URLs', async () => {
    const infos = await imageInfos(w().apiUrl, fixtures.files.map((f) => f.title));
    for (const file of fixtures.files) {
      const info = infos.get(file.title);
      expect(info?.sha1, file.title).toBe(file.sha1);
      expect(info?.size, file.title).toBe(file.size);
      const dbKey = file.name.replace(/ /g, '_');
      const hash = md5(dbKey);
      const url = new URL(info?.url ?? '');
      expect(url.origin).toBe(w().baseUrl);
      expect(decodeURIComponent(url.pathname)).toBe(`/wikipedia/commons/${hash[0]}/${hash.slice(0, 2)}/${dbKey}`);
      expect(info?.url?.startsWith(`${w().uploadBaseUrl}commons/`)).toBe(true);
    }
  });

  it('downloads the exact bytes, also for awkward names, and logs the media GETs', async () => {
    const awkward = ['File:Île de la Cité.jpg', 'File:Sacré-Cœur at night.jpg',
      "File:Notre-Dame (west façade), 1890's & today.jpg", 'File:Sparrow & blackbird.gif',
      'File:TGV Paris–Lyon at Part-Dieu.jpg', 'File:Robin (Erithacus rubecula).webp'];
    const chosen: FixtureFile[] = [...awkward.map((t) => fileByTitle(fixtures, t)), ...fixtures.files.filter((f) => f.kind === 'big')];
    const infos = await imageInfos(w().apiUrl, chosen.map((f) => f.title));
    await w().clearRequests();
    for (const file of chosen) {
      const url = infos.get(file.title)?.url ?? '';
      expect(url).toMatch(/%/); // percent-encoded by MediaWiki
      const { res, body } = await download(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-length')).toBe(String(file.size));
      expect(res.headers.get('accept-ranges')).toBe('bytes');
      expect(sha1(body), file.title).toBe(file.sha1);
    }
    const media = await w().mediaRequests();
    expect(media.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(
      chosen.map((f) => `GET ${decodeURIComponent(new URL(infos.get(f.title)?.url ?? '').pathname)} 200`),
    );
    expect((await w().requests()).some((r) => r.path === '/api.php')).toBe(false); // cleared before the loop
  });

  it('answers Range requests with 206 and the right slice', async () => {
    const big = fixtures.files.find((f) => f.kind === 'big');
    if (!big) throw new Error('no big file');
    const url = (await imageInfos(w().apiUrl, [big.title])).get(big.title)?.url ?? '';
    const local = await fs.readFile(big.path);
    await w().clearRequests();

    const mid = await download(url, { Range: 'bytes=1000000-1999999' });
    expect(mid.res.status).toBe(206);
    expect(mid.res.headers.get('content-range')).toBe(`bytes 1000000-1999999/${big.size}`);
    expect(mid.res.headers.get('content-length')).toBe('1000000');
    expect(Buffer.from(mid.body).equals(local.subarray(1000000, 2000000))).toBe(true);

    const tail = await download(url, { Range: 'bytes=-100' });
    expect(tail.res.status).toBe(206);
    expect(Buffer.from(tail.body).equals(local.subarray(big.size - 100))).toBe(true);

    const open = await download(url, { Range: `bytes=${big.size - 10}-` });
    expect(open.res.status).toBe(206);
    expect(open.body.length).toBe(10);

    const beyond = await download(url, { Range: `bytes=${big.size}-` });
    expect(beyond.res.status).toBe(416);
    expect(beyond.res.headers.get('content-range')).toBe(`bytes */${big.size}`);

    const logged = await w().mediaRequests();
    expect(logged.map((r) => [r.range, r.status])).toEqual([
      ['bytes=1000000-1999999', 206], ['bytes=-100', 206], [`bytes=${big.size - 10}-`, 206], [`bytes=${big.size}-`, 416],
    ]);
  });

  it('answers pipelined Range requests on one kept-alive connection, and multi-range requests', async () => {
    const big = fixtures.files.find((f) => f.kind === 'big');
    if (!big) throw new Error('no big file');
    const url = new URL((await imageInfos(w().apiUrl, [big.title])).get(big.title)?.url ?? '');
    const local = await fs.readFile(big.path);
    await w().clearRequests();
    // Three requests written at once, as libtorrent's web seed does; php -S rejected this.
    const slices: Array<[number, number]> = [[0, 16383], [16384, 32767], [big.size - 1000, big.size - 1]];
    const head = (range: string) => `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nRange: bytes=${range}\r\n\r\n`;
    const raw = await rawExchange(url, slices.map(([a, b]) => head(`${a}-${b}`)).join(''), slices.length);
    let at = 0;
    for (const [a, b] of slices) {
      const end = raw.indexOf('\r\n\r\n', at);
      const header = raw.subarray(at, end).toString('latin1');
      expect(header).toMatch(/^HTTP\/1\.1 206 /);
      expect(header).toContain(`Content-Range: bytes ${a}-${b}/${big.size}`);
      const body = raw.subarray(end + 4, end + 4 + (b - a + 1));
      expect(body.equals(local.subarray(a, b + 1))).toBe(true);
      at = end + 4 + (b - a + 1);
    }
    const logged = await w().mediaRequests();
    expect(logged.map((r) => [r.status, r.connectionRequests])).toEqual([[206, 1], [206, 2], [206, 3]]);
    expect(new Set(logged.map((r) => r.connection)).size).toBe(1);

    const multi = await download(url.href, { Range: 'bytes=0-9,100-109' });
    expect(multi.res.status).toBe(206);
    expect(multi.res.headers.get('content-type')).toMatch(/^multipart\/byteranges; boundary=/);
  });

  it('has a throttled twin of the upload folder that answers a burst with 429 and Retry-After', async () => {
    const file = fileByTitle(fixtures, 'File:Île de la Cité.jpg');
    const url = (await imageInfos(w().apiUrl, [file.title])).get(file.title)?.url ?? '';
    const twin = url.replace(w().uploadBaseUrl, w().throttledUploadBaseUrl);
    expect(twin).not.toBe(url);
    await w().clearRequests();
    const burst = await Promise.all(Array.from({ length: 4 }, () => download(twin)));
    const served = burst.filter((b) => b.res.status === 200);
    const refused = burst.filter((b) => b.res.status === 429);
    expect(served.length + refused.length).toBe(4);
    expect(served.length).toBeGreaterThanOrEqual(1);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const b of served) expect(sha1(b.body)).toBe(file.sha1);
    for (const b of refused) expect(b.res.headers.get('retry-after')).toBe(String(THROTTLED_RETRY_AFTER_S));
    expect((await w().mediaRequests()).map((r) => r.status).sort()).toEqual(burst.map((b) => b.res.status).sort());
  });

  it('404s unknown media paths', async () => {
    const { res } = await download(`${w().uploadBaseUrl}commons/0/00/No_such_file.jpg`);
    expect(res.status).toBe(404);
  });

  it('creates a bot password that can log in', async () => {
    const { user, password } = await w().createBotPassword();
    expect(user).toBe('Admin@seedbank');
    expect(await w().createBotPassword()).toEqual({ user, password }); // once
    const tokenRes = await fetch(`${w().apiUrl}?action=query&meta=tokens&type=login&format=json`);
    const cookies = tokenRes.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const token = ((await tokenRes.json()) as { query: { tokens: { logintoken: string } } }).query.tokens.logintoken;
    const login = await fetch(w().apiUrl, {
      method: 'POST',
      headers: { cookie: cookies },
      body: new URLSearchParams({ action: 'login', lgname: user, lgpassword: password, lgtoken: token, format: 'json' }),
    });
    expect(((await login.json()) as { login: { result: string } }).login.result).toBe('Success');
  });
});

describe('after changeWiki', () => {
  let changes: ChangeSet;
  beforeAll(async () => {
    const t = performance.now();
    changes = await changeWiki(w(), fixtures);
    console.log(`[wiki-harness] changeWiki ${Math.round(performance.now() - t)} ms`);
  });

  it('shows the re-upload, deletion, rename, new files and category change', async () => {
    const { reuploaded, deleted, renamed, recategorized, added } = changes;
    expect(reuploaded.newSha1).not.toBe(reuploaded.oldSha1);
    const infos = await imageInfos(w().apiUrl, [reuploaded.title, deleted.title, renamed.from, renamed.to, ...added.map((f) => f.title)]);
    expect(infos.get(reuploaded.title)?.sha1).toBe(reuploaded.newSha1);
    expect(infos.get(deleted.title)?.missing).toBe(true);
    expect(infos.get(renamed.to)?.sha1).toBe(renamed.sha1);
    for (const file of added) expect(infos.get(file.title)?.sha1).toBe(file.sha1);
    expect(added.filter((f) => f.coordinates !== null)).toHaveLength(1);

    await w().clearRequests();
    const fresh = await download(infos.get(reuploaded.title)?.url ?? '');
    expect(sha1(fresh.body)).toBe(reuploaded.newSha1);
    const movedUrl = infos.get(renamed.to)?.url ?? '';
    expect(decodeURIComponent(new URL(movedUrl).pathname)).toMatch(/\/Louvre_Pyramid_at_dusk,_1989\.jpg$/);
    expect(sha1((await download(movedUrl)).body)).toBe(renamed.sha1);
    expect((await w().mediaRequests()).map((r) => r.method)).toEqual(['GET', 'GET']);

    expect(await categoryMembers(w().apiUrl, 'Category:Birds')).toContain(recategorized.title);
    const paris = await categoryMembers(w().apiUrl, 'Category:Paris');
    for (const file of added) expect(paris).toContain(file.title);
    expect(paris).not.toContain(deleted.title);
    expect(changes.after.files.some((f) => f.title === deleted.title)).toBe(false);
  });
});
