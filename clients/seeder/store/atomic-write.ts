import { open, rename, unlink } from 'node:fs/promises';

let counter = 0;

/**
 * Writes a file so that readers (and a restart after kill -9 or power loss) see either the old
 * or the new content, never a mix: write a temporary file, fsync it, rename it over the old one.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${counter++}`;
  const h = await open(tmp, 'w', 0o644);
  try {
    await h.writeFile(data);
    await h.sync();
  } catch (err) {
    await h.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await h.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}
