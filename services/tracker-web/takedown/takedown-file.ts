import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from '../../../shared/errors.ts';
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
  try {
    return takedownListSchema.parse(JSON.parse(await readFile(path.join(dataDir, TAKEDOWN_FILE), 'utf8')));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new SeedbankError('TAKEDOWN_CORRUPT', `${path.join(dataDir, TAKEDOWN_FILE)} is not a valid takedown list`, { hint: 'restore it from a backup', cause: err });
    }
    return signTakedownList(await catalogueKey(dataDir), [], 0, now);
  }
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
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, TAKEDOWN_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  await rename(`${file}.tmp`, file);
  return next;
}
