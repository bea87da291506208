/**
 * MediaWiki stores a file's SHA-1 as base 36, zero-padded to 31 characters (`img_sha1`);
 * everything else in Seedbank uses 40 hex digits. Conversions go through BigInt.
 */

/** Length of MediaWiki's base-36 SHA-1. */
export const BASE36_SHA1_CHARS = 31;
const HEX_SHA1_CHARS = 40;
/** Base-36 digits taken per step: 36^6 < 2^53, so each chunk is an exact Number. */
const CHUNK_DIGITS = 6;
const CHUNK_FACTOR = 36n ** BigInt(CHUNK_DIGITS);

/** Converts MediaWiki's base-36 SHA-1 to 40 hex digits; null when it is not base 36 or too large. */
export function base36ToHexSha1(base36: string): string | null {
  const text = base36.toLowerCase();
  if (text.length === 0 || text.length > BASE36_SHA1_CHARS || !/^[0-9a-z]+$/.test(text)) return null;
  let value = 0n;
  const head = text.length % CHUNK_DIGITS;
  if (head > 0) value = BigInt(parseInt(text.slice(0, head), 36));
  for (let i = head; i < text.length; i += CHUNK_DIGITS) value = value * CHUNK_FACTOR + BigInt(parseInt(text.slice(i, i + CHUNK_DIGITS), 36));
  const hex = value.toString(16);
  return hex.length > HEX_SHA1_CHARS ? null : hex.padStart(HEX_SHA1_CHARS, '0');
}

/** Converts 40 hex digits to MediaWiki's 31-character base-36 SHA-1. */
export function hexToBase36Sha1(hex: string): string {
  return BigInt(`0x${hex}`).toString(36).padStart(BASE36_SHA1_CHARS, '0');
}

/** Bytes of a binary SHA-1. */
export const SHA1_BYTES = 20;
/** Base-36 digits folded per multiply: 36^4 times a byte plus a carry stays far below 2^53. */
const BYTE_STEP_DIGITS = 4;

/**
 * Writes MediaWiki's base-36 SHA-1 (given as its ASCII bytes) as 20 big-endian bytes into
 * `out` at `at`, with no string or BigInt per row; false when it is not base 36 or too large.
 */
export function base36Sha1ToBytes(digits: Uint8Array, out: Uint8Array, at: number): boolean {
  const n = digits.length;
  if (n === 0 || n > BASE36_SHA1_CHARS) return false;
  out.fill(0, at, at + SHA1_BYTES);
  for (let i = 0; i < n; i += BYTE_STEP_DIGITS) {
    let chunk = 0;
    let factor = 1;
    for (let j = i; j < Math.min(n, i + BYTE_STEP_DIGITS); j++) {
      const c = digits[j]! | 0x20; // lower case
      const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x61 && c <= 0x7a ? c - 0x61 + 10 : -1;
      if (d < 0) return false;
      chunk = chunk * 36 + d;
      factor *= 36;
    }
    let carry = chunk;
    for (let k = at + SHA1_BYTES - 1; k >= at; k--) {
      const v = out[k]! * factor + carry;
      out[k] = v % 256;
      carry = Math.floor(v / 256);
    }
    if (carry !== 0) return false;
  }
  return true;
}
