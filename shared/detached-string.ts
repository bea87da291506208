/**
 * Strings that hold no reference to the string they were cut from. V8 keeps a slice or a regex
 * match of 13 characters or more as a view into its parent, and msgpackr's decoder returns a
 * record's short strings as slices of one string of the whole record: a kept licence name, info
 * hash or host then keeps a whole page or record alive (the builder's listing ran out of heap at
 * a million files that way; the catalogue kept ~2.8 KB a set).
 */

/** V8 copies slices shorter than this (SlicedString::kMinLength), so they need no copy. */
const MIN_SLICE_LENGTH = 13;
const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * A flat copy of `s` (a round trip through UTF-8 bytes always makes a fresh string); one with
 * surrogates, which the round trip could change, is returned as it is (rare in ids and names).
 */
export function detachedString(s: string): string {
  return s.length < MIN_SLICE_LENGTH || SURROGATE.test(s) ? s : Buffer.from(s, 'utf8').toString('utf8');
}
