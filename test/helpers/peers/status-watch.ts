/**
 * Waits on the seeder's status file as it is rewritten (an fs.watch on its folder: the file is
 * replaced by a rename), not on a timer, so a test can measure how soon the status says what
 * happened.
 */
import { watch } from 'node:fs/promises';
import path from 'node:path';
import { readStatus, statusPath, type StatusRecord } from '../../../clients/seeder/status-file.ts';

/** A status that passed the check, and when it was seen (ms since the epoch). */
export interface SeenStatus {
  status: StatusRecord;
  at: number;
}

/**
 * Resolves with the first status of `storage` that passes `check`, read at every change of the
 * status folder (the folder must exist); fails after `timeoutMs` saying what did not happen
 * and the last status seen.
 */
export async function watchStatus(storage: string, what: string, check: (s: StatusRecord) => boolean, timeoutMs: number): Promise<SeenStatus> {
  const dir = path.dirname(statusPath(storage));
  const signal = AbortSignal.timeout(timeoutMs);
  let last: StatusRecord | null = null;
  const look = async (): Promise<SeenStatus | null> => {
    const at = Date.now();
    // A rename can be seen before the new file is complete on some systems: a failed read waits for the next event.
    last = (await readStatus(storage).catch(() => null)) ?? last;
    return last && check(last) ? { status: last, at } : null;
  };
  try {
    const watcher = watch(dir, { signal });
    const first = await look();
    if (first) return first;
    for await (const _event of watcher) {
      const seen = await look();
      if (seen) return seen;
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for the status file to show ${what}; last status: ${JSON.stringify(last)}`);
}
