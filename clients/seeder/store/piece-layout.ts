/**
 * Where each byte of a volume lives: the torrent is the concatenation of its files, cut into
 * pieces; a byte range of the torrent maps onto one or more (file, offset, length) segments.
 */

/** A file of a volume, as the layout needs it. */
export interface LayoutFile {
  /** 'a/ab/Name.jpg', relative to the `commons` folder. */
  path: string;
  length: number;
  /** Start of the file in the concatenation of all files. */
  offset: number;
  sha1Hex?: string;
}

/** A stretch of one file that a torrent byte range covers. */
export interface Segment {
  /** Index into the layout's files. */
  file: number;
  /** Position inside the file. */
  fileOffset: number;
  length: number;
  /** Position of the segment inside the requested range. */
  rangeOffset: number;
}

/** Maps pieces and byte ranges of one volume onto its files. */
export class PieceLayout {
  readonly pieceCount: number;

  constructor(
    readonly pieceLength: number,
    readonly totalBytes: number,
    readonly files: readonly LayoutFile[],
  ) {
    this.pieceCount = Math.ceil(totalBytes / pieceLength);
  }

  /** Bytes in piece `index` (the last piece is usually shorter). */
  pieceSize(index: number): number {
    return Math.min(this.pieceLength, this.totalBytes - index * this.pieceLength);
  }

  /** Index of the first file whose bytes reach past `position` (binary search). */
  private fileAt(position: number): number {
    let lo = 0;
    let hi = this.files.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const f = this.files[mid]!;
      if (f.offset + f.length <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The file segments covering `length` bytes of the torrent from `start`; empty files are skipped. */
  segments(start: number, length: number): Segment[] {
    const out: Segment[] = [];
    const end = Math.min(start + length, this.totalBytes);
    for (let i = this.fileAt(start); i < this.files.length; i++) {
      const f = this.files[i]!;
      if (f.offset >= end) break;
      if (f.length === 0) continue;
      const from = Math.max(start, f.offset);
      const to = Math.min(end, f.offset + f.length);
      if (to > from) out.push({ file: i, fileOffset: from - f.offset, length: to - from, rangeOffset: from - start });
    }
    return out;
  }

  /** Segments of piece `index` (or of part of it). */
  pieceSegments(index: number, offset = 0, length = this.pieceSize(index) - offset): Segment[] {
    return this.segments(index * this.pieceLength + offset, length);
  }

  /** First and last piece holding bytes of file `index`, or null for an empty file. */
  piecesOfFile(index: number): [number, number] | null {
    const f = this.files[index]!;
    if (f.length === 0) return null;
    return [Math.floor(f.offset / this.pieceLength), Math.floor((f.offset + f.length - 1) / this.pieceLength)];
  }

  /** Indices of the files holding bytes of piece `index`. */
  filesOfPiece(index: number): number[] {
    return this.pieceSegments(index).map((s) => s.file);
  }
}
