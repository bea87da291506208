/**
 * The tracker's set of info hashes (services/tracker-web/tracker/info-hash-set.ts): what is added
 * is found whatever the case of its hex, what was not is not (near misses included), through
 * many doublings of the table; keys that are not 40 hex characters are kept as they are.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InfoHashSet } from '../../services/tracker-web/tracker/info-hash-set.ts';

const ih = (n: number) => createHash('sha1').update(`volume ${n}`).digest('hex');

describe('info hash set', () => {
  it('finds every added hash and no other, through growth from 16 slots to 200,000 hashes', () => {
    const set = new InfoHashSet(16);
    for (let i = 0; i < 100_000; i++) set.add(ih(i));
    expect(set.size).toBe(100_000);
    for (let i = 0; i < 100_000; i += 7) expect(set.has(ih(i))).toBe(true);
    for (let i = 100_000; i < 110_000; i++) expect(set.has(ih(i))).toBe(false);
    set.add(ih(5));
    expect(set.size).toBe(100_000);
  });

  it('tells apart hashes that differ in one byte, or share the bytes the table hashes on', () => {
    const set = new InfoHashSet();
    const base = 'ab'.repeat(20);
    set.add(base);
    expect(set.has(`${base.slice(0, 38)}ac`)).toBe(false);
    expect(set.has(`${base.slice(0, 8)}${'00'.repeat(16)}`)).toBe(false);
    set.add(`${base.slice(0, 8)}${'00'.repeat(16)}`);
    expect(set.has(`${base.slice(0, 8)}${'00'.repeat(16)}`)).toBe(true);
    expect(set.has(base)).toBe(true);
    expect(set.has(base.toUpperCase())).toBe(true);
  });

  it('keeps anything that is not 40 hex characters as it is, and never confuses it with a hash', () => {
    const set = new InfoHashSet();
    const v2 = 'cd'.repeat(32);
    set.add(v2);
    expect(set.has(v2)).toBe(true);
    expect(set.has(v2.slice(0, 40))).toBe(false);
    for (const odd of ['', 'zz'.repeat(20), 'ab'.repeat(19), `${'ab'.repeat(19)}a`, 'ab'.repeat(21)]) expect(set.has(odd), JSON.stringify(odd)).toBe(false);
    expect(set.size).toBe(1);
  });
});
