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

class Walk {
  pos = 0;
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

  /** The [start, end) span of a byte string. */
  str(): [number, number] {
    const length = this.int(CH_COLON);
    const start = this.pos;
    this.pos += length;
    if (this.pos > this.buf.length) throw broken('string runs past the end', start);
    return [start, this.pos];
  }

  /** Whether the span holds exactly the ASCII key. */
  is(span: [number, number], key: string): boolean {
    if (span[1] - span[0] !== key.length) return false;
    for (let i = 0; i < key.length; i++) if (this.buf[span[0] + i] !== key.charCodeAt(i)) return false;
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

  /** Calls `each` with every key of the dictionary here, the reader placed on its value (which `each` must consume). */
  dict(each: (key: [number, number]) => void): void {
    if (this.buf[this.pos] !== CH_D) throw broken('expected a dictionary', this.pos);
    this.pos++;
    while (this.buf[this.pos] !== CH_E) {
      if (this.pos >= this.buf.length) throw broken('unterminated dictionary', this.pos);
      each(this.str());
    }
    this.pos++;
  }

  /** Calls `each` with the reader on every item of the list here. */
  list(each: () => void): void {
    if (this.buf[this.pos] !== CH_L) throw broken('expected a list', this.pos);
    this.pos++;
    while (this.buf[this.pos] !== CH_E) {
      if (this.pos >= this.buf.length) throw broken('unterminated list', this.pos);
      each();
    }
    this.pos++;
  }
}

/**
 * Reads the layout of a stored volume torrent that parseVolumeTorrent accepted at publish
 * (TORRENT_INVALID when the bytes are not even shaped like one).
 */
export function readVolumeLayout(bytes: Uint8Array): VolumeLayout {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const w = new Walk(buf);
  let pieceLength = 0;
  let pieceBytes = -1;
  const paths: string[] = [];
  const lengths: number[] = [];
  let sawInfo = false;
  w.dict((key) => {
    if (!w.is(key, 'info')) return w.skip();
    sawInfo = true;
    w.dict((k) => {
      if (w.is(k, 'piece length')) {
        if (buf[w.pos++] !== CH_I) throw broken('piece length is not an integer', w.pos - 1);
        pieceLength = w.int(CH_E);
      } else if (w.is(k, 'pieces')) {
        const [s, e] = w.str();
        pieceBytes = e - s;
      } else if (w.is(k, 'files')) {
        w.list(() => {
          let length = -1;
          let path = '';
          w.dict((f) => {
            if (w.is(f, 'length')) {
              if (buf[w.pos++] !== CH_I) throw broken('a file length is not an integer', w.pos - 1);
              length = w.int(CH_E);
            } else if (w.is(f, 'path')) {
              const parts: string[] = [];
              w.list(() => {
                const [s, e] = w.str();
                parts.push(buf.toString('utf8', s, e));
              });
              path = parts.join('/');
            } else w.skip();
          });
          if (length < 0 || path === '') throw broken(`file ${paths.length} has no length or path`, w.pos);
          paths.push(path);
          lengths.push(length);
        });
      } else w.skip();
    });
  });
  if (!sawInfo || pieceLength <= 0 || pieceBytes < 0 || paths.length === 0) throw broken('the info dictionary, its piece length, pieces or files are missing', w.pos);
  const offsets = new Float64Array(lengths.length);
  let total = 0;
  for (let i = 0; i < lengths.length; i++) {
    offsets[i] = total;
    total += lengths[i]!;
  }
  return { pieceLength, totalBytes: total, pieces: pieceBytes / 20, paths, offsets, lengths: Float64Array.from(lengths) };
}
