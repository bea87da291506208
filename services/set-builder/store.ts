import { mkdir, readFile, readlink, rename, rm, symlink, writeFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { COMMONS_ROOT } from '../../shared/commons-path.ts';
import { fsyncDir } from '../../shared/fs/index.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { parseManifest, type Manifest } from '../../shared/formats/manifest.ts';

const VERSION_DIR = /^v(\d+)$/;
/** A lock older than this whose owner is gone is taken over. */
const LOCK_FILE = '.build.lock';

/**
 * The builder's data folder: `media/commons/<a>/<ab>/<Name>` (one tree, Commons layout),
 * `media/archive/...` (superseded bytes, as MediaWiki keeps them), `sets/<id>/v<N>/`
 * (immutable versions), `sets/<id>/latest` (a symlink), `keys/<id>.pem`.
 */
export class SetStore {
  readonly dataDir: string;
  readonly mediaRoot: string;
  readonly keysDir: string;

  constructor(dataDir: string) {
    this.dataDir = path.resolve(dataDir);
    this.mediaRoot = path.join(this.dataDir, 'media', COMMONS_ROOT);
    this.keysDir = path.join(this.dataDir, 'keys');
  }

  /** The absolute path of a Commons-layout path, refusing anything that would leave the tree. */
  mediaPath(commonsPath: string): string {
    return safeJoin(this.mediaRoot, commonsPath);
  }

  /** Where superseded bytes of a re-uploaded file go: MediaWiki's `archive/a/ab/<timestamp>!Name`. */
  archivePath(commonsPath: string, uploadTimestamp: string): string {
    const stamp = uploadTimestamp.replace(/[^0-9]/g, '').slice(0, 14);
    const dir = path.posix.dirname(commonsPath);
    const name = path.posix.basename(commonsPath);
    return safeJoin(path.join(this.dataDir, 'media', 'archive'), `${dir}/${stamp}!${name}`);
  }

  setDir(setId: string): string {
    return path.join(this.dataDir, 'sets', setId);
  }

  versionDir(setId: string, version: number): string {
    return path.join(this.setDir(setId), `v${version}`);
  }

  /** The version `latest` points at, or null for a set never built. */
  async latestVersion(setId: string): Promise<number | null> {
    try {
      const target = await readlink(path.join(this.setDir(setId), 'latest'));
      const m = VERSION_DIR.exec(path.basename(target));
      return m ? Number(m[1]) : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Reads and validates a version's manifest. */
  async readManifest(setId: string, version: number): Promise<{ manifest: Manifest; text: string }> {
    const file = path.join(this.versionDir(setId, version), 'manifest.json');
    const text = await readFile(file, 'utf8');
    return { manifest: parseManifest(text, file), text };
  }

  /** Every complete version of a set, oldest first. */
  async versions(setId: string): Promise<number[]> {
    let names: string[] = [];
    try {
      names = await readdir(this.setDir(setId));
    } catch {
      return [];
    }
    return names.flatMap((n) => (VERSION_DIR.test(n) ? [Number(VERSION_DIR.exec(n)![1])] : [])).sort((a, b) => a - b);
  }

  /**
   * The build's working state of version `version` (page store and the like), beside the scratch
   * folder but never part of the version; removed when the build ends.
   */
  workDir(setId: string, version: number): string {
    return path.join(this.setDir(setId), `.v${version}.work`);
  }

  /** A fresh scratch folder for a version being written; a leftover from a killed build is removed. */
  async scratchDir(setId: string, version: number): Promise<string> {
    const dir = path.join(this.setDir(setId), `.v${version}.partial`);
    await rm(dir, { recursive: true, force: true });
    await mkdir(path.join(dir, 'volumes'), { recursive: true });
    return dir;
  }

  /**
   * Makes a finished scratch folder visible as `v<N>` and points `latest` at it. Each step
   * is a rename, so a crash leaves either the old state or the new one, never a half version.
   */
  async commitVersion(setId: string, version: number, scratch: string): Promise<string> {
    const finalDir = this.versionDir(setId, version);
    await fsyncDir(scratch);
    await rename(scratch, finalDir);
    const link = path.join(this.setDir(setId), 'latest');
    const tmpLink = `${link}.tmp-${process.pid}`;
    await rm(tmpLink, { force: true });
    await symlink(`v${version}`, tmpLink);
    await rename(tmpLink, link);
    await fsyncDir(this.setDir(setId));
    return finalDir;
  }

  /** Takes the set's build lock; a second build of the same set fails fast instead of racing. */
  async lock(setId: string): Promise<() => Promise<void>> {
    await mkdir(this.setDir(setId), { recursive: true });
    const file = path.join(this.setDir(setId), LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await writeFile(file, String(process.pid), { flag: 'wx' });
        return async () => {
          await rm(file, { force: true });
        };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const owner = Number(await readFile(file, 'utf8').catch(() => '0'));
        if (owner > 0 && owner !== process.pid && processAlive(owner)) {
          throw new SeedbankError('BUILD_LOCKED', `another build of ${setId} is running (pid ${owner})`, {
            hint: `wait for it to finish; if it is gone, remove ${file}`,
          });
        }
        await rm(file, { force: true }); // stale: its owner died (kill -9, power loss)
      }
    }
    throw new SeedbankError('BUILD_LOCKED', `cannot take the build lock of ${setId}`, { hint: `remove ${file}` });
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Joins a POSIX relative path under a root, refusing `..`, absolute paths and NULs. */
export function safeJoin(root: string, relative: string): string {
  const segments = relative.split('/');
  if (relative.length === 0 || segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\0') || s.includes('\\'))) {
    throw new SeedbankError('PATH_ESCAPE', `refusing path "${relative}": it is empty or would leave ${root}`);
  }
  return path.join(root, ...segments);
}
