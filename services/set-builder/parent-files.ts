/**
 * What the media step needs of the parent version's files, in compact form: for each path its
 * SHA-1, size and upload time (is the file in place, was it re-uploaded), and for each SHA-1 a
 * path that held those bytes (a rename or a duplicate is hard-linked, not downloaded). Built in
 * one pass over the parent's records (list by list for a split version), about 130 B a file,
 * where the parent's ManifestFile objects cost several hundred.
 */
import type { ManifestFile } from '../../shared/formats/manifest.ts';

/** Bytes of a SHA-1. */
const SHA1_BYTES = 20;
/** A SHA-1 as a manifest records it. */
const SHA1_HEX = /^[0-9a-f]{40}$/;

/** The parent's record of one path, as the media step reads it. */
export type ParentMedia = Pick<ManifestFile, 'path' | 'sha1' | 'size' | 'uploadTimestamp'>;

/** Grows an array of strings kept as UTF-8 in one buffer. */
class Utf8List {
  private bytes = Buffer.alloc(1 << 16);
  private used = 0;
  private starts: number[] = [0];

  add(s: string): void {
    const need = Buffer.byteLength(s, 'utf8');
    if (this.used + need > this.bytes.length) {
      const next = Buffer.allocUnsafe(Math.max(this.used + need, this.bytes.length * 2));
      this.bytes.copy(next, 0, 0, this.used);
      this.bytes = next;
    }
    this.used += this.bytes.write(s, this.used, 'utf8');
    this.starts.push(this.used);
  }

  get(i: number): string {
    return this.bytes.toString('utf8', this.starts[i]!, this.starts[i + 1]!);
  }

  /** Packs the offsets into a typed array and drops the buffer's free tail. */
  freeze(): { bytes: Buffer; starts: Float64Array } {
    return { bytes: Buffer.from(this.bytes.subarray(0, this.used)), starts: Float64Array.from(this.starts) };
  }
}

/** The parent's files by path and by SHA-1. */
export class ParentFiles {
  private readonly pathBytes: Buffer;
  private readonly pathStarts: Float64Array;
  private readonly timeBytes: Buffer;
  private readonly timeStarts: Float64Array;
  /** Rows in path order, for the lookup by path. */
  private readonly byPath: Uint32Array;
  /** Rows in SHA-1 order (ties in parent order), for the lookup by bytes. */
  private readonly bySha1: Uint32Array;
  /** SHA-1s whose bytes left their path during this sync (archived): no longer a source. */
  private readonly gone = new Set<string>();

  private constructor(
    paths: Utf8List,
    times: Utf8List,
    private readonly sha1: Uint8Array,
    private readonly size: Float64Array,
    readonly count: number,
  ) {
    ({ bytes: this.pathBytes, starts: this.pathStarts } = paths.freeze());
    ({ bytes: this.timeBytes, starts: this.timeStarts } = times.freeze());
    const pathOf = Array.from({ length: count }, (_, r) => this.pathOf(r));
    this.byPath = Uint32Array.from({ length: count }, (_, r) => r).sort((a, b) => (pathOf[a]! < pathOf[b]! ? -1 : pathOf[a]! > pathOf[b]! ? 1 : a - b));
    this.bySha1 = Uint32Array.from({ length: count }, (_, r) => r).sort((a, b) => this.compareSha1(a, b) || a - b);
  }

  /** Reads the parent's records once (a split version's lists one by one) into the index. */
  static async read(records: AsyncIterable<ManifestFile> | Iterable<ManifestFile>): Promise<ParentFiles> {
    const paths = new Utf8List();
    const times = new Utf8List();
    let sha1 = new Uint8Array(1024 * SHA1_BYTES);
    let size = new Float64Array(1024);
    let n = 0;
    for await (const f of records) {
      if (n === size.length) {
        const s = new Float64Array(n * 2);
        s.set(size);
        size = s;
        const h = new Uint8Array(n * 2 * SHA1_BYTES);
        h.set(sha1);
        sha1 = h;
      }
      // A manifest's SHA-1 is checked hex (the schema): anything else would be a damaged parent, matched by nothing.
      if (SHA1_HEX.test(f.sha1)) sha1.set(Buffer.from(f.sha1, 'hex'), n * SHA1_BYTES);
      size[n] = f.size;
      paths.add(f.path);
      times.add(f.uploadTimestamp);
      n++;
    }
    return new ParentFiles(paths, times, sha1.slice(0, n * SHA1_BYTES), size.slice(0, n), n);
  }

  /** The parent's record of `path`, or undefined when the parent had no file there. */
  at(path: string): ParentMedia | undefined {
    let lo = 0;
    let hi = this.count - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.byPath[mid]!;
      const p = this.pathOf(r);
      if (p === path) return this.record(r);
      if (p < path) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  /** A parent path that held these bytes (the last in the parent's order), unless they were archived away during this sync. */
  sourceOf(sha1Hex: string): string | undefined {
    if (this.gone.has(sha1Hex) || !SHA1_HEX.test(sha1Hex)) return undefined;
    const want = Buffer.from(sha1Hex, 'hex');
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const c = this.compareTo(this.bySha1[mid]!, want);
      if (c <= 0) {
        if (c === 0) found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? undefined : this.pathOf(this.bySha1[found]!);
  }

  /** Marks bytes as moved to the archive: their old path is no longer a source for a link. */
  archived(sha1Hex: string): void {
    this.gone.add(sha1Hex);
  }

  private record(r: number): ParentMedia {
    return {
      path: this.pathOf(r),
      sha1: Buffer.from(this.sha1.buffer, this.sha1.byteOffset + r * SHA1_BYTES, SHA1_BYTES).toString('hex'),
      size: this.size[r]!,
      uploadTimestamp: this.timeBytes.toString('utf8', this.timeStarts[r]!, this.timeStarts[r + 1]!),
    };
  }

  private pathOf(r: number): string {
    return this.pathBytes.toString('utf8', this.pathStarts[r]!, this.pathStarts[r + 1]!);
  }

  private compareSha1(a: number, b: number): number {
    const h = this.sha1;
    for (let k = 0; k < SHA1_BYTES; k++) {
      const d = h[a * SHA1_BYTES + k]! - h[b * SHA1_BYTES + k]!;
      if (d !== 0) return d;
    }
    return 0;
  }

  private compareTo(r: number, want: Buffer): number {
    const h = this.sha1;
    for (let k = 0; k < SHA1_BYTES; k++) {
      const d = h[r * SHA1_BYTES + k]! - want[k]!;
      if (d !== 0) return d;
    }
    return 0;
  }
}
