// The compact tables of the dump listing (services/set-builder/listing/byte-strings.ts) and the
// base-36 SHA-1 read straight into bytes (shared/dumps/base36-sha1.ts).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { base36Sha1ToBytes, base36ToHexSha1, hexToBase36Sha1 } from '../../shared/dumps/base36-sha1.ts';
import { ByteStrings, IdIndex } from '../../services/set-builder/listing/byte-strings.ts';
import { prng } from '../../shared/prng.ts';

describe('base-36 SHA-1 into bytes', () => {
  it('gives the bytes of the hex conversion for 5,000 hashes, upper or lower case, at an offset', () => {
    const out = Buffer.alloc(25);
    for (let i = 0; i < 5000; i++) {
      const hex = createHash('sha1').update(String(i)).digest('hex');
      const b36 = hexToBase36Sha1(hex);
      expect(base36Sha1ToBytes(Buffer.from(i % 2 ? b36.toUpperCase() : b36), out, 3), b36).toBe(true);
      expect(out.toString('hex', 3, 23)).toBe(hex);
    }
  });

  it('refuses what the string conversion refuses: empty, not base 36, too long, above 2^160', () => {
    const out = Buffer.alloc(20);
    for (const t of ['', 'abc!', 'a'.repeat(32), 'z'.repeat(31)]) {
      expect(base36ToHexSha1(t), t).toBeNull();
      expect(base36Sha1ToBytes(Buffer.from(t), out, 0), t).toBe(false);
    }
    expect(base36Sha1ToBytes(Buffer.from('1'), out, 0)).toBe(true);
    expect(out.toString('hex')).toBe(base36ToHexSha1('1'));
  });
});

describe('byte strings and the id index', () => {
  it('numbers distinct strings in order, finds them by bytes or text, across growth', () => {
    const t = new ByteStrings();
    const rand = prng(3);
    const words = Array.from({ length: 20_000 }, (_, i) => `Fïle_${i}_${Math.floor(rand() * 1e9)}.jpg`);
    words.forEach((w, i) => expect(t.addText(w)).toBe(i));
    expect(t.addText(words[77]!)).toBe(77);
    expect(t.size).toBe(words.length);
    const bytes = Buffer.from(`xx${words[1234]}yy`);
    expect(t.find(bytes, 2, bytes.length - 2)).toBe(1234);
    expect(t.findText(words[19_999]!)).toBe(19_999);
    expect(t.findText('Fïle_0')).toBe(-1);
    expect(t.text(4321)).toBe(words[4321]);
    expect(t.addText('')).toBe(words.length);
    expect(t.text(words.length)).toBe('');
    const held = t.bytesHeld;
    t.freeze();
    expect(t.bytesHeld, 'frozen: no slack, no hash').toBeLessThan(held / 2);
    expect(t.text(4321)).toBe(words[4321]);
    expect(() => t.findText(words[0]!)).toThrow(/frozen/);
  });

  it('maps page ids to values across growth, replaces a value, refuses ids that are not 31-bit', () => {
    const ix = new IdIndex();
    for (let id = 1; id <= 50_000; id++) ix.set(id * 7, id);
    ix.set(7, -5);
    expect(ix.size).toBe(50_000);
    expect(ix.get(7)).toBe(-5);
    expect(ix.get(7 * 31_337)).toBe(31_337);
    expect(ix.get(8)).toBe(-1);
    expect(ix.get(-3)).toBe(-1);
    expect(() => ix.set(2 ** 31, 1)).toThrow(/31-bit/);
  });
});
