import { describe, expect, it } from 'vitest';
import { maxDownloadingBytes, MIN_AUTO_DOWNLOADING_BYTES, nextSurplusStreak, planAuto, type AutoInput } from '../../clients/seeder/follow/auto-plan.ts';

const GB = 1024 ** 3;
const need = (i: number, size = 4 * GB, copies = 0) => ({
  infoHash: i.toString(16).padStart(40, '0'), setId: 's', size, copyTarget: 3, copies, missing: 3 - copies,
});
const input = (over: Partial<AutoInput>): AutoInput => ({
  needs: [], claims: {}, hosted: [], plannedOf: () => undefined, hostedAll: new Set(), freeBytes: 1000 * GB, nowMs: 0, minHostingMs: 0, ...over,
});

describe('auto mode plan', () => {
  it('claims every fitting volume when no download bound is given (the rule before)', () => {
    const plan = planAuto(input({ needs: Array.from({ length: 10 }, (_, i) => need(i)) }));
    expect(plan.add).toHaveLength(10);
  });

  it('claims only what the download queue bound allows, at least one volume when idle', () => {
    const needs = Array.from({ length: 10 }, (_, i) => need(i));
    expect(planAuto(input({ needs, downloadingBytes: 0, maxDownloadingBytes: 8 * GB })).add).toHaveLength(2);
    expect(planAuto(input({ needs, downloadingBytes: 6 * GB, maxDownloadingBytes: 8 * GB })).add).toHaveLength(0);
    // A volume larger than the bound is still taken when nothing downloads: the queue never starves.
    expect(planAuto(input({ needs: [need(1, 20 * GB)], downloadingBytes: 0, maxDownloadingBytes: 8 * GB })).add).toHaveLength(1);
  });

  it('sizes the queue from the measured rate, with a floor only for a seeder that has measured none', () => {
    expect(maxDownloadingBytes(undefined)).toBe(MIN_AUTO_DOWNLOADING_BYTES);
    expect(maxDownloadingBytes(0)).toBe(MIN_AUTO_DOWNLOADING_BYTES);
    // 1 Gbit/s for 20 minutes is 150 GB.
    expect(maxDownloadingBytes(125_000_000)).toBe(150e9);
    // 10 Mbit/s for 20 minutes is 1.5 GB: below the floor, and no floor once the rate is known.
    expect(maxDownloadingBytes(1_250_000)).toBe(1.5e9);
  });

  it('lets a slow seeder that measured its rate take one 4 GB volume at a time, not a second behind it', () => {
    const needs = Array.from({ length: 10 }, (_, i) => need(i));
    const slow = maxDownloadingBytes(1_250_000);
    expect(planAuto(input({ needs, downloadingBytes: 0, maxDownloadingBytes: slow })).add).toHaveLength(1);
    expect(planAuto(input({ needs, downloadingBytes: 2 * GB, maxDownloadingBytes: slow })).add).toHaveLength(0);
    // Before it measured anything it still takes the floor's two.
    expect(planAuto(input({ needs, downloadingBytes: 0, maxDownloadingBytes: maxDownloadingBytes(undefined) })).add).toHaveLength(2);
  });

  it('skips volumes that other live seeders already claim up to the target', () => {
    const plan = planAuto(input({ needs: [need(1), need(2)], claims: { [need(1).infoHash]: 3 } }));
    expect(plan.add.map((n) => n.infoHash)).toEqual([need(2).infoHash]);
  });

  it('counts a surplus streak only for holders beyond the target by join order', () => {
    const info = { copies: 4, holders: 4, copyTarget: 3, rank: 3, latest: true };
    expect(nextSurplusStreak(1, info)).toBe(2);
    expect(nextSurplusStreak(1, { ...info, rank: 1 })).toBe(0);
    expect(nextSurplusStreak(1, { ...info, copies: 3, holders: 3 })).toBe(0);
    expect(nextSurplusStreak(5, undefined)).toBe(0);
  });
});
