/**
 * The storage folder's layout and the one rule every path obeys: it stays inside the folder.
 * Volume paths are checked segment by segment (no `..`, no separators, no NUL), joined under
 * the folder, and every folder we create is resolved with realpath so a symlinked folder
 * cannot carry writes outside.
 */
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../../shared/errors.ts';
import { COMMONS_ROOT } from '../../../shared/commons-path.ts';
import { segmentProblem } from '../../../shared/torrent/volume-paths.ts';

/** Seeder bookkeeping inside the storage folder; never served over HTTP. */
export const META_DIR = '.seedbank';

function escape(message: string, p: string): SeedbankError {
  return new SeedbankError('PATH_ESCAPE', message, {
    hint: 'refusing to touch anything outside the storage folder',
    context: { path: p },
  });
}

/** Absolute paths inside one storage folder, checked. */
export class StoragePaths {
  /** STORAGE/commons: the mirror tree. */
  readonly commons: string;
  /** STORAGE/.seedbank: state, torrents, status. */
  readonly meta: string;
  private readonly madeDirs = new Set<string>();

  private constructor(readonly root: string) {
    this.commons = path.join(root, COMMONS_ROOT);
    this.meta = path.join(root, META_DIR);
  }

  /** Creates the storage folder if needed and resolves it once (symlinks above it are the operator's choice). */
  static async open(storage: string): Promise<StoragePaths> {
    await mkdir(storage, { recursive: true });
    const paths = new StoragePaths(await realpath(storage));
    await mkdir(paths.commons, { recursive: true });
    await mkdir(paths.meta, { recursive: true });
    return paths;
  }

  /** The absolute path of 'a/ab/Name' under `base` (default the commons tree), refusing anything that could leave it. */
  file(rel: string, base = this.commons): string {
    const segments = rel.split('/');
    for (const s of segments) {
      const problem = segmentProblem(s);
      if (problem) throw escape(`path ${JSON.stringify(rel)} contains ${problem}`, rel);
    }
    const abs = path.join(base, ...segments);
    if (!abs.startsWith(base + path.sep)) throw escape(`path ${JSON.stringify(rel)} leaves its folder`, rel);
    return abs;
  }

  /** The path relative to the commons tree ('a/ab/Name'), or null when `abs` is elsewhere. */
  relative(abs: string): string | null {
    if (!abs.startsWith(this.commons + path.sep)) return null;
    return abs.slice(this.commons.length + 1).split(path.sep).join('/');
  }

  /** Creates the folder holding `abs` and checks, through realpath, that it is really inside the storage folder. */
  async ensureParent(abs: string): Promise<void> {
    const dir = path.dirname(abs);
    if (this.madeDirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    const real = await realpath(dir);
    if (real !== this.root && !real.startsWith(this.root + path.sep)) throw escape(`folder ${dir} resolves to ${real}, outside the storage folder`, dir);
    this.madeDirs.add(dir);
  }

  /** Forgets created folders (after pruning empty ones). */
  forgetDir(dir: string): void {
    this.madeDirs.delete(dir);
  }
}
