/**
 * The staging area of uploads: each publish PUTs its files into `DIR/catalogue-staging/<set>/v<N>/`
 * (each file written to a temporary name, then renamed, so a file is either whole or absent),
 * and the commit reads them back. A commit that succeeds removes its folder; folders nobody
 * touched for a while are swept, so abandoned uploads do not pile up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { PUBLISH_FILE_NAME, PUBLISH_FILE_NAMES_TEXT } from '../../../shared/api/publish-schemas.ts';
import { SeedbankError } from '../../../shared/errors.ts';
import { commitTempFile, fsyncFile } from '../../../shared/fs/index.ts';
import { formatSize } from '../../../shared/units.ts';

/** The staging folder inside the catalogue's data folder. */
export const STAGING_FOLDER = 'catalogue-staging';
/** The files a version upload may hold (the publish API's names, one list for both). */
export const STAGED_NAME = PUBLISH_FILE_NAME;
/** The sub-folders a staged name may have: volume torrents and a split version's lists and pages. */
const STAGED_FOLDERS = ['volumes', 'lists', 'pages'] as const;
/** Read size when hashing staged files. */
const HASH_CHUNK_BYTES = 1 << 20; // 1 MiB
/** Signatures and pointers are a few hundred bytes; anything near this is not one. */
const SMALL_FILE_LIMIT_BYTES = 64 * 1024;
/** The optional preview mosaic: a few thumbnails, never a photograph's worth of bytes. */
const PREVIEW_LIMIT_BYTES = 4 * 1024 * 1024;
/** A volume torrent of the largest allowed volume with the smallest pieces stays well below this. */
const TORRENT_LIMIT_BYTES = 32 * 1024 * 1024;
/** More files than this in one version's sub-folders (20,000 volumes' torrents, lists and pages) is not a set, it is an attack. */
const MAX_STAGED_FILES = 3 * 20_000;

/** One staged file, as the client sees it when resuming. */
export interface StagedFile {
  name: string;
  size: number;
  sha256: string;
}

/** The byte limit for one staged file of this name. */
export function uploadLimitFor(name: string, maxUploadBytes: number): number {
  if (name === 'manifest.sig' || name === 'pointer.json') return Math.min(SMALL_FILE_LIMIT_BYTES, maxUploadBytes);
  if (name === 'preview.jpg') return Math.min(PREVIEW_LIMIT_BYTES, maxUploadBytes);
  if (name.endsWith('.torrent')) return Math.min(TORRENT_LIMIT_BYTES, maxUploadBytes);
  return maxUploadBytes;
}

function tooLarge(name: string, limit: number): SeedbankError {
  return new SeedbankError('UPLOAD_TOO_LARGE', `${name} is larger than the ${formatSize(limit)} this catalogue accepts for it`, {
    hint: 'the catalogue operator can raise the limit with `seedbank serve --max-upload SIZE`',
  });
}

export class Staging {
  readonly root: string;

  constructor(dataDir: string, private readonly maxUploadBytes: number) {
    this.root = path.join(path.resolve(dataDir), STAGING_FOLDER);
  }

  /** The folder of one version's upload (ids and versions are validated by the routes). */
  dir(setId: string, version: number): string {
    return path.join(this.root, setId, `v${version}`);
  }

  /**
   * Streams one upload into place, refusing (413) a body over the limit before reading it when
   * its length is declared, or as soon as it passes the limit otherwise.
   */
  async receive(setId: string, version: number, name: string, body: Readable, declaredLength: number | undefined): Promise<StagedFile> {
    if (!STAGED_NAME.test(name)) {
      throw new SeedbankError('UPLOAD_NAME_INVALID', `"${name}" is not a file of a set version`, {
        hint: `expected ${PUBLISH_FILE_NAMES_TEXT}`,
      });
    }
    const limit = uploadLimitFor(name, this.maxUploadBytes);
    if (declaredLength !== undefined && declaredLength > limit) throw tooLarge(name, limit);
    const dir = this.dir(setId, version);
    const file = path.join(dir, ...name.split('/'));
    await mkdir(path.dirname(file), { recursive: true });
    if ((await this.countFiles(dir)) >= MAX_STAGED_FILES) {
      throw new SeedbankError('UPLOAD_TOO_MANY_FILES', `more than ${MAX_STAGED_FILES} files staged for ${setId} v${version}`);
    }
    // A random suffix: two requests may upload the same name at the same moment.
    const tmp = `${file}.upload-${randomBytes(8).toString('hex')}`;
    const hash = createHash('sha256');
    let size = 0;
    const out = createWriteStream(tmp);
    try {
      await new Promise<void>((resolve, reject) => {
        let failed = false;
        body.on('data', (chunk: Buffer) => {
          if (failed) return;
          size += chunk.length;
          if (size > limit) {
            failed = true;
            // Keep reading and dropping the rest, so the client gets the 413 instead of a reset.
            reject(tooLarge(name, limit));
            return;
          }
          hash.update(chunk);
          if (!out.write(chunk)) {
            body.pause();
            out.once('drain', () => body.resume());
          }
        });
        let ended = false;
        body.on('end', () => {
          ended = true;
          if (!failed) out.end(() => resolve());
        });
        body.on('error', reject);
        // A client that hangs up mid-upload may give neither 'end' nor 'error'.
        body.on('close', () => ended || failed || reject(new SeedbankError('UPLOAD_ABORTED', `the upload of ${name} was cut off`)));
        out.on('error', reject);
      });
      await fsyncFile(tmp);
      await commitTempFile(tmp, file);
      await this.touch(setId, version);
    } catch (err) {
      out.destroy();
      await rm(tmp, { force: true });
      throw err;
    }
    return { name, size, sha256: hash.digest('hex') };
  }

  /** The names of the files staged so far for a version (temporary files of uploads in progress excluded). */
  async names(setId: string, version: number): Promise<string[]> {
    const dir = this.dir(setId, version);
    const names = await readdir(dir).catch(() => [] as string[]);
    for (const folder of STAGED_FOLDERS) names.push(...(await readdir(path.join(dir, folder)).catch(() => [] as string[])).map((n) => `${folder}/${n}`));
    return names.filter((n) => STAGED_NAME.test(n)).sort();
  }

  /** Where a staged file is (or would be) on disk; the name must be one {@link STAGED_NAME} accepts. */
  file(setId: string, version: number, name: string): string {
    if (!STAGED_NAME.test(name)) throw new SeedbankError('INTERNAL', `"${name}" is not a staged file name`);
    return path.join(this.dir(setId, version), ...name.split('/'));
  }

  /** The files staged so far for a version, with their SHA-256, so a client uploads only what is missing. */
  async list(setId: string, version: number): Promise<StagedFile[]> {
    const dir = this.dir(setId, version);
    const out: StagedFile[] = [];
    for (const name of await this.names(setId, version)) {
      // Streamed: a split version's parts are many and may each be hundreds of megabytes.
      const hash = createHash('sha256');
      let size = 0;
      for await (const chunk of createReadStream(path.join(dir, ...name.split('/')), { highWaterMark: HASH_CHUNK_BYTES })) {
        hash.update(chunk as Buffer);
        size += (chunk as Buffer).length;
      }
      out.push({ name, size, sha256: hash.digest('hex') });
    }
    return out;
  }

  /** A staged file's bytes, or null when it was not uploaded. */
  async read(setId: string, version: number, name: string): Promise<Buffer | null> {
    try {
      return await readFile(path.join(this.dir(setId, version), ...name.split('/')));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  /** Removes a version's staged upload. */
  async discard(setId: string, version: number): Promise<void> {
    await rm(this.dir(setId, version), { recursive: true, force: true });
  }

  /** Removes every upload untouched for `maxAgeMs`; returns how many went. */
  async sweep(maxAgeMs: number, now = Date.now()): Promise<number> {
    let removed = 0;
    for (const setId of await readdir(this.root).catch(() => [] as string[])) {
      const setDir = path.join(this.root, setId);
      for (const v of await readdir(setDir).catch(() => [] as string[])) {
        const dir = path.join(setDir, v);
        const s = await stat(dir).catch(() => null);
        if (s && now - s.mtimeMs > maxAgeMs) {
          await rm(dir, { recursive: true, force: true });
          removed++;
        }
      }
      if ((await readdir(setDir).catch(() => ['?'])).length === 0) await rm(setDir, { recursive: true, force: true });
    }
    return removed;
  }

  /** Marks an upload as active (its folder's mtime is what the sweep looks at). */
  private async touch(setId: string, version: number): Promise<void> {
    const now = new Date();
    await utimes(this.dir(setId, version), now, now).catch(() => undefined);
  }

  private async countFiles(dir: string): Promise<number> {
    let n = 0;
    for (const folder of STAGED_FOLDERS) n += (await readdir(path.join(dir, folder)).catch(() => [] as string[])).length;
    return n;
  }
}
