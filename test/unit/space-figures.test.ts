// The figures' building blocks (issue 14): a stopped seeder's space leaves the offer once its
// last report is older than three of its poll intervals; seeders are distinct hosts across a
// set's volumes, and the sampler records that per set (what "Seeders over time" plots), which
// the largest per-volume count cannot tell.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedingHosts } from '../../services/tracker-web/redundancy/network-figures.ts';
import { claimLifetimeMs, SeederReports } from '../../services/tracker-web/seeders/seeder-reports.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { addressBytes, compactPeer } from '../../services/tracker-web/tracker/peer-address.ts';
import { SwarmSampler } from '../../services/tracker-web/tracker/swarm-sampler.ts';
import { SwarmStore } from '../../services/tracker-web/tracker/swarm-store.ts';
import type { SeederReport } from '../../shared/api/seeder-schemas.ts';
import { silentLogger } from '../../shared/log.ts';

const POLL_MS = 10 * 60 * 1000;
const V1 = 'aa'.repeat(20);
const V2 = 'bb'.repeat(20);

function report(key: string, quotaBytes: number, usedBytes: number, freeBytes?: number): SeederReport {
  return {
    format: 'seedbank-seeder-report/2', operatorKey: key.repeat(64).slice(0, 64), sentAt: new Date(0).toISOString(), quotaBytes, usedBytes,
    ...(freeBytes === undefined ? {} : { freeBytes }), volumes: [], version: '0.1.0', pollIntervalMs: POLL_MS, signature: '0'.repeat(128),
  };
}

function seed(swarms: SwarmStore, infoHash: string, ip: string, port: number): void {
  swarms.announce({ infoHash, key: compactPeer(addressBytes(ip)!, port), ip, port, peerId: `-SB0001-${String(port).padStart(12, '0')}`, event: 'completed', left: 0, numwant: 0 });
}

describe('space offered', () => {
  it("counts a seeder seen within three of its poll intervals, and drops a stopped seeder's quota after that", () => {
    const reports = new SeederReports();
    const origin = (host: string) => ({ host, address: host, seenRecently: true });
    reports.record(report('a', 1000, 400), origin('10.0.0.1'), 0);
    reports.record(report('b', 5000, 100, 900), origin('10.0.0.2'), 0); // disk caps its offer at 100 + 900
    expect(reports.offer(0)).toEqual({ offeredBytes: 2000, usedBytes: 500, seeders: 2 });
    // "a" keeps reporting; "b" stopped at time 0.
    const window = claimLifetimeMs(POLL_MS);
    expect(window).toBe(3 * POLL_MS);
    reports.record({ ...report('a', 1000, 400), sentAt: new Date(1).toISOString() }, origin('10.0.0.1'), window);
    expect(reports.offer(window)).toEqual({ offeredBytes: 2000, usedBytes: 500, seeders: 2 });
    expect(reports.offer(window + 1)).toEqual({ offeredBytes: 1000, usedBytes: 400, seeders: 1 });
    expect(reports.offeredBytes(window + 1)).toBe(1000);
    expect(reports.activeSeeders(window + 1)).toBe(1);
  });

  it('counts no space from a report that does not count (a host the tracker never saw)', () => {
    const reports = new SeederReports();
    reports.record(report('c', 9e15, 0), { host: '10.0.0.3', address: '10.0.0.3', seenRecently: false }, 0);
    expect(reports.offer(0)).toEqual({ offeredBytes: 0, usedBytes: 0, seeders: 0 });
  });
});

describe('seeders of a set', () => {
  it('are distinct hosts over its volumes, and the sampler plots exactly that', async () => {
    const now = { t: 1_000_000 };
    const swarms = new SwarmStore({ ttlMs: 60_000, sweepIntervalMs: 0, now: () => now.t });
    seed(swarms, V1, '10.0.0.1', 6881);
    seed(swarms, V1, '10.0.0.1', 6882); // a second seeder on the same machine
    seed(swarms, V2, '10.0.0.2', 6881);
    seed(swarms, V2, '2001:db8:1:2::5', 6881);
    seed(swarms, V1, '2001:db8:1:2::9', 6881); // the same IPv6 /64: one host
    expect(swarms.counts(V1).seedingHosts).toBe(2);
    expect(swarms.counts(V2).seedingHosts).toBe(2);
    expect(seedingHosts(swarms, [V1, V2])).toBe(3);

    const dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-sampler-'));
    const store = CatalogueStore.open(dir);
    try {
      const sampler = new SwarmSampler({
        store, logger: silentLogger, now: () => now.t,
        swarms: () => [V1, V2].map((ih) => ({ infoHash: ih, complete: swarms.counts(ih).seedingHosts, incomplete: 0 })),
        sets: () => [{ setId: 'paris', seeders: seedingHosts(swarms, [V1, V2]) }],
      });
      await sampler.sampleNow();
      expect(store.history.setSeederHistory('paris')).toEqual([{ time: now.t, seeders: 3 }]);
      // The largest per-volume count, which the plot used to show, says 2.
      expect(Math.max(...[V1, V2].map((ih) => store.history.latestSwarmSample(ih)!.complete))).toBe(2);
      // Unchanged and within the heartbeat: no new sample; a change: one.
      now.t += 60_000 - 1;
      await sampler.sampleNow();
      expect(store.history.setSeederHistory('paris')).toHaveLength(1);
      swarms.announce({ infoHash: V2, key: compactPeer(addressBytes('10.0.0.2')!, 6881), ip: '10.0.0.2', port: 6881, peerId: '-SB0001-000000006881', event: 'stopped', left: 0, numwant: 0 });
      await sampler.sampleNow();
      expect(store.history.setSeederHistory('paris').map((s) => s.seeders)).toEqual([3, 2]);
    } finally {
      await store.close();
      swarms.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
