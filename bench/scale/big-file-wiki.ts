// One file of any size (up to Commons' 5 GiB and past it) in a real MediaWiki, quickly: the
// bytes are a 1 MiB random block with each MiB's first 8 bytes replaced by its index (so no
// two pieces are alike), written 16 MiB at a time and hashed on the way; MediaWiki's own
// importImages.php then puts it in the upload folder and its tables, and the API must report
// the same SHA-1 and size. The file is an Ogg container by its first bytes (core MediaWiki has
// no Ogg handler, so nothing tries to decode 5 GiB); the wiki need not render it.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Wiki } from '../../deploy/local/wiki/mediawiki.ts';
import { imageInfos } from '../../deploy/local/wiki/wiki-api.ts';

const MiB = 1024 * 1024;
/** Bytes per write: large writes, few system calls. */
const WRITE_CHUNK = 16 * MiB;
/** An Ogg page's capture pattern, so MediaWiki types the file application/ogg by its content. */
const OGG_MAGIC = Buffer.from('OggS');
/** importImages.php hashes and copies the file: about 3 passes over it, at disk speed or slower. */
const IMPORT_MIN_BYTES_PER_S = 20 * 1e6;

/** The big file as the wiki holds it. */
export interface BigWikiFile {
  title: string;
  name: string;
  size: number;
  sha1: string;
  category: string;
  /** Milliseconds: writing the bytes, importImages.php + runJobs.php, the API check. */
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

/** Puts one generated file of `size` bytes into the wiki, in `category`, and checks it through the API. */
export async function addBigFile(wiki: Wiki, o: { size: number; category: string; name: string }): Promise<BigWikiFile> {
  const dir = path.join(wiki.dir, 'big-file-import');
  await mkdir(dir, { recursive: true });
  const source = path.join(dir, o.name);
  const t0 = performance.now();
  const sha1 = await writeBigFile(source, o.size);
  await writeFile(`${source}.txt`, `A generated file of ${o.size} bytes for the big-file benchmark.\n{{cc-by-sa-4.0}}\n[[Category:${o.category}]]\n`);
  const t1 = performance.now();
  const timeoutMs = 120_000 + Math.ceil((o.size / IMPORT_MIN_BYTES_PER_S) * 1000);
  const { stdout } = await wiki.php('importImages.php', ['--comment-ext=txt', `--user=${wiki.adminUser}`, '--extensions=ogg', dir], { timeoutMs });
  if (/failed|error/i.test(stdout)) throw new Error(`importImages.php did not take the ${o.size}-byte file:\n${stdout.slice(-3000)}`);
  await rm(dir, { recursive: true, force: true }); // the wiki holds its own copy now
  await wiki.php('runJobs.php', [], { timeoutMs: 120_000 });
  const t2 = performance.now();
  const title = `File:${o.name}`;
  const info = (await imageInfos(wiki.apiUrl, [title], { text: false })).get(title);
  if (!info || info.missing || info.sha1 !== sha1 || info.size !== o.size) {
    throw new Error(`the wiki's API does not report ${title} as generated (SHA-1 ${sha1}, ${o.size} bytes): ${JSON.stringify(info)}\n${stdout.slice(-2000)}`);
  }
  return { title, name: o.name, size: o.size, sha1, category: o.category, timings: { generateMs: t1 - t0, importMs: t2 - t1, checkMs: performance.now() - t2 } };
}
