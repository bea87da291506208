// /metrics and the Grafana dashboard (issue 14): every metric the dashboard queries exists in a
// real catalogue's /metrics output, so the dashboard cannot rot; per-set series stay within
// SERIES_PER_SET per set (no per-volume or per-file label), however many sets there are.
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DRILL_LOG_FILE } from '../../services/tracker-web/drills/drill-log.ts';
import { SERIES_PER_SET } from '../../services/tracker-web/metrics.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import type { DrillRecord } from '../../shared/api/drill-schemas.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { makeVolumeFixture } from '../helpers/volume-fixture.ts';

const DASHBOARD = path.join(import.meta.dirname, '../../deploy/grafana/seedbank.json');
const ALERT_RULES = path.join(import.meta.dirname, '../../deploy/prometheus/seedbank-rules.yml');
const SETS = 6;
const DRILLED = 2;

let work: string;
let catalogue: CatalogueServer;
let metrics: string;

function drill(setId: string, ok: boolean): DrillRecord {
  return { setId, setTitle: setId, version: 1, startedAt: '2026-12-01T00:00:00.000Z', ok, filesChecked: 1, filesOk: ok ? 1 : 0, bytes: 10, seconds: 1, copiesSeen: null, error: ok ? null : 'no peer', receivedAt: '2026-12-01T00:00:05.000Z', reporter: 'test' };
}

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-metrics-'));
  const dataDir = path.join(work, 'catalogue');
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, DRILL_LOG_FILE), [drill('set-0', true), drill('set-1', false), drill('set-0', false)].map((d) => JSON.stringify(d)).join('\n') + '\n');
  catalogue = await startCatalogueServer({ dataDir, port: 0, census: null });
  for (let i = 0; i < SETS; i++) {
    // Two volumes' worth of files per set would change nothing: no series is per volume.
    const fixture = await makeVolumeFixture(path.join(work, `v${i}`), [{ path: `a/ab/F${i}.jpg`, length: 1000 + i }, { path: `b/bc/G${i}.jpg`, length: 500 }], 16 * 1024);
    const sha1s = [fixture.content.subarray(0, 1000 + i), fixture.content.subarray(1000 + i)].map((b) => createHash('sha1').update(b).digest('hex'));
    await putHandVersion(catalogue.store, { setId: `set-${i}`, keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s });
  }
  metrics = await (await fetch(`${catalogue.url}/metrics`)).text();
}, 60_000);

afterAll(async () => {
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Every expression in the dashboard: panel targets (rows included) and variable queries. */
function expressions(dashboard: unknown): string[] {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(walk);
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if ((k === 'expr' || k === 'definition') && typeof x === 'string') out.push(x);
        else walk(x);
      }
    }
  };
  walk(dashboard);
  return out;
}

describe('the Grafana dashboard against /metrics', () => {
  it('queries only metrics the catalogue exports', async () => {
    const exprs = expressions(JSON.parse(await readFile(DASHBOARD, 'utf8')));
    const used = new Set(exprs.flatMap((e) => e.match(/\bseedbank_[a-z0-9_]*[a-z0-9]\b/g) ?? []));
    const exported = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(15);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
    // And it shows what the issue asks for: per-set copies and seeders, bytes under target, census freshness, drills.
    for (const name of ['seedbank_set_copies', 'seedbank_set_seeders', 'seedbank_set_bytes_under_target', 'seedbank_census_oldest_verdict_age_seconds', 'seedbank_drill_last_success', 'seedbank_set_drill_last_timestamp_seconds']) {
      expect(used).toContain(name);
    }
  });

  it('alert rules name only metrics the catalogue exports', async () => {
    const used = new Set((await readFile(ALERT_RULES, 'utf8')).match(/\bseedbank_[a-z0-9_]*[a-z0-9]\b/g) ?? []);
    const exported = new Set([...metrics.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    expect(used.size).toBeGreaterThan(8);
    expect([...used].filter((name) => !exported.has(name))).toEqual([]);
  });

  it(`keeps per-set series within ${SERIES_PER_SET} a set, with the set as the only label`, () => {
    // seedbank_catalogue_* are the process's own default metrics (heap spaces, GC kinds), not per set.
    const perSet = metrics.split('\n').filter((l) => /^seedbank_\w+\{/.test(l) && !l.startsWith('seedbank_catalogue_'));
    const sets = new Set(perSet.map((l) => /^\w+\{set="([^"]+)"\}/.exec(l)?.[1]));
    expect(sets.has(undefined)).toBe(false); // every labelled network series is labelled by set alone
    expect(sets.size).toBe(SETS);
    expect(perSet.length).toBeLessThanOrEqual(SERIES_PER_SET * SETS);
    // Five gauges for every set, two drill gauges for the drilled ones: the bound is reached, not loose.
    expect(perSet.length).toBe((SERIES_PER_SET - 2) * SETS + 2 * DRILLED);
    expect(metrics).toMatch(/^seedbank_set_drill_last_success\{set="set-0"\} 0$/m);
    expect(metrics).toMatch(/^seedbank_set_copies\{set="set-3"\} 0$/m);
    expect(metrics).toMatch(/^seedbank_set_copy_target\{set="set-3"\} 3$/m);
  });
});
