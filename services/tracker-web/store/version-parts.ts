/**
 * Where the catalogue keeps the parts of split (seedbank-manifest/3) versions: the per-volume
 * file lists and description pages and the change list, which together can be hundreds of
 * megabytes for a million-file set. They live as plain files beside the LMDB store, in
 * `DATA/catalogue-parts/<manifest SHA-256>/` (the same relative names as in the version folder
 * and the metadata torrent), so a commit moves them out of staging with a rename instead of a
 * copy and the web seed serves byte ranges straight from disk. The folder is named by the
 * manifest's SHA-256, which fixes every part's SHA-256: two publishes racing with the same
 * version write identical bytes, and a losing publish of another version never touches the
 * folder of the one that won.
 *
 * The store reads the lists back synchronously (inside its write transaction, and for pages
 * that must answer without waiting): they were checked line by line and against the signed
 * manifest when they were published, so reading them here trusts their shape.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../../shared/errors.ts';
import { fsyncDir } from '../../../shared/fs/index.ts';
import type { ManifestFile } from '../../../shared/formats/manifest.ts';
import { compareTitles } from '../../../shared/formats/split-manifest.ts';

/** The parts folder inside the catalogue's data folder. */
export const PARTS_FOLDER = 'catalogue-parts';
/** The names a split version's parts have (split-manifest.ts: listFileName, pagesFileName, CHANGES_FILE). */
const PART_NAME = /^(?:changes\.ndjson|lists\/[0-9a-f]{40}\.ndjson|pages\/[0-9a-f]{40}\.xml\.gz)$/;
/** A parts folder's name: the manifest's SHA-256, hex. */
const FOLDER_NAME = /^[0-9a-f]{64}$/;
/** Read size of the synchronous list reader: one buffer per open list, so a merge of 1,000 volumes holds 64 MiB. */
const LIST_CHUNK_BYTES = 64 * 1024;

/** True for a name a split version's part may have. */
export function isPartName(name: string): boolean {
  return PART_NAME.test(name);
}

/** The parts folders of split versions; see the module comment. */
export class VersionParts {
  readonly root: string;
  /** Folders a commit in progress uses (adopted, version not stored yet), with how many commits hold each. */
  private readonly held = new Map<string, number>();
  /** Folders being removed as orphans: an adopt of the same manifest waits for the removal to end. */
  private readonly removing = new Map<string, Promise<void>>();

  constructor(dataDir: string) {
    this.root = path.join(path.resolve(dataDir), PARTS_FOLDER);
  }

  /** The folder of the version whose manifest has this SHA-256 (hex). */
  dir(manifestSha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(manifestSha256)) throw new SeedbankError('INTERNAL', `"${manifestSha256}" is not a manifest SHA-256`);
    return path.join(this.root, manifestSha256);
  }

  /** Where one part is on disk. */
  file(manifestSha256: string, name: string): string {
    if (!isPartName(name)) throw new SeedbankError('INTERNAL', `"${name}" is not the name of a part of a split version`);
    return path.join(this.dir(manifestSha256), ...name.split('/'));
  }

  /**
   * Moves checked parts into the version's folder (a rename: staging is in the same data
   * folder); `from(name)` says where each one is now. Parts already there are replaced by
   * identical bytes (the folder is named by the manifest, which fixes every part).
   */
  async adopt(manifestSha256: string, names: readonly string[], from: (name: string) => string): Promise<void> {
    const dir = this.dir(manifestSha256);
    await this.removing.get(manifestSha256)?.catch(() => undefined);
    for (const sub of new Set(names.map((n) => path.dirname(this.file(manifestSha256, n))))) await mkdir(sub, { recursive: true });
    for (const name of names) await rename(from(name), this.file(manifestSha256, name));
    for (const sub of new Set([dir, ...names.map((n) => path.dirname(this.file(manifestSha256, n)))])) await fsyncDir(sub);
  }

  /**
   * Marks a version's folder as used by a commit in progress, from before its adopt until its
   * version is stored or refused (call the returned release then): {@link removeOrphans}
   * leaves it alone meanwhile.
   */
  hold(manifestSha256: string): () => void {
    this.dir(manifestSha256);
    this.held.set(manifestSha256, (this.held.get(manifestSha256) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.held.get(manifestSha256) ?? 1) - 1;
      if (n > 0) this.held.set(manifestSha256, n);
      else this.held.delete(manifestSha256);
    };
  }

  /**
   * Removes the parts folders that no live version and no commit in progress uses: left by a
   * crash between a commit's adopt and its store, a publish refused after its parts moved, or a
   * version gone from the store. `live` is asked for the manifest SHA-256s of stored versions
   * at the moment of deciding (after the folder is listed, with no await in between), so a
   * version stored meanwhile is never taken for an orphan. Returns the folders removed.
   */
  async removeOrphans(live: () => ReadonlySet<string>): Promise<string[]> {
    const entries = await readdir(this.root, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    // Only folders named like ours: anything else in the folder is not this code's to delete.
    const candidates = entries.filter((e) => e.isDirectory() && FOLDER_NAME.test(e.name) && !this.held.has(e.name) && !this.removing.has(e.name));
    // No folder to judge: no need to read every stored version (0.5 s at 10M files).
    if (candidates.length === 0) return [];
    const keep = live();
    const orphans = candidates.filter((e) => !keep.has(e.name)).map((e) => e.name);
    for (const sha of orphans) {
      const gone = rm(this.dir(sha), { recursive: true, force: true }).finally(() => this.removing.delete(sha));
      this.removing.set(sha, gone);
    }
    await Promise.all(orphans.map((sha) => this.removing.get(sha)));
    return orphans;
  }

  /** Removes a version's parts (a publish that lost its commit). */
  async remove(manifestSha256: string): Promise<void> {
    await rm(this.dir(manifestSha256), { recursive: true, force: true });
  }
}

/** The lines of a text file, read synchronously in chunks (bounded memory however long the file). */
export function* linesSync(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(LIST_CHUNK_BYTES);
    let rest = Buffer.alloc(0);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      let chunk = Buffer.concat([rest, buf.subarray(0, n)]);
      let at = chunk.indexOf(0x0a);
      while (at !== -1) {
        yield chunk.toString('utf8', 0, at);
        chunk = chunk.subarray(at + 1);
        at = chunk.indexOf(0x0a);
      }
      rest = Buffer.from(chunk);
    }
    if (rest.length > 0) yield rest.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** The records of a volume's list that was checked at publish, in its (title) order. */
export function* listRecordsSync(file: string, infoHash: string): Generator<ManifestFile> {
  for (const line of linesSync(file)) yield { ...(JSON.parse(line) as Omit<ManifestFile, 'volume'>), volume: infoHash };
}

/**
 * Merges iterables that are each in title order into one in title order, holding one item of
 * each (a binary heap over the volumes' lists: memory grows with volumes, not files).
 */
export function* mergeByTitle<T extends { title: string }>(sources: ReadonlyArray<Iterable<T>>): Generator<T> {
  const heap: Array<{ item: T; it: Iterator<T> }> = [];
  const less = (a: number, b: number) => compareTitles(heap[a]!.item.title, heap[b]!.item.title) < 0;
  const swap = (a: number, b: number) => ([heap[a], heap[b]] = [heap[b]!, heap[a]!]);
  const up = (i: number) => {
    for (let p = (i - 1) >> 1; i > 0 && less(i, p); i = p, p = (i - 1) >> 1) swap(i, p);
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(l, m)) m = l;
      if (r < heap.length && less(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (const s of sources) {
    const it = s[Symbol.iterator]();
    const first = it.next();
    if (!first.done) {
      heap.push({ item: first.value, it });
      up(heap.length - 1);
    }
  }
  while (heap.length > 0) {
    const top = heap[0]!;
    yield top.item;
    const next = top.it.next();
    if (next.done) {
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    } else {
      top.item = next.value;
    }
    down(0);
  }
}
