// Figures that add up (issue 14): against a real catalogue with real webtorrent seeders audited
// by its census, the home page's banner, the totals of /api/needs and /metrics show one space
// balance (needed = size × missing copies; offered = seeders seen recently, so a stopped
// seeder's quota drops out), and the pages, the JSON and /metrics agree on seeders (distinct
// hosts) and copies (audited).
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { formatBytes } from '../../services/tracker-web/pages/format.ts';
import type { NeedsBody } from '../../shared/api/copies-schemas.ts';
import { signSeederReport, type ReportFields } from '../../shared/operator/report-signature.ts';
import { announceFrom } from '../helpers/announce.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { newOperatorKey } from '../helpers/operator-keys.ts';
import { startSeeder, type Seeder } from '../helpers/peers/webtorrent-seeder.ts';
import { waitFor } from '../helpers/run-cli.ts';
import { makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';
import { postReportFrom } from '../helpers/seeder-report.ts';

const PIECE_LENGTH = 32 * 1024;
const FILES = [
  { path: 'a/ab/Alpha.jpg', length: 70_000 },
  { path: 'b/bc/Beta.jpg', length: 150_000 },
];
const SIZE = FILES.reduce((n, f) => n + f.length, 0);
const SET = 'space';
const TARGET = 3;
/** Two seeders on one machine: one host, one copy. */
const SEEDER_HOST = '127.0.0.2';
/** A seeder that reports, then stops: its quota must leave the offer. */
const STOPPED_HOST = '127.0.0.3';
/** A host announcing a complete copy the census has not audited: a seeder, not yet a copy. */
const UNAUDITED_HOST = '127.0.0.4';
/** A port nothing listens on. */
const CLOSED_PORT = 9;
const LIVE_QUOTA = 300_000;
const STOPPED_QUOTA = 5e9;
/** The shortest poll a report may state: its space counts for 5 s (MIN_CLAIM_LIFETIME_MS). */
const SHORT_POLL_MS = 1_000;
const WAIT_MS = 30_000;

let work: string;
let fixture: VolumeFixture;
let catalogue: CatalogueServer;
const seeders: Seeder[] = [];
let sha1s: string[];

async function json<T>(urlPath: string): Promise<T> {
  const res = await fetch(`${catalogue.url}${urlPath}`, { signal: AbortSignal.timeout(20_000) });
  expect(res.status, urlPath).toBe(200);
  return (await res.json()) as T;
}

async function metrics(): Promise<string> {
  return (await fetch(`${catalogue.url}/metrics`, { signal: AbortSignal.timeout(20_000) })).text();
}

function gauge(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
  if (!line) throw new Error(`/metrics has no ${name}${labels}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

interface HomeTotals { offeredBytes: number; usedBytes: number; neededBytes: number; reportingSeeders: number; seedersNow: number }

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-space-'));
  fixture = await makeVolumeFixture(work, FILES, PIECE_LENGTH);
  let at = 0;
  sha1s = FILES.map((f) => createHash('sha1').update(fixture.content.subarray(at, (at += f.length))).digest('hex'));
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: { autoStart: false, timeoutMs: 10_000 } });
  await putHandVersion(catalogue.store, { setId: SET, keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s, copyTarget: TARGET });
  const ih = fixture.parsed.infoHash;
  for (const name of ['one', 'two']) {
    await fixture.writeTree(path.join(work, name));
    seeders.push(await startSeeder({ torrent: fixture.torrent, dir: path.join(work, name) }));
  }
  for (const s of seeders) await announceFrom(catalogue.url, SEEDER_HOST, ih, s.port);

  // The seeder that stops: it announced, reported its quota, then announced `stopped`.
  await announceFrom(catalogue.url, STOPPED_HOST, ih, CLOSED_PORT);
  expect(await postReportFrom(catalogue.url, STOPPED_HOST, signSeederReport(newOperatorKey(), report({ quotaBytes: STOPPED_QUOTA, pollIntervalMs: SHORT_POLL_MS })))).toBe(200);
  // While it runs, its quota counts (its report is seconds old).
  expect((await json<NeedsBody>('/api/needs')).totals).toMatchObject({ offeredBytes: STOPPED_QUOTA, seeders: 1 });
  await announceFrom(catalogue.url, STOPPED_HOST, ih, CLOSED_PORT, 'stopped');

  await catalogue.census.runOnce();
  await catalogue.copies.whenWarm();
  await announceFrom(catalogue.url, UNAUDITED_HOST, ih, CLOSED_PORT);
  expect(await postReportFrom(catalogue.url, SEEDER_HOST, signSeederReport(newOperatorKey(), report({ quotaBytes: LIVE_QUOTA, usedBytes: SIZE, pollIntervalMs: 60_000 })))).toBe(200);
}, 180_000);

afterAll(async () => {
  await Promise.allSettled(seeders.map((s) => s.close()));
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

function report(over: Partial<ReportFields>): ReportFields {
  return { quotaBytes: 0, usedBytes: 0, volumes: [fixture.parsed.infoHash], version: '0.1.0', pollIntervalMs: 60_000, ...over };
}

describe('figures that add up', () => {
  it("drops a stopped seeder's quota, then the banner, /api/needs and /metrics show one space balance", async () => {
    // Needed: the volume has 1 audited copy of 3, so two more copies of its bytes.
    const needed = SIZE * (TARGET - 1);
    const totals = await waitFor('the stopped seeder to leave the offer (its last report is older than 5 s)', async () => {
      const t = (await json<NeedsBody>('/api/needs')).totals;
      return t && t.seeders === 1 ? t : null;
    }, WAIT_MS, 200);
    expect(totals).toEqual({ neededBytes: needed, offeredBytes: LIVE_QUOTA, usedBytes: SIZE, freeBytes: LIVE_QUOTA - SIZE, shortBytes: needed - (LIVE_QUOTA - SIZE), seeders: 1, volumesUnderTarget: 1 });

    const home = (await json<{ totals: HomeTotals }>('/api/view/home')).totals;
    expect(home).toMatchObject({ offeredBytes: totals.offeredBytes, usedBytes: totals.usedBytes, neededBytes: totals.neededBytes, reportingSeeders: 1 });
    const page = await (await fetch(`${catalogue.url}/`)).text();
    const banner = /<p class="alert" id="space-verdict">([\s\S]*?)<\/p>/.exec(page)?.[1] ?? '';
    expect(banner).toContain(`short of <strong>${formatBytes(totals.shortBytes)}</strong>`);
    expect(banner).toContain(`still needs ${formatBytes(needed)}`);
    expect(banner).toContain(`${formatBytes(totals.freeBytes)} free`);
    expect(banner).not.toContain(formatBytes(STOPPED_QUOTA));

    const m = await metrics();
    expect(gauge(m, 'seedbank_space_needed_bytes')).toBe(totals.neededBytes);
    expect(gauge(m, 'seedbank_space_offered_bytes')).toBe(totals.offeredBytes);
    expect(gauge(m, 'seedbank_space_used_bytes')).toBe(totals.usedBytes);
    expect(gauge(m, 'seedbank_space_free_bytes')).toBe(totals.freeBytes);
    expect(gauge(m, 'seedbank_space_short_bytes')).toBe(totals.shortBytes);
    expect(gauge(m, 'seedbank_seeders_reporting')).toBe(1);
  });

  it('counts seeders as distinct hosts and copies as audited ones, the same on every page, in the JSON and in /metrics', async () => {
    // Seeders: 127.0.0.2 (two peers, one host) and 127.0.0.4 (unaudited). Copies: 127.0.0.2 only.
    const seedersNow = 2;
    const copies = 1;
    const home = await json<{ totals: HomeTotals; sets: Array<{ id: string; seedersNow: number; copies: { min: number } }> }>('/api/view/home');
    expect(home.totals.seedersNow).toBe(seedersNow);
    expect(home.sets.find((s) => s.id === SET)).toMatchObject({ seedersNow, copies: { min: copies } });
    const set = await json<{ set: { seedersNow: number; copies: { min: number } }; volumes: Array<{ seedersNow: number; copiesNow: number }> }>(`/api/view/sets/${SET}`);
    expect(set.set).toMatchObject({ seedersNow, copies: { min: copies } });
    expect(set.volumes[0]).toMatchObject({ seedersNow, copiesNow: copies });
    expect(await json<{ min: number; seeders: number }>(`/api/copies/set/${SET}`)).toMatchObject({ min: copies, seeders: seedersNow });
    expect((await json<{ file: { copies: number } }>(`/api/view/files?q=${sha1s[0]}`)).file.copies).toBe(copies);
    expect((await json<{ swarm: { seedingHosts: number } }>(`/api/volumes/${fixture.parsed.infoHash}`)).swarm.seedingHosts).toBe(seedersNow);
    expect((await json<NeedsBody>('/api/needs')).needs[0]).toMatchObject({ copies, seeders: seedersNow });

    const m = await metrics();
    const label = `{set="${SET}"}`;
    expect(gauge(m, 'seedbank_set_seeders', label)).toBe(seedersNow);
    expect(gauge(m, 'seedbank_set_copies', label)).toBe(copies);
    expect(gauge(m, 'seedbank_set_copy_target', label)).toBe(TARGET);
    expect(gauge(m, 'seedbank_set_bytes_to_target', label)).toBe(SIZE * (TARGET - copies));
    expect(gauge(m, 'seedbank_set_bytes_under_target', label)).toBe(SIZE);
    expect(gauge(m, 'seedbank_swarm_seeders')).toBe(seedersNow);

    // The set page says why 2 seeders stand beside 1 copy.
    const page = await (await fetch(`${catalogue.url}/sets/${SET}`)).text();
    expect(page).toMatch(/id="seeders-vs-copies">Why 2 seeders but 1 copy:\s+2 hosts seed a volume of this set now, but its least-copied file has 1 audited copy/);
    expect(page).toContain('one machine counts once');
  });

  it('plots seeders over time as distinct hosts of the set, as its caption says', async () => {
    await catalogue.sampler.sampleNow();
    const set = await json<{ seedersOverTime: Array<{ seeders: number }> }>(`/api/view/sets/${SET}`);
    expect(set.seedersOverTime.at(-1)?.seeders).toBe(2);
  });
});
