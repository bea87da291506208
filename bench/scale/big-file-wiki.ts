// One file of any size (up to Commons' 5 GiB and past it) in a real MediaWiki, quickly: the
// bytes are a 1 MiB random block with each MiB's first 8 bytes replaced by its index (so no
// two pieces are alike), written 16 MiB at a time straight into the upload folder and hashed
// on the way (see addBigFile for how MediaWiki learns of it); the API must report the same
// SHA-1 and size. The file is an Ogg container by its first bytes (core MediaWiki has
// no Ogg handler, so nothing tries to decode 5 GiB); the wiki need not render it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { imageInfos } from '../../deploy/local/wiki/wiki-api.ts';
import { commonsPath, fileNameFromTitle } from '../../shared/commons-path.ts';
import { hexToBase36Sha1 } from '../../shared/dumps/base36-sha1.ts';

const MiB = 1024 * 1024;
/** Bytes per write: large writes, few system calls. */
const WRITE_CHUNK = 16 * MiB;
/** An Ogg page's capture pattern, so MediaWiki types the file application/ogg by its content. */
const OGG_MAGIC = Buffer.from('OggS');
/** importImages.php of the small stand-in, runJobs.php, sql.php. */
const IMPORT_TIMEOUT_MS = 120_000;

/** The big file as the wiki holds it. */
export interface BigWikiFile {
  title: string;
  name: string;
  size: number;
  sha1: string;
  category: string;
  /** Milliseconds: writing the bytes, importImages.php + runJobs.php of the stand-in, the row update and API check. */
  timings: { generateMs: number; importMs: number; checkMs: number };
}

/** Writes SIZE bytes to `file` (1 MiB random block, each MiB numbered) and returns their SHA-1. */
export async function writeBigFile(file: string, size: number): Promise<string> {
  const block = randomBytes(MiB);
  const chunk = Buffer.alloc(WRITE_CHUNK);
  for (let off = 0; off < WRITE_CHUNK; off += MiB) block.copy(chunk, off);
  const hash = createHash('sha1');
  const fh = await open(file, 'w');
  try {
    for (let pos = 0; pos < size; pos += WRITE_CHUNK) {
      const len = Math.min(WRITE_CHUNK, size - pos);
      // Number every MiB by its index in the file (a 64-bit counter: sizes past 4 GiB stay distinct).
      for (let off = 0; off < len; off += MiB) chunk.writeBigUInt64LE(BigInt((pos + off) / MiB), off);
      if (pos === 0) OGG_MAGIC.copy(chunk, 0);
      const part = chunk.subarray(0, len);
      hash.update(part);
      await fh.write(part, 0, len, pos);
    }
  } finally {
    await fh.close();
  }
  return hash.digest('hex');
}

/**
 * Puts one generated file of `size` bytes into the wiki, in `category`, and checks it through
 * the API. importImages.php takes a small stand-in (it makes the page, the image row, the
 * category link and the upload log entry the MediaWiki way); the big bytes are then written
 * straight over the stand-in in the upload folder and the image row's size and SHA-1 set in
 * one statement. importImages.php cannot take the big file itself: MediaWiki 1.39's file
 * backend refuses anything over 4 GiB ($maxFileSize in FileBackendStore, not configurable),
 * and it would copy and hash the bytes twice more.
 */
export async function addBigFile(wiki: Wiki, o: { size: number; category: string; name: string }): Promise<BigWikiFile> {
  const dir = path.join(wiki.dir, 'big-file-import');
  await mkdir(dir, { recursive: true });
  const t0 = performance.now();
  const standIn = path.join(dir, o.name);
  await writeFile(standIn, Buffer.concat([OGG_MAGIC, randomBytes(1024)]));
  await writeFile(`${standIn}.txt`, `A generated file of ${o.size} bytes for the big-file benchmark.\n{{cc-by-sa-4.0}}\n[[Category:${o.category}]]\n`);
  const { stdout } = await wiki.php('importImages.php', ['--comment-ext=txt', `--user=${wiki.adminUser}`, '--extensions=ogg', dir], { timeoutMs: IMPORT_TIMEOUT_MS });
  if (/failed|error/i.test(stdout)) throw new Error(`importImages.php did not take the stand-in of ${o.name}:\n${stdout.slice(-3000)}`);
  await rm(dir, { recursive: true, force: true });
  await wiki.php('runJobs.php', [], { timeoutMs: IMPORT_TIMEOUT_MS });
  const t1 = performance.now();

  const dbName = fileNameFromTitle(`File:${o.name}`);
  const onDisk = path.join(wiki.uploadDir, ...commonsPath(dbName).split('/'));
  const partial = `${onDisk}.writing`;
  const sha1 = await writeBigFile(partial, o.size);
  await rename(partial, onDisk);
  const t2 = performance.now();
  const sql = `UPDATE image SET img_size = ${o.size}, img_sha1 = '${hexToBase36Sha1(sha1)}' WHERE img_name = '${dbName.replace(/'/g, "''")}'`;
  await wiki.php('sql.php', ['--query', sql], { timeoutMs: IMPORT_TIMEOUT_MS });

  const title = `File:${o.name}`;
  const info = (await imageInfos(wiki.apiUrl, [title], { text: false })).get(title);
  if (!info || info.missing || info.sha1 !== sha1 || info.size !== o.size) {
    throw new Error(`the wiki's API does not report ${title} as generated (SHA-1 ${sha1}, ${o.size} bytes): ${JSON.stringify(info)}`);
  }
  return { title, name: o.name, size: o.size, sha1, category: o.category, timings: { generateMs: t2 - t1, importMs: t1 - t0, checkMs: performance.now() - t2 } };
}
