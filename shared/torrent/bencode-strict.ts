/**
 * A strict bencode decoder for untrusted .torrent files. bencode@4's decoder is lenient
 * (floats, leading zeros, unsorted or duplicate keys) and never terminates on a negative
 * string length, so torrents from peers or catalogues are decoded here instead. Only the
 * canonical form is accepted, which makes re-encoding byte-identical, and the raw byte span
 * of each top-level value is recorded so the info hash is taken over the exact bytes received.
 */
import { SeedbankError } from '../errors.ts';

/** A decoded value: byte strings stay bytes, dictionaries are Maps keyed by latin1 key bytes. */
export type BValue = number | Uint8Array | BValue[] | BDict;
export type BDict = Map<string, BValue>;

export interface DecodedTorrent {
  root: BDict;
  /** [start, end) byte offsets of each top-level dictionary value in the input. */
  spans: Map<string, [number, number]>;
}

/** Nesting deeper than this is not a torrent; the limit also bounds recursion. */
const MAX_DEPTH = 64;
const CH_I = 0x69; // 'i'
const CH_L = 0x6c; // 'l'
const CH_D = 0x64; // 'd'
const CH_E = 0x65; // 'e'
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;
const CH_0 = 0x30;
const CH_9 = 0x39;

function invalid(message: string, at: number): SeedbankError {
  return new SeedbankError('TORRENT_INVALID', `invalid bencode at byte ${at}: ${message}`, {
    hint: 'the .torrent file is damaged or not canonical bencode',
    context: { offset: at },
  });
}

/** Options of decodeTorrent. */
export interface DecodeOptions {
  /**
   * Called with each entry of `info.files` as it is read, instead of keeping the list: a
   * 100,000-file torrent's generic tree is about 80 MB of short-lived objects, one entry is not.
   * The decoded `files` list is then empty.
   */
  onFile?: (entry: BValue, index: number) => void;
}

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array, private readonly onFile?: (entry: BValue, index: number) => void) {}

  /** Reads digits up to `end`, rejecting leading zeros (not canonical) and unsafe integers. */
  digits(endChar: number, allowNegative: boolean): number {
    const start = this.pos;
    let negative = false;
    if (allowNegative && this.buf[this.pos] === CH_MINUS) {
      negative = true;
      this.pos++;
    }
    const first = this.pos;
    let value = 0;
    while (this.pos < this.buf.length && this.buf[this.pos] !== endChar) {
      const c = this.buf[this.pos]!;
      if (c < CH_0 || c > CH_9) throw invalid('expected a digit', this.pos);
      value = value * 10 + (c - CH_0);
      this.pos++;
    }
    if (this.pos >= this.buf.length) throw invalid('unterminated number', start);
    const count = this.pos - first;
    if (count === 0) throw invalid('empty number', start);
    if (count > 1 && this.buf[first] === CH_0) throw invalid('leading zero', start);
    if (negative && value === 0) throw invalid('negative zero', start);
    if (!Number.isSafeInteger(value)) throw invalid('integer too large', start);
    this.pos++; // the end character
    return negative ? -value : value;
  }

  bytes(): Uint8Array {
    const at = this.pos;
    const length = this.digits(CH_COLON, false);
    if (length > this.buf.length - this.pos) throw invalid('string runs past the end', at);
    const out = this.buf.subarray(this.pos, this.pos + length);
    this.pos += length;
    return out;
  }

  value(depth: number): BValue {
    if (depth > MAX_DEPTH) throw invalid('nested too deeply', this.pos);
    const c = this.buf[this.pos];
    if (c === undefined) throw invalid('unexpected end', this.pos);
    if (c === CH_I) {
      this.pos++;
      return this.digits(CH_E, true);
    }
    if (c === CH_L) {
      this.pos++;
      const list: BValue[] = [];
      while (this.buf[this.pos] !== CH_E) {
        if (this.pos >= this.buf.length) throw invalid('unterminated list', this.pos);
        list.push(this.value(depth + 1));
      }
      this.pos++;
      return list;
    }
    if (c === CH_D) return this.dict(depth, null);
    if (c >= CH_0 && c <= CH_9) return this.bytes();
    throw invalid(`unexpected byte 0x${c.toString(16)}`, this.pos);
  }

  /** Hands each entry of a list to the file callback and keeps none. */
  streamFiles(depth: number): BValue[] {
    if (this.buf[this.pos] !== CH_L) return [this.value(depth)];
    this.pos++;
    let index = 0;
    while (this.buf[this.pos] !== CH_E) {
      if (this.pos >= this.buf.length) throw invalid('unterminated list', this.pos);
      this.onFile!(this.value(depth + 1), index++);
    }
    this.pos++;
    return [];
  }

  /** Reads a dictionary with strictly increasing keys (raw byte order, as the spec requires). */
  dict(depth: number, spans: Map<string, [number, number]> | null, isInfo = false): BDict {
    this.pos++;
    const dict: BDict = new Map();
    let previous: Uint8Array | null = null;
    while (this.buf[this.pos] !== CH_E) {
      if (this.pos >= this.buf.length) throw invalid('unterminated dictionary', this.pos);
      const keyAt = this.pos;
      const key = this.bytes();
      if (previous !== null && Buffer.compare(previous, key) >= 0) throw invalid('dictionary keys unsorted or duplicated', keyAt);
      previous = key;
      const start = this.pos;
      const name = Buffer.from(key).toString('latin1');
      if (depth === 0 && name === 'info' && this.buf[this.pos] === CH_D) dict.set(name, this.dict(depth + 1, null, true));
      else if (isInfo && name === 'files' && this.onFile) dict.set(name, this.streamFiles(depth + 1));
      else dict.set(name, this.value(depth + 1));
      spans?.set(name, [start, this.pos]);
    }
    this.pos++;
    return dict;
  }
}

/** Decodes a whole .torrent strictly: a canonical top-level dictionary and nothing after it. */
export function decodeTorrent(buf: Uint8Array, options: DecodeOptions = {}): DecodedTorrent {
  const r = new Reader(buf, options.onFile);
  if (buf[0] !== CH_D) throw invalid('a torrent must be a dictionary', 0);
  const spans = new Map<string, [number, number]>();
  const root = r.dict(0, spans);
  if (r.pos !== buf.length) throw invalid('trailing bytes after the dictionary', r.pos);
  return { root, spans };
}
