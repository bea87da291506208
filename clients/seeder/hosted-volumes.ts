/**
 * The volumes one seeder hosts, by info hash, and what follows from files they share in the
 * one Commons tree: a file is complete if any volume holding it has it, a piece verified in
 * one volume may complete the same file in another, and a damaged file is fetched again
 * wherever it is held.
 */
import type { Logger } from '../../shared/log.ts';
import type { ContentStore } from './store/content-store.ts';
import type { HostedVolume } from './volume.ts';

/** Hosted volumes by info hash, with the cross-volume views of the files they share. */
export class HostedVolumes extends Map<string, HostedVolume> {
  constructor(private readonly content: ContentStore, private readonly log: Logger) {
    super();
  }

  /** Distinct files of every hosted volume with their lengths. */
  plannedFiles(): Map<string, number> {
    const files = new Map<string, number>();
    for (const v of this.values()) v.files.placements.forEach((p, i) => files.set(p.abs, v.layout.files[i]!.length));
    return files;
  }

  /** True when the file at 'a/ab/Name' (in the commons tree) is complete in some hosted volume. */
  isFileComplete(rel: string): boolean {
    let abs: string;
    try {
      abs = this.content.paths.file(rel);
    } catch {
      return false;
    }
    for (const ih of this.content.holders(abs)) {
      const v = this.get(ih);
      const index = v?.files.indexOfAbs(abs) ?? -1;
      if (v && index >= 0 && v.isFileComplete(index)) return true;
    }
    return false;
  }

  /** A piece verified in one volume may complete files other volumes hold too: check those pieces there. */
  shareVerified(v: HostedVolume, index: number): void {
    for (const f of v.layout.filesOfPiece(index)) {
      if (this.content.holders(v.files.abs(f)).length < 2 || !v.isFileComplete(f)) continue;
      void this.recheckElsewhere(v, f, false);
    }
  }

  /** Checks, in every other volume holding file `fileIndex` of `from`, its missing pieces (or with dropBad, its verified ones). */
  async recheckElsewhere(from: HostedVolume, fileIndex: number, dropBad: boolean): Promise<void> {
    if (fileIndex < 0) return;
    const abs = from.files.abs(fileIndex);
    for (const ih of this.content.holders(abs)) {
      const other = this.get(ih);
      if (!other || other === from) continue;
      const index = other.files.indexOfAbs(abs);
      if (index < 0) continue;
      const range = other.layout.piecesOfFile(index);
      if (!range) continue;
      const pieces: number[] = [];
      for (let i = range[0]; i <= range[1]; i++) if (other.has(i) === dropBad) pieces.push(i);
      await other.recheck(pieces, dropBad).catch((err: unknown) => this.log.warn({ err }, 'recheck failed'));
    }
  }
}
