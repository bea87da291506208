/**
 * A light reader of a volume torrent's layout (piece length, each file's path, offset and
 * length) for torrents that were already checked in full (parseVolumeTorrent) when they were
 * published: the catalogue re-reads layouts of stored torrents often (copy figures of volumes
 * with partial holders), and the full parse's strict bencode tree and path checks were most
 * of the cost of the first home page after start-up. This walks the bytes once, builds no
 * tree, and checks only what it needs to not read out of bounds; never use it on a torrent
 * from outside.
 */
import { SeedbankError } from '../errors.ts';
import { CH_COLON, CH_D, CH_E, CH_I, CH_L, CH_MINUS } from './bencode-bytes.ts';

/** One volume's files in torrent order, as the copy figures need them. */
export interface VolumeLayout {
  pieceLength: number;
  totalBytes: number;
  /** Piece digests in the torrent (its `pieces` length / 20). */
  pieces: number;
  paths: string[];
  offsets: Float64Array;
  lengths: Float64Array;
}


function broken(message: string, at: number): SeedbankError {
  return new SeedbankError('TORRENT_INVALID', `stored volume torrent is unreadable at byte ${at}: ${message}`, {
    hint: 'the stored .torrent is damaged: republish the set',
    context: { offset: at },
  });
}

/**
 * A cursor over bencoded bytes. The last byte string read is kept as a span in two fields, not
 * returned as an array: a walk over a 1,000,000-file catalogue's torrents reads millions of keys,
 * and an array per key was garbage the request path then paused for.
 */
class Walk {
  pos = 0;
  /** The [start, end) span of the last byte string read. */
  start = 0;
  end = 0;
  constructor(readonly buf: Buffer) {}

  /** Reads an integer ending at `end` (no canonical-form checks: the torrent was checked at publish). */
  int(end: number): number {
    let negative = false;
    if (this.buf[this.pos] === CH_MINUS) {
      negative = true;
      this.pos++;
    }
    let v = 0;
    for (;;) {
      const c = this.buf[this.pos++];
      if (c === end) break;
      if (c === undefined || c < 0x30 || c > 0x39) throw broken('expected a digit', this.pos - 1);
      v = v * 10 + (c - 0x30);
    }
    return negative ? -v : v;
  }

  /** Reads a byte string: its span goes to `start` and `end`. */
  str(): void {
    const length = this.int(CH_COLON);
    this.start = this.pos;
    this.pos += length;
    this.end = this.pos;
    if (this.pos > this.buf.length) throw broken('string runs past the end', this.start);
  }

  /** Whether the last byte string read is exactly the ASCII key. */
  is(key: string): boolean {
    if (this.end - this.start !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.buf[this.start + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  /** Steps over one value of any kind. */
  skip(depth = 0): void {
    if (depth > 64) throw broken('nested too deeply', this.pos);
    const c = this.buf[this.pos];
    if (c === CH_I) {
      this.pos++;
      this.int(CH_E);
    } else if (c === CH_L || c === CH_D) {
      this.pos++;
      while (this.buf[this.pos] !== CH_E) {
        if (this.pos >= this.buf.length) throw broken('unterminated list or dictionary', this.pos);
        if (c === CH_D) this.str();
        this.skip(depth + 1);
      }
      this.pos++;
    } else if (c !== undefined && c >= 0x30 && c <= 0x39) this.str();
    else throw broken('unexpected byte', this.pos);
  }

  /** Steps into the list or dictionary here (its first byte is `kind`). */
  open(kind: number, what: string): void {
    if (this.buf[this.pos] !== kind) throw broken(`expected a ${what}`, this.pos);
    this.pos++;
  }

  /** Whether the list or dictionary being walked has another item (false: steps past its end). */
  more(what: string): boolean {
    if (this.buf[this.pos] === CH_E) {
      this.pos++;
      return false;
    }
    if (this.pos >= this.buf.length) throw broken(`unterminated ${what}`, this.pos);
    return true;
  }

  /** Reads an integer value (`i...e`); `what` names it in the error. */
  intValue(what: string): number {
    if (this.buf[this.pos++] !== CH_I) throw broken(`${what} is not an integer`, this.pos - 1);
    return this.int(CH_E);
  }
}

/** One volume's files' lengths in torrent order, without their paths (the files lie end to end from offset 0). */
export interface VolumeExtents {
  pieceLength: number;
  /** Piece digests in the torrent (its `pieces` length / 20). */
  pieces: number;
  /** A view of a buffer the next read reuses: copy what you keep. */
  lengths: Float64Array;
}

/**
 * The lengths of the torrent being read, reused from one read to the next (grown when a
 * torrent has more files): a JS array per torrent was about 67 of the 590 MB a start-up
 * warm-up allocated at 10,000,000 files.
 */
let scratch = new Float64Array(1024);

/**
 * Walks a stored volume torrent's info dictionary once: piece length, piece count, each file's
 * length and, when `paths` is given, each file's path (pushed there). Without it no path is
 * decoded: the copy figures read every partly held volume's torrent after a census round, and
 * decoding the paths was most of what that warm-up allocated (about 250 of 290 MB at 1,000,000
 * files), which the young-generation collections then paused the requests for.
 */
function walkVolume(bytes: Uint8Array, paths: string[] | null): VolumeExtents {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = new Walk(buf);
  let pieceLength = 0;
  let pieceBytes = -1;
  let count = 0;
  let sawInfo = false;
  // Loops, not callbacks: no closure per file either.
  w.open(CH_D, 'dictionary');
  while (w.more('dictionary')) {
    w.str();
    if (!w.is('info')) {
      w.skip();
      continue;
    }
    sawInfo = true;
    w.open(CH_D, 'dictionary');
    while (w.more('dictionary')) {
      w.str();
      if (w.is('piece length')) pieceLength = w.intValue('piece length');
      else if (w.is('pieces')) {
        w.str();
        pieceBytes = w.end - w.start;
      } else if (w.is('files')) {
        w.open(CH_L, 'list');
        while (w.more('list')) {
          let length = -1;
          let path = '';
          w.open(CH_D, 'dictionary');
          while (w.more('dictionary')) {
            w.str();
            if (w.is('length')) length = w.intValue('a file length');
            else if (w.is('path')) {
              const parts: string[] | null = paths ? [] : null;
              let empty = true;
              w.open(CH_L, 'list');
              while (w.more('list')) {
                w.str();
                empty = false;
                parts?.push(buf.toString('utf8', w.start, w.end));
              }
              path = parts ? parts.join('/') : empty ? '' : '/';
            } else w.skip();
          }
          if (length < 0 || path === '') throw broken(`file ${count} has no length or path`, w.pos);
          paths?.push(path);
          if (count === scratch.length) {
            const grown = new Float64Array(scratch.length * 2);
            grown.set(scratch);
            scratch = grown;
          }
          scratch[count++] = length;
        }
      } else w.skip();
    }
  }
  if (!sawInfo || pieceLength <= 0 || pieceBytes < 0 || count === 0) throw broken('the info dictionary, its piece length, pieces or files are missing', w.pos);
  return { pieceLength, pieces: pieceBytes / 20, lengths: scratch.subarray(0, count) };
}

/**
 * Reads each file's length of a stored volume torrent that parseVolumeTorrent accepted at
 * publish, without decoding a path (TORRENT_INVALID when the bytes are not even shaped like one).
 * The lengths are a view the next read overwrites: copy them to keep them.
 */
export function readVolumeExtents(bytes: Uint8Array): VolumeExtents {
  return walkVolume(bytes, null);
}

/**
 * Reads the layout of a stored volume torrent that parseVolumeTorrent accepted at publish
 * (TORRENT_INVALID when the bytes are not even shaped like one).
 */
export function readVolumeLayout(bytes: Uint8Array): VolumeLayout {
  const paths: string[] = [];
  const { pieceLength, pieces, lengths } = walkVolume(bytes, paths);
  const offsets = new Float64Array(lengths.length);
  let total = 0;
  for (let i = 0; i < lengths.length; i++) {
    offsets[i] = total;
    total += lengths[i]!;
  }
  return { pieceLength, totalBytes: total, pieces, paths, offsets, lengths: lengths.slice() };
}
