/**
 * A fix for a denial of service in bencode@4 (the newest release, used by bittorrent-protocol
 * and ut_metadata to decode what peers send): its decoder reads a negative string length
 * such as `l-3:e` as a step backwards and loops forever, so one hostile peer's extension
 * handshake freezes the whole seeder. No fixed release exists, so the shared decoder object
 * is wrapped: input is first checked by a small linear validator and anything malformed is
 * refused with an error, which the callers already catch and ignore.
 *
 * Why process-wide and not per connection: bittorrent-protocol, ut_metadata and ut_pex each
 * `import bencode from 'bencode'` and call `bencode.decode` on that one shared module object
 * (ESM gives every importer the same instance), so nothing narrower than that object reaches
 * their calls. Checking each peer message on the Wire instead (webtorrent's 'wire' event,
 * wrapping `_onExtended`) was tried on paper and is not sound: ut_metadata turns the bytes
 * into a UTF-8 string, cuts it at the first "ee" and decodes that, so a message that is valid
 * bencode on the wire (`d1:a6:\xff\xff-3:ee`) becomes a negative length once the two bytes
 * are replaced by U+FFFD, and hangs the decoder. Only the decoder sees what is decoded.
 *
 * How it is confined: this module is the only code that touches `bencode.decode`; the wrapper
 * is installed once (idempotent, marked with a registered symbol), by Seeder.open before any
 * peer socket exists; it passes every well-formed input through unchanged (same arguments,
 * same `this`, the parser's state still read through the original function), so the other
 * users in the process (the builder's and tests' encoders, parse-torrent) see no difference.
 * test/unit/wire-guard.test.ts checks both halves.
 */
import bencode from 'bencode';
import { SeedbankError } from '../../shared/errors.ts';
import { CH_COLON, CH_D, CH_E, CH_I, CH_L, CH_MINUS } from '../../shared/torrent/bencode-bytes.ts';

/** Deeper nesting is not a real message; the limit also bounds the validator's stack. */
const MAX_NESTING = 64;
const GUARD = Symbol.for('seedbank.bencodeGuard');
const CH_PLUS = 0x2b;
const CH_DOT = 0x2e;
const CH_0 = 0x30;
const CH_9 = 0x39;

const isDigit = (c: number | undefined) => c !== undefined && c >= CH_0 && c <= CH_9;

/**
 * The end offset of the first bencoded value in `buf`, or -1 when it is malformed: negative
 * or unterminated lengths, strings running past the end, non-string dictionary keys, nesting
 * deeper than MAX_NESTING. As lenient as bencode@4 elsewhere (signs and fractions in integers,
 * unsorted keys, trailing bytes), since real peers send such things.
 */
export function bencodeValueEnd(buf: Uint8Array): number {
  // Each open container: true for a dictionary expecting a key next.
  const stack: { dict: boolean; wantKey: boolean }[] = [];
  let pos = 0;
  for (;;) {
    const top = stack[stack.length - 1];
    const c = buf[pos];
    if (c === undefined) return -1;
    if (top && c === CH_E && (!top.dict || top.wantKey)) {
      stack.pop();
      pos++;
    } else if (top?.dict && top.wantKey && !isDigit(c)) {
      return -1; // keys must be strings
    } else if (c === CH_L || c === CH_D) {
      if (stack.length >= MAX_NESTING) return -1;
      stack.push({ dict: c === CH_D, wantKey: true });
      pos++;
      continue;
    } else if (c === CH_I) {
      let p = pos + 1;
      if (buf[p] === CH_MINUS || buf[p] === CH_PLUS) p++;
      if (!isDigit(buf[p])) return -1;
      while (isDigit(buf[p])) p++;
      if (buf[p] === CH_DOT) {
        p++;
        while (isDigit(buf[p])) p++;
      }
      if (buf[p] !== CH_E) return -1;
      pos = p + 1;
    } else if (isDigit(c)) {
      let length = 0;
      let p = pos;
      while (isDigit(buf[p])) {
        length = length * 10 + (buf[p]! - CH_0);
        if (length > buf.length) return -1;
        p++;
      }
      if (buf[p] !== CH_COLON) return -1;
      p += 1 + length;
      if (p > buf.length) return -1;
      pos = p;
    } else {
      return -1;
    }
    const parent = stack[stack.length - 1];
    if (!parent) return pos;
    if (parent.dict) parent.wantKey = !parent.wantKey;
  }
}

type Decode = (data: Uint8Array | string, start?: unknown, end?: unknown, encoding?: unknown) => unknown;

/** Wraps bencode@4's shared `decode` with the validator; safe to call many times. */
export function installBencodeGuard(): void {
  const target = bencode as unknown as { decode: Decode & { [GUARD]?: true } };
  if (target.decode[GUARD]) return;
  const original = target.decode;
  const guarded = function guardedDecode(this: unknown, data: Uint8Array | string, start?: unknown, end?: unknown, encoding?: unknown): unknown {
    if (data != null && data.length > 0) {
      let bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      if (typeof start === 'number' || typeof end === 'number') {
        bytes = bytes.subarray(typeof start === 'number' ? start : 0, typeof end === 'number' ? end : bytes.length);
      }
      if (bencodeValueEnd(bytes) < 0) throw new SeedbankError('PEER_MALFORMED', 'refusing malformed bencode from a peer');
    }
    return original.call(this, data, start, end, encoding);
  } as Decode & { [GUARD]?: true };
  // bencode@4 keeps its parser state on the function object (decode.position, decode.data, ...).
  Object.setPrototypeOf(guarded, original);
  guarded[GUARD] = true;
  target.decode = guarded;
}
