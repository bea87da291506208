// /api/needs against a real catalogue with real signed seeder reports: a volume whose live
// claims already make up its copy target (seeders downloading it, not yet audited) is ranked
// after a volume nobody holds, so a list capped at 1,000 entries stays actionable.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import type { NeedsBody } from '../../shared/api/copies-schemas.ts';
import { signSeederReport } from '../../shared/operator/report-signature.ts';
import { announceFrom } from '../helpers/announce.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { newOperatorKey } from '../helpers/operator-keys.ts';
import { makeVolumeFixture, type VolumeFixture } from '../helpers/volume-fixture.ts';
import { postReportFrom } from '../helpers/seeder-report.ts';

const PIECE_LENGTH = 32 * 1024;
const TARGET = 3;
/** One machine running three seeders (three operator keys): three claims, within the per-host limit. */
const CLAIMING_HOST = '127.0.0.5';
/** A port nothing listens on: the census is not run here, only the tracker's sighting counts. */
const CLOSED_PORT = 9;

let work: string;
let catalogue: CatalogueServer;
let small: VolumeFixture;
let large: VolumeFixture;

async function needs(): Promise<string[]> {
  const res = await fetch(`${catalogue.url}/api/needs`, { signal: AbortSignal.timeout(20_000) });
  expect(res.status).toBe(200);
  return ((await res.json()) as NeedsBody).needs.map((n) => n.infoHash);
}

async function publish(setId: string, files: Array<{ path: string; length: number }>): Promise<VolumeFixture> {
  const fixture = await makeVolumeFixture(path.join(work, setId), files, PIECE_LENGTH);
  let at = 0;
  const sha1s = files.map((f) => createHash('sha1').update(fixture.content.subarray(at, (at += f.length))).digest('hex'));
  await putHandVersion(catalogue.store, { setId, keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s, copyTarget: TARGET });
  return fixture;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-needs-claims-'));
  catalogue = await startCatalogueServer({ dataDir: path.join(work, 'catalogue'), port: 0, census: { autoStart: false, timeoutMs: 10_000 } });
  small = await publish('small', [{ path: 'a/ab/Small.jpg', length: 40_000 }]);
  large = await publish('large', [{ path: 'c/cd/Large.jpg', length: 90_000 }]);
}, 120_000);

afterAll(async () => {
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the needs list with live claims', () => {
  it('ranks a volume whose claims reach its target after one nobody holds', async () => {
    const s = small.parsed.infoHash;
    const l = large.parsed.infoHash;
    // Both at 0 of 3 copies: the smaller first.
    expect(await needs()).toEqual([s, l]);
    await announceFrom(catalogue.url, CLAIMING_HOST, s, CLOSED_PORT);
    for (let i = 0; i < TARGET; i++) {
      const report = { quotaBytes: 1e9, usedBytes: 0, volumes: [s], version: '0.1.0', pollIntervalMs: 60_000 };
      expect(await postReportFrom(catalogue.url, CLAIMING_HOST, signSeederReport(newOperatorKey(), report))).toBe(200);
      // Below the target the claimed volume keeps its place.
      if (i < TARGET - 1) expect(await needs()).toEqual([s, l]);
    }
    // Three live claims make up its target: still listed (no copy is counted), but after the other.
    expect(await needs()).toEqual([l, s]);
  });
});
