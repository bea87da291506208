import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { sha256Hex } from '../../shared/canonical-json.ts';
import { SeedbankError } from '../../shared/errors.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { checkPartFile } from '../../shared/formats/split-manifest.ts';
import { collect, versionManifestOf, type VersionManifest } from '../../shared/formats/version-manifest.ts';
import { checkManifestSignature } from '../../shared/formats/signature.ts';
import { pointerSchema, verifyPointer } from '../../shared/formats/pointer.ts';
import type { Progress } from '../../shared/progress.ts';
import { hashPieces, parseVolumeTorrent, SHA1_BYTES } from '../../shared/torrent/index.ts';
import { SetStore } from './store.ts';

/** Files whose whole-file SHA-1 is computed at once: enough to keep a disk busy. */
const FILE_HASH_CONCURRENCY = 2;

/** One thing that does not match. */
export interface VerifyProblem {
  kind: 'signature' | 'pages' | 'list' | 'pointer' | 'torrent' | 'missing' | 'size' | 'sha1' | 'piece';
  subject: string;
  detail: string;
}

/** What a verification found. */
export interface VerifyReport {
  setId: string;
  version: number;
  files: number;
  bytes: number;
  piecesChecked: number;
  /** Files whose current bytes were superseded by a later re-upload and were found in the archive. */
  archived: number;
  problems: VerifyProblem[];
}

/**
 * Re-hashes a version against its manifest and torrents: the signature, the pages
 * archive (or, in a split version, every list, pages archive and the change lists against the
 * signed top manifest), the pointer, each volume's file list, every file's SHA-1 and every
 * piece. Works volume by volume, so a split version of any size is checked in bounded memory.
 */
export async function verifyVersion(versionDir: string, options: { progress?: Progress } = {}): Promise<VerifyReport> {
  const dir = path.resolve(versionDir);
  const dataDir = path.resolve(dir, '..', '..', '..');
  const store = new SetStore(dataDir);
  const read = (name: string) => readFile(path.join(dir, name));
  let manifestText: string;
  try {
    manifestText = (await read('manifest.json')).toString('utf8');
  } catch {
    throw new SeedbankError('VERSION_FOLDER_INVALID', `${dir} has no manifest.json`, { hint: 'give a version folder such as DATA/sets/paris/v1' });
  }
  const manifest: VersionManifest = versionManifestOf(manifestText, dir, path.join(dir, 'manifest.json'));
  const head = manifest.head;
  const problems: VerifyProblem[] = [];
  const report: VerifyReport = { setId: head.set.id, version: head.version, files: head.totals.files, bytes: head.totals.bytes, piecesChecked: 0, archived: 0, problems };

  const sigProblem = checkManifestSignature(manifestText, (await read('manifest.sig').catch(() => Buffer.from(''))).toString('utf8'), head.set.publicKey);
  if (sigProblem) problems.push({ kind: 'signature', subject: 'manifest.sig', detail: sigProblem });
  if (manifest.whole) {
    const pagesRef = manifest.whole.pages;
    const pages = await read(pagesRef.file).catch(() => null);
    if (!pages || sha256Hex(pages) !== pagesRef.sha256) problems.push({ kind: 'pages', subject: pagesRef.file, detail: pages ? 'SHA-256 differs from the manifest' : 'missing' });
  } else {
    const split = manifest.split!;
    for (const ref of [split.changes.list, ...split.volumes.map((v) => v.pages)]) {
      const problem = await checkPartFile(dir, ref);
      if (problem) problems.push({ kind: 'pages', subject: ref.file, detail: problem });
    }
  }
  try {
    const pointer = pointerSchema.parse(JSON.parse((await read('pointer.json')).toString('utf8')));
    if (!verifyPointer(pointer) || pointer.k !== head.set.publicKey || pointer.seq !== head.version) {
      problems.push({ kind: 'pointer', subject: 'pointer.json', detail: 'signature, key or version does not match' });
    }
  } catch {
    problems.push({ kind: 'pointer', subject: 'pointer.json', detail: 'missing or malformed' });
  }

  options.progress?.setTotal(head.totals.files, head.totals.bytes);
  for (const volume of head.volumes) {
    let expected: ManifestFile[];
    try {
      expected = await collect(manifest.filesOf(volume.infoHash));
    } catch (err) {
      problems.push({ kind: 'list', subject: manifest.split?.volumes.find((v) => v.infoHash === volume.infoHash)?.list.file ?? volume.infoHash, detail: (err as Error).message });
      continue;
    }
    const located = await locateFiles(store, expected, problems, options.progress);
    report.archived += [...located.values()].filter((l) => l.archived).length;
    const torrentBytes = await read(volume.torrent).catch(() => null);
    if (!torrentBytes) {
      problems.push({ kind: 'torrent', subject: volume.torrent, detail: 'missing' });
      continue;
    }
    const torrent = parseVolumeTorrent(torrentBytes);
    const listed = new Map(torrent.files.map((f) => [f.path, f]));
    if (torrent.infoHash !== volume.infoHash) problems.push({ kind: 'torrent', subject: volume.torrent, detail: `info hash is ${torrent.infoHash}` });
    if (torrent.files.length !== expected.length || expected.some((f) => listed.get(f.path)?.length !== f.size || (listed.get(f.path)?.sha1Hex ?? f.sha1) !== f.sha1)) {
      problems.push({ kind: 'torrent', subject: volume.torrent, detail: 'its file list differs from the manifest' });
      continue;
    }
    if (torrent.files.some((f) => !located.get(f.path)?.ok)) continue; // already reported per file
    const result = await hashPieces({
      files: torrent.files.map((f) => ({ path: f.path, length: f.length, absPath: located.get(f.path)!.absPath })),
      pieceLength: torrent.pieceLength,
    });
    report.piecesChecked += result.pieces.length / SHA1_BYTES;
    for (let i = 0; i * SHA1_BYTES < result.pieces.length; i++) {
      const a = result.pieces.subarray(i * SHA1_BYTES, (i + 1) * SHA1_BYTES);
      const b = torrent.pieces.subarray(i * SHA1_BYTES, (i + 1) * SHA1_BYTES);
      if (!a.equals(b)) {
        const start = i * torrent.pieceLength;
        const inPiece = torrent.files.filter((f) => f.offset < start + torrent.pieceLength && f.offset + f.length > start).map((f) => f.path);
        problems.push({ kind: 'piece', subject: `${volume.infoHash} piece ${i}`, detail: `does not match; covers ${inPiece.join(', ')}` });
      }
    }
  }
  return report;
}

interface Located {
  absPath: string;
  ok: boolean;
  archived: boolean;
}

async function locateFiles(store: SetStore, files: ManifestFile[], problems: VerifyProblem[], progress?: Progress): Promise<Map<string, Located>> {
  const out = new Map<string, Located>();
  let next = 0;
  const worker = async () => {
    while (next < files.length) {
      const f = files[next++]!;
      const candidates = [{ p: store.mediaPath(f.path), archived: false }, { p: store.archivePath(f.path, f.uploadTimestamp), archived: true }];
      let found: Located | null = null;
      let lastProblem: VerifyProblem | null = null;
      for (const c of candidates) {
        const size = await stat(c.p).then((s) => s.size).catch(() => null);
        if (size === null) continue;
        if (size !== f.size) {
          lastProblem = { kind: 'size', subject: f.title, detail: `${size} bytes on disk, ${f.size} in the manifest` };
          continue;
        }
        const sha1 = await sha1File(c.p);
        if (sha1 === f.sha1) {
          found = { absPath: c.p, ok: true, archived: c.archived };
          break;
        }
        lastProblem = { kind: 'sha1', subject: f.title, detail: `SHA-1 ${sha1} on disk, ${f.sha1} in the manifest` };
      }
      if (found) out.set(f.path, found);
      else {
        out.set(f.path, { absPath: store.mediaPath(f.path), ok: false, archived: false });
        problems.push(lastProblem ?? { kind: 'missing', subject: f.title, detail: `not found at ${store.mediaPath(f.path)}` });
      }
      progress?.tick(1, f.size);
    }
  };
  await Promise.all(Array.from({ length: FILE_HASH_CONCURRENCY }, worker));
  return out;
}

/** The hex SHA-1 of a file, streamed. */
export async function sha1File(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
