import { describe, expect, it } from 'vitest';
import { DepartureLog } from '../../bench/churn/departures.ts';
import { VolumeTrace } from '../../bench/churn/volume-trace.ts';
import type { Host } from '../../bench/churn/model.ts';
import type { Network } from '../../bench/churn/network.ts';

const MIN = 60_000;

/** The part of the simulated network DepartureLog reads: two volumes with a target of 3. */
function fakeNetwork() {
  const net = {
    now: 0, counted: new Uint16Array([3, 3]), target: new Uint8Array([3, 3]), size: new Float64Array([4e9, 4e9]),
    lastTransferMs: new Float64Array(2), lastFetchMs: new Float64Array(2), trace: new VolumeTrace(2),
  };
  return net;
}

function departedHost(): Host {
  const holding = (v: number) => ({ v, addedAt: 0, completeAt: 0, streak: 0, counted: true, serial: 0, transferMs: 0 });
  return { id: 7, quota: 1e12, rateBytesPerMs: 1e4, online: true, gone: false, pollPhase: 0, holdings: new Map([[0, holding(0)], [1, holding(1)]]),
    plannedBytes: 0, busyUntil: 0, lastReportAt: 0, reported: new Map(), ghosts: [], epoch: 1, auditedAt: 0, rateMeasured: true };
}

describe('the churn simulator\'s heal of a departure', () => {
  it('is healed once each volume was back at target, even if another host\'s loss takes one under again later', () => {
    const net = fakeNetwork();
    const host = departedHost();
    const log = new DepartureLog();
    log.left(host, 0, 60 * MIN);
    const at = (t: number, counted: [number, number], completed: Array<[number, number]> = []) => {
      net.now = t;
      net.counted.set(counted);
      for (const [v, fetchMs] of completed) { net.trace.completed(v, t); net.lastFetchMs[v] = fetchMs; net.lastTransferMs[v] = fetchMs / 2; }
      log.check(net as unknown as Network);
    };
    at(15 * MIN, [3, 3]); // still counted: nothing to judge yet
    expect(log.pending).toBe(1);
    host.online = false;
    for (const h of host.holdings.values()) h.counted = false; // the census forgot the host's copies
    at(60 * MIN, [2, 2]);
    at(90 * MIN, [3, 2], [[0, 20 * MIN]]);
    // Volume 1 comes back as volume 0 falls under through someone else's loss.
    at(120 * MIN, [2, 3], [[1, 30 * MIN]]);
    expect(log.heals.map((h) => h.ms)).toEqual([120 * MIN]);
    expect(log.heals[0]!.fetchMs).toBe(30 * MIN);
    expect(log.heals[0]!.transferMs).toBe(15 * MIN);
    expect(log.healsTogether).toEqual([]);
    at(150 * MIN, [3, 3], [[0, 10 * MIN]]);
    expect(log.healsTogether.map((h) => h.ms)).toEqual([150 * MIN]);
    expect(log.pending).toBe(0);
  });

  it('adds no transfer time for a volume that never needed a new download', () => {
    const net = fakeNetwork();
    const host = departedHost();
    const log = new DepartureLog();
    net.trace.completed(0, 0); net.lastFetchMs[0] = 500 * MIN; // a download from before the departure
    net.now = 10 * MIN;
    log.left(host, 10 * MIN, 70 * MIN);
    host.online = false;
    for (const h of host.holdings.values()) h.counted = false;
    net.now = 75 * MIN;
    log.check(net as unknown as Network); // both still at 3: a fourth copy covered the loss
    expect(log.heals).toHaveLength(1);
    expect(log.heals[0]!.fetchMs).toBe(0);
  });
});
