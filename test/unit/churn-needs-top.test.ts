import { describe, expect, it } from 'vitest';
import { candidatesForTop, candidatesWithClaims } from '../../bench/churn/needs-top.ts';
import { rankNeeds, type VolumeNeed } from '../../services/tracker-web/redundancy/needs.ts';
import { prng } from '../../shared/prng.ts';

describe('the churn simulator\'s shortcut to the top of the needs list', () => {
  it('gives the same top entries as ranking every volume', () => {
    const rand = prng(7);
    const n = 5_000;
    const size = Array.from({ length: n }, () => Math.floor(rand() * 50));
    const target = Array.from({ length: n }, () => (rand() < 0.1 ? 5 : 3));
    const copies = target.map((t) => Math.floor(rand() * (t + 1)));
    const need = (v: number): VolumeNeed => ({ infoHash: String(v), setId: 's', size: size[v]!, copyTarget: target[v]!, copies: copies[v]!, seeders: 0 });
    const under = [...Array(n).keys()].filter((v) => copies[v]! < target[v]!);
    const ids = String;
    const bySize = Int32Array.from(Array(n).keys()).sort((a, b) => size[a]! - size[b]! || (ids(a) < ids(b) ? -1 : ids(a) > ids(b) ? 1 : 0));
    for (const limit of [10, 300, 1_000, n]) {
      const full = rankNeeds(under.map(need)).slice(0, limit).map((x) => x.infoHash);
      const picked = candidatesForTop(under, target, copies, bySize, limit);
      expect(picked.length).toBeLessThanOrEqual(Math.min(limit, under.length));
      expect(rankNeeds(picked.map(need)).slice(0, limit).map((x) => x.infoHash)).toEqual(full);
    }
  });
  it('gives the same top entries as ranking every volume with live claims (covered ones last)', () => {
    const rand = prng(11);
    const n = 5_000;
    const size = Array.from({ length: n }, () => Math.floor(rand() * 50));
    const target = Array.from({ length: n }, () => (rand() < 0.1 ? 5 : 3));
    const copies = target.map((t) => Math.floor(rand() * (t + 1)));
    const live = target.map((t) => (rand() < 0.3 ? Math.floor(rand() * (t + 2)) : 0));
    const need = (v: number): VolumeNeed => ({ infoHash: String(v), setId: 's', size: size[v]!, copyTarget: target[v]!, copies: copies[v]!, seeders: 0 });
    const under = [...Array(n).keys()].filter((v) => copies[v]! < target[v]!);
    const ids = String;
    const bySize = Int32Array.from(Array(n).keys()).sort((a, b) => size[a]! - size[b]! || (ids(a) < ids(b) ? -1 : ids(a) > ids(b) ? 1 : 0));
    const all = new Map(under.filter((v) => live[v]! > 0).map((v) => [String(v), live[v]!]));
    for (const limit of [10, 300, 1_000, n]) {
      const full = rankNeeds(under.map(need), all).slice(0, limit).map((x) => x.infoHash);
      const { chosen, claims } = candidatesWithClaims(under, target, copies, (v) => live[v]!, bySize, limit);
      expect(claims).toEqual(all);
      expect(chosen.length).toBeLessThanOrEqual(Math.min(limit, under.length));
      expect(rankNeeds(chosen.map(need), claims).slice(0, limit).map((x) => x.infoHash)).toEqual(full);
    }
    // The claims moved something: the order differs from the one without them.
    expect(rankNeeds(under.map(need), all).slice(0, 300)).not.toEqual(rankNeeds(under.map(need)).slice(0, 300));
  });
});
