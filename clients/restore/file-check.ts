/**
 * Checking restored files against the manifest: a streaming SHA-1 of each file, and a small
 * record of what was verified (size and mtime) so a re-run skips files already checked.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { z } from 'zod';
import { SeedbankError } from '../../shared/errors.ts';
import { readJsonIfExists, writeFileAtomic } from '../../shared/fs/index.ts';

/** Outcome of one file. */
export type FileOutcome = 'ok' | 'missing' | 'wrong';

/** The SHA-1 (hex) of a file, read as a stream; null when it does not exist. */
export async function sha1OfFile(file: string): Promise<string | null> {
  const hash = createHash('sha1');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  return hash.digest('hex');
}

const verifiedEntrySchema = z.object({ sha1: z.string().regex(/^[0-9a-f]{40}$/), size: z.number().nonnegative(), mtimeMs: z.number() });
const verifiedRecordSchema = z.record(z.string(), verifiedEntrySchema);
type VerifiedEntry = z.output<typeof verifiedEntrySchema>;

/** Files verified by earlier runs, by output path, trusted while size and mtime are unchanged. */
export class VerifiedFiles {
  private constructor(
    private readonly file: string,
    private readonly entries: Map<string, VerifiedEntry>,
  ) {}

  /**
   * Loads the record (empty when there is none, or when it is damaged: it is only a shortcut,
   * and without it every file is hashed again, so nothing is lost).
   */
  static async open(file: string): Promise<VerifiedFiles> {
    let saved: Record<string, VerifiedEntry> | undefined;
    try {
      saved = await readJsonIfExists(file, verifiedRecordSchema);
    } catch (err) {
      if (!(err instanceof SeedbankError)) throw err;
    }
    return new VerifiedFiles(file, new Map(Object.entries(saved ?? {})));
  }

  /** True when `abs` was verified to hold `sha1` and has not changed since. */
  async isVerified(abs: string, sha1: string, size: number): Promise<boolean> {
    const e = this.entries.get(abs);
    if (!e || e.sha1 !== sha1 || e.size !== size) return false;
    const st = await stat(abs).catch(() => null);
    return st !== null && st.size === size && st.mtimeMs === e.mtimeMs;
  }

  /** Records a file just verified. */
  async add(abs: string, sha1: string): Promise<void> {
    const st = await stat(abs);
    this.entries.set(abs, { sha1, size: st.size, mtimeMs: st.mtimeMs });
  }

  /** Writes the record atomically. */
  async save(): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(Object.fromEntries(this.entries)), { mkdir: true });
  }
}
