import path from 'node:path';
import { SeedbankError } from '../../../shared/errors.ts';
import { readJsonIfExists, writeFileAtomic } from '../../../shared/fs/index.ts';
import { signTakedownList, takedownListSchema, type TakedownEntry, type TakedownList } from '../../../shared/formats/takedown.ts';
import { loadOrCreateSetKey, type SetKey } from '../../../shared/signing.ts';

/** The catalogue's own signing key (takedown lists), beside the data. */
export const CATALOGUE_KEY_NAME = 'catalogue';
const TAKEDOWN_FILE = 'takedown.json';

/** The catalogue's key: created on first use, mode 0600, in DATA/keys/. */
export function catalogueKey(dataDir: string): Promise<SetKey> {
  return loadOrCreateSetKey(path.join(dataDir, 'keys'), CATALOGUE_KEY_NAME);
}

/** The current signed takedown list; an empty signed one when none was ever written. */
export async function readTakedownList(dataDir: string, now = new Date()): Promise<TakedownList> {
  const file = path.join(dataDir, TAKEDOWN_FILE);
  let saved: TakedownList | undefined;
  try {
    saved = await readJsonIfExists(file, takedownListSchema);
  } catch (err) {
    // Never start a fresh list over a damaged one: that would un-take-down every file on it.
    if (!(err instanceof SeedbankError)) throw err;
    throw new SeedbankError('TAKEDOWN_CORRUPT', `${file} is not a valid takedown list: ${err.message}`, { hint: 'restore it from a backup', context: { file }, cause: err });
  }
  return saved ?? signTakedownList(await catalogueKey(dataDir), [], 0, now);
}

/** Adds or removes entries and re-signs the list with a higher serial, written atomically. */
export async function updateTakedownList(dataDir: string, change: { add?: TakedownEntry; removeSha1?: string }, now = new Date()): Promise<TakedownList> {
  const current = await readTakedownList(dataDir, now);
  let entries = current.entries.filter((e) => e.sha1 !== change.add?.sha1);
  if (change.add) entries.push(change.add);
  if (change.removeSha1) {
    const before = entries.length;
    entries = entries.filter((e) => e.sha1 !== change.removeSha1);
    if (entries.length === before) throw new SeedbankError('TAKEDOWN_NOT_LISTED', `${change.removeSha1} is not on the takedown list`);
  }
  const next = signTakedownList(await catalogueKey(dataDir), entries, current.serial + 1, now);
  await writeFileAtomic(path.join(dataDir, TAKEDOWN_FILE), `${JSON.stringify(next, null, 2)}\n`, { mkdir: true });
  return next;
}
