// The seeder's guard around bencode@4's decoder (clients/seeder/wire-guard.ts): hostile input
// that would hang the decoder is refused, including the form that only turns hostile after
// ut_metadata's UTF-8 round trip, and well-formed input decodes exactly as before.
import bencode from 'bencode';
import { describe, expect, it } from 'vitest';
import { bencodeValueEnd, installBencodeGuard } from '../../clients/seeder/wire-guard.ts';

const GUARD = Symbol.for('seedbank.bencodeGuard');
const decode = (data: Uint8Array | string): unknown => (bencode as unknown as { decode(d: Uint8Array | string): unknown }).decode(data);

/** What ut_metadata decodes from a message (node_modules/ut_metadata/index.js, onMessage). */
function utMetadataView(raw: Buffer): string {
  const str = raw.toString();
  return str.substring(0, str.indexOf('ee') + 2);
}

describe('bencode guard', () => {
  it('finds where the first value ends, and -1 for malformed values', () => {
    expect(bencodeValueEnd(Buffer.from('d1:ai1e1:bl3:xyzeetrailing'))).toBe(18);
    for (const bad of ['l-3:e', 'd1:ai1e', '5:abc', 'di1ei2ee', 'x', '']) expect(bencodeValueEnd(Buffer.from(bad)), bad).toBe(-1);
    expect(bencodeValueEnd(Buffer.from('l'.repeat(65) + 'e'.repeat(65))), 'nesting past the limit').toBe(-1);
  });

  it('once installed, refuses what would hang the decoder and decodes the rest unchanged', () => {
    const wellFormed = Buffer.from('d1:md11:ut_metadatai3ee13:metadata_sizei31235e1:v4:testee');
    const before = decode(wellFormed);
    installBencodeGuard();
    installBencodeGuard(); // idempotent
    // Checked first: calling decode on hostile input without the guard would never return.
    expect((bencode.decode as unknown as Record<symbol, unknown>)[GUARD], 'the guard is not installed on bencode.decode').toBe(true);
    expect(decode(wellFormed)).toEqual(before);
    expect(() => decode(Buffer.from('l-3:e'))).toThrow(/malformed bencode/);
    // Valid on the wire, hostile after ut_metadata's UTF-8 round trip: why the guard sits on the decoder.
    const raw = Buffer.concat([Buffer.from('d1:a6:'), Buffer.from([0xff, 0xff]), Buffer.from('-3:ee')]);
    expect(bencodeValueEnd(raw)).toBe(raw.length);
    expect(() => decode(utMetadataView(raw))).toThrow(/malformed bencode/);
  });
});
