import { describe, expect, it } from 'vitest';
import { claimCounts, rankNeeds, type VolumeNeed } from '../../services/tracker-web/redundancy/needs.ts';

const vol = (infoHash: string, size: number, copyTarget: number, copies: number): VolumeNeed => ({ infoHash, setId: 's', size, copyTarget, copies, seeders: 0 });

describe('the needs list with live claims', () => {
  const volumes = [
    vol('a', 10, 3, 0), // 0 of 3, three live claims: covered
    vol('b', 50, 3, 2), // 2 of 3, no claim: open
    vol('c', 10, 3, 1), // 1 of 3, two claims: still short by one
    vol('d', 20, 3, 2), // 2 of 3, three claims (its two counted holders and a downloader): covered
    vol('e', 10, 5, 0), // 0 of 5, no claim
  ];
  const claims = new Map([['a', 3], ['c', 2], ['d', 3]]);

  it('ranks volumes whose copies or live claims reach the target after every volume that lacks a holder', () => {
    expect(rankNeeds(volumes).map((n) => n.infoHash)).toEqual(['e', 'a', 'c', 'd', 'b']);
    expect(rankNeeds(volumes, claims).map((n) => n.infoHash)).toEqual(['e', 'c', 'b', 'a', 'd']);
  });

  it('keeps the copy counts in each entry and still leaves out volumes at target', () => {
    const ranked = rankNeeds([...volumes, vol('f', 10, 3, 3)], claims);
    expect(ranked.map((n) => n.infoHash)).not.toContain('f');
    expect(ranked.find((n) => n.infoHash === 'a')).toEqual({ ...volumes[0], missing: 3, neededBytes: 30 });
  });

  it('counts a holder once per operator key, as SeederReports.holders lists them', () => {
    expect(claimCounts(new Map([['a', ['k1', 'k2']], ['b', ['k1']]]))).toEqual(new Map([['a', 2], ['b', 1]]));
  });
});
