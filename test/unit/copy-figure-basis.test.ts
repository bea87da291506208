/**
 * A warm-up walks only the sets whose copy figures may have changed (redundancy/figure-basis.ts):
 * after a census round, the sets with a volume whose holders changed (a holder lost, a piece more,
 * an operator key proved); after a publish, the set with a new version; after a restart, the sets
 * whose kept figures no longer match the census; after an operator-list change, every set. The
 * figures it keeps equal those a full walk computes, and the copy history gets every set's sample.
 * On a real store (six-sets.ts); the census stands in as a results list the tests change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerAuditResult } from '../../services/tracker-web/census/audit-types.ts';
import { CopyIndex } from '../../services/tracker-web/redundancy/copy-index.ts';
import { basisFromDisk, holderSignature } from '../../services/tracker-web/redundancy/figure-basis.ts';
import { audit, censusOf, NOW, openSixSets, SETS, sixSetFigures, sixSetVerdicts, type SixSets } from '../helpers/six-sets.ts';

let six: SixSets;
let verdicts: PeerAuditResult[];

beforeAll(async () => {
  six = await openSixSets('seedbank-figure-basis-');
}, 60_000);

afterAll(async () => {
  await six?.close();
});

const open = () => new CopyIndex(six.store, censusOf(() => verdicts), { now: () => NOW, warmWorker: false });
/** Set i's latest version's volume (set-2 gets a second version below). */
const latestIh = (i: number) => six.store.getVersion(`set-${i}`, six.store.latestVersion(`set-${i}`))!.volumes[0]!;
const figures = (copies: CopyIndex) => sixSetFigures(copies, latestIh);
const mins = (copies: CopyIndex) => figures(copies).map((f) => f.set?.min);

/** What a full walk computes over the verdicts now (a fresh index with every basis forgotten). */
async function fullWalk() {
  const copies = open();
  copies.invalidate();
  await copies.warm();
  expect(copies.warmUpSets).toEqual({ kept: 0, walked: SETS });
  return figures(copies);
}

describe('what a copy-figure warm-up keeps and walks', () => {
  it('walks only the sets whose holders changed in a census round, with the figures a full walk reaches', async () => {
    verdicts = sixSetVerdicts(six.ih);
    const copies = open();
    copies.invalidate();
    await copies.warm();
    expect(mins(copies)).toEqual([2, 0, 1, 1, 0, 0]);

    // A round in which nothing changed: nothing walked, every set's sample in the copy history.
    const round = NOW - 1_000;
    copies.invalidate('census');
    await copies.warm(round);
    expect(copies.warmUpSets).toEqual({ kept: SETS, walked: 0 });
    await six.store.flushed();
    for (let i = 0; i < SETS; i++) expect(six.store.history.copyHistory(`set-${i}`, { since: round }).map((h) => h.min), `set-${i} sampled`).toEqual([mins(copies)[i]]);

    // set-3's one holder leaves; set-4's holder gains a piece; set-1's partial holder proves an operator key.
    verdicts = verdicts.filter((v) => v.host !== '127.0.4.1');
    verdicts = verdicts.map((v) => (v.host === '127.0.5.1' ? audit(six.ih(4), '127.0.5.1', 0xc0) : v));
    verdicts = verdicts.map((v) => (v.host === '127.0.2.2' ? audit(six.ih(1), '127.0.2.2', 0x20, 'q'.repeat(64)) : v));
    copies.invalidate('census');
    await copies.warm(NOW);
    expect(copies.warmUpSets).toEqual({ kept: 3, walked: 3 });
    expect(mins(copies)).toEqual([2, 0, 1, 0, 0, 0]);
    expect(figures(copies)).toEqual(await fullWalk());
  });

  it('after a publish walks only the set with a new version', async () => {
    verdicts = sixSetVerdicts(six.ih);
    const copies = open();
    copies.invalidate();
    await copies.warm();
    await six.publish(2, 2);
    // Nobody holds the new version's volume yet.
    copies.invalidate('publish');
    await copies.warm();
    expect(copies.warmUpSets).toEqual({ kept: SETS - 1, walked: 1 });
    expect(copies.peekSet('set-2')).toMatchObject({ version: 2, min: 0 });
    expect(figures(copies)).toEqual(await fullWalk());
  });

  it('after a restart keeps the figures on disk that match the census, and walks the rest', async () => {
    verdicts = sixSetVerdicts(latestIh);
    const first = open();
    first.invalidate();
    await first.warm();
    const expected = figures(first);
    await six.store.flushed();

    const restarted = open();
    await restarted.warm();
    expect(restarted.warmUpSets).toEqual({ kept: SETS, walked: 0 });
    expect(figures(restarted)).toEqual(expected);

    // Down for a while: set-0 lost a whole holder meanwhile.
    verdicts = verdicts.filter((v) => v.host !== '127.0.1.1');
    const later = open();
    await later.warm();
    expect(later.warmUpSets).toEqual({ kept: SETS - 1, walked: 1 });
    expect(figures(later)).toEqual(await fullWalk());
  });

  it('walks every set after a full invalidation (an operator-list change)', async () => {
    const copies = open();
    await copies.warm();
    copies.invalidate();
    await copies.warm();
    expect(copies.warmUpSets).toEqual({ kept: 0, walked: SETS });
  });

  it('walks a set once whose figures were kept before signatures existed, then keeps it', async () => {
    const kept = six.store.allSetFigures().get('set-0')!;
    await six.store.putSetFigures('set-0', { ...kept, volumeCopies: kept.volumeCopies!.map(([ih, n]): [string, number] => [ih, n]) });
    await six.store.flushed();
    const restarted = open();
    await restarted.warm();
    expect(restarted.warmUpSets).toEqual({ kept: SETS - 1, walked: 1 });
    await six.store.flushed();
    const again = open();
    await again.warm();
    expect(again.warmUpSets).toEqual({ kept: SETS, walked: 0 });
  });
});

describe('holder signature', () => {
  const bits = (b: number) => Uint8Array.of(b);
  const of = (passing: Array<[string, number]>, keys: Array<[string, string[]]> = []) => holderSignature({ passing: new Map(passing.map(([h, b]) => [h, bits(b)])), operatorKeys: new Map(keys) });

  it('does not depend on the order hosts were seen in', () => {
    expect(of([['a', 0xfe], ['b', 0xf0]])).toBe(of([['b', 0xf0], ['a', 0xfe]]));
  });

  it('changes with a piece, a host, a key, or where one host ends and the next begins', () => {
    const base = of([['10.0.0.1', 0xfe], ['10.0.0.2', 0xf0]]);
    expect(of([['10.0.0.1', 0xfe], ['10.0.0.2', 0xf8]])).not.toBe(base);
    expect(of([['10.0.0.1', 0xfe]])).not.toBe(base);
    expect(of([['10.0.0.1', 0xfe], ['10.0.0.3', 0xf0]])).not.toBe(base);
    expect(of([['10.0.0.1', 0xfe], ['10.0.0.2', 0xf0]], [['10.0.0.1', ['k']]])).not.toBe(base);
    expect(of([['ab', 0x01], ['c', 0x02]])).not.toBe(of([['a', 0x01], ['bc', 0x02]]));
    expect(of([])).not.toBe(of([['a', 0x00]]));
    expect(Number.isSafeInteger(base)).toBe(true);
  });
});

describe('a basis read back from disk', () => {
  it('is taken only when every volume has a finite signature (anything else: the set is walked)', () => {
    expect(basisFromDisk(3, [['a'.repeat(40), 2, 12345]])).toEqual({ version: 3, volumes: [['a'.repeat(40), 2, 12345]] });
    expect(basisFromDisk(3, undefined)).toBeNull();
    expect(basisFromDisk(3, [])).toBeNull();
    expect(basisFromDisk(3, [['a'.repeat(40), 2]])).toBeNull();
    expect(basisFromDisk(3, [['a'.repeat(40), 2, 1], ['b'.repeat(40), 1]])).toBeNull();
    expect(basisFromDisk(3, [['a'.repeat(40), 2, Number.NaN]])).toBeNull();
    expect(basisFromDisk(3, [['a'.repeat(40), 2, '7' as unknown as number]])).toBeNull();
  });
});
