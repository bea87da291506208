// Cheap hostile requests against a real catalogue on loopback (port 0): over-long lookup keys
// are refused with 400 before the store (HTML for the page, JSON for the API) and logged below
// error level; pages and /metrics are rate-limited per address as the API is; and behind
// --trust-proxy only the address the proxy appended counts, not one the client wrote.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { newVersion } from '../helpers/catalogue-records.ts';

const LONG_KEY = 'A'.repeat(2_000);
const VOL = '5a'.repeat(20);

let work: string;
const servers: CatalogueServer[] = [];
const logLines: Array<{ level: number; msg: string }> = [];
/** pino's level number for error. */
const PINO_ERROR = 50;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-hostile-'));
});

afterAll(async () => {
  for (const s of servers) await s.close().catch(() => undefined);
  if (work) await rm(work, { recursive: true, force: true });
});

/** A catalogue on port 0 logging into logLines; with `publish`, a minimal version tracks VOL (its manifest is no real one, so pages of it fail). */
async function start(name: string, o: Partial<Parameters<typeof startCatalogueServer>[0]> = {}, publish = true): Promise<CatalogueServer> {
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) logLines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  const server = await startCatalogueServer({ dataDir: path.join(work, name), port: 0, census: null, sampleIntervalMs: 60_000, logger: pino({ level: 'info' }, sink), ...o });
  servers.push(server);
  if (publish) server.store.putVersion(await newVersion(path.join(work, `${name}-keys`), 1, 'ee'.repeat(20), [VOL]));
  return server;
}

describe('over-long lookup keys', () => {
  it('refuses a 2,000-character title with 400 before the store: HTML for the page, JSON for the API, no error log', async () => {
    const s = await start('keys');
    const page = await fetch(`${s.url}/files?q=${LONG_KEY}`);
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/a file title or SHA-1 is at most 512 bytes/);
    for (const url of [`${s.url}/api/copies/file/${LONG_KEY}`, `${s.url}/api/view/files?q=${LONG_KEY}`, `${s.url}/api/files?title=${'%C3%A9'.repeat(400)}`]) {
      const r = await fetch(url);
      expect(r.status, url).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('LOOKUP_KEY_TOO_LONG');
    }
    // A normal lookup still answers (404: no such file), so the guard is not in the way.
    expect((await fetch(`${s.url}/api/copies/file/File:Nothing_here.jpg`)).status).toBe(404);
    expect((await fetch(`${s.url}/files?q=File:Nothing_here.jpg`)).status).toBe(404);
    expect(logLines.filter((l) => l.level >= PINO_ERROR)).toEqual([]);
  });
});

describe('rate limits', () => {
  it('limits pages and /metrics per address as the API is (HTML 429 for pages, JSON for /metrics), the API on its own budget', async () => {
    const s = await start('pages', { rateLimits: { pagesPerMinute: 3 } }, false);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${s.url}/`)).status);
    expect(statuses).toEqual([200, 200, 200]);
    const page = await fetch(`${s.url}/files?q=x`);
    expect(page.status).toBe(429);
    expect(await page.text()).toMatch(/too many page requests from this address/);
    const metrics = await fetch(`${s.url}/metrics`);
    expect(metrics.status).toBe(429);
    expect(((await metrics.json()) as { error: { code: string } }).error.code).toBe('RATE_LIMITED');
    expect((await fetch(`${s.url}/api/sets`)).status).toBe(200);
  });
});

describe('--trust-proxy', () => {
  it('takes the address the proxy appended, so a client cannot dodge limits or pose as another host by writing X-Forwarded-For', async () => {
    const s = await start('proxy', { trustProxy: true, rateLimits: { readPerMinute: 2 } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${s.url}/api/sets`, { headers: { 'x-forwarded-for': `10.0.0.${i + 1}, 192.0.2.7` } })).status);
    expect(statuses).toEqual([200, 200, 429]);
    const pct = (hex: string) => hex.replace(/../g, (b) => `%${b}`);
    const r = await fetch(`${s.url}/announce?info_hash=${pct(VOL)}&peer_id=-SB0001-abcdefghijkl&port=6881&left=0`, { headers: { 'x-forwarded-for': '6.6.6.6, 192.0.2.7' } });
    expect(r.status).toBe(200);
    expect(s.tracker.swarmStore.peers(VOL)).toEqual([{ ip: '192.0.2.7', port: 6881, complete: true }]);
  });
});
