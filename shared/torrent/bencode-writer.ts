/**
 * A bencode encoder that writes into one growing buffer. The `bencode` package builds a small
 * Uint8Array for every key, length prefix and number (about 14 per file of a volume torrent,
 * twice: once for the info hash, once for the torrent), a few kilobytes of garbage per file
 * that swelled a large build's heap by hundreds of megabytes while it hashed its volumes. The
 * bytes are the package's for every value accepted here: dictionary keys sorted, null and
 * undefined entries left out, strings as UTF-8.
 */
import { SeedbankError } from '../errors.ts';

/** What can be bencoded: integers, strings (UTF-8), bytes, lists, dictionaries, and already-encoded bytes. */
export type BencodeValue = number | string | Uint8Array | Bencoded | readonly (BencodeValue | null | undefined)[] | { readonly [key: string]: BencodeValue | null | undefined };

/** Bytes that are already bencode (an info dictionary encoded once for its hash), written as they are. */
export class Bencoded {
  constructor(readonly bytes: Uint8Array) {}
}

/** The first buffer's size; it doubles as needed, so a large torrent costs a few copies, not a piece per value. */
const INITIAL_BYTES = 64 * 1024;

class Writer {
  private buf = Buffer.allocUnsafe(INITIAL_BYTES);
  private at = 0;

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.at + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  private ascii(s: string): void {
    this.room(s.length);
    this.at += this.buf.write(s, this.at, 'latin1');
  }

  private bytes(b: Uint8Array): void {
    this.ascii(`${b.length}:`);
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  private string(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.ascii(`${n}:`);
    this.room(n);
    this.at += this.buf.write(s, this.at, n, 'utf8');
  }

  value(v: BencodeValue): void {
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new SeedbankError('INTERNAL', `bencode holds integers only, not ${v}`);
      this.ascii(`i${v}e`);
    } else if (typeof v === 'string') {
      this.string(v);
    } else if (v instanceof Bencoded) {
      this.room(v.bytes.length);
      this.buf.set(v.bytes, this.at);
      this.at += v.bytes.length;
    } else if (v instanceof Uint8Array) {
      this.bytes(v);
    } else if (Array.isArray(v)) {
      this.ascii('l');
      for (const item of v as readonly (BencodeValue | null | undefined)[]) if (item != null) this.value(item);
      this.ascii('e');
    } else {
      const dict = v as { readonly [key: string]: BencodeValue | null | undefined };
      this.ascii('d');
      for (const key of Object.keys(dict).sort()) {
        const item = dict[key];
        if (item == null) continue;
        this.string(key);
        this.value(item);
      }
      this.ascii('e');
    }
  }

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.at));
  }
}

/** Bencodes a value into one buffer of exactly its length. */
export function bencodeToBuffer(value: BencodeValue): Buffer {
  const w = new Writer();
  w.value(value);
  return w.result();
}
