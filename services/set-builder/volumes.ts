import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assignVolumeIndicesApart } from '../../shared/formats/volume-rule.ts';
import { unportablePathsAt } from '../../shared/formats/portable-name.ts';
import type { ManifestVolume } from '../../shared/formats/manifest.ts';
import type { ManifestHead } from '../../shared/formats/version-manifest.ts';
import type { Logger } from '../../shared/log.ts';
import type { Progress } from '../../shared/progress.ts';
import { createVolumeTorrent, parseVolumeTorrent, type PieceReuse } from '../../shared/torrent/index.ts';
import { FileTable, type FileList, type FileView, type IndexedFiles } from './listing/file-table.ts';
import type { ListedFile } from './listing/listed-file.ts';
import type { SetStore } from './store.ts';

/** A volume as built, with the files it holds in torrent order. */
export interface BuiltVolume {
  volume: ManifestVolume;
  /** A view on the build's file table: records are made one at a time as they are read. */
  files: IndexedFiles;
  /** True when the parent's torrent was reused as it was (no byte read). */
  reused: boolean;
  piecesHashed: number;
}

/**
 * Cuts the files into volumes by the stable rule and writes one torrent per volume into
 * `scratch/volumes/`. Files whose stored names some clients or disks rewrite (see
 * portable-name.ts) go into volumes of their own, so every other volume seeds in place from
 * a Commons tree in any client on any OS. A volume whose file list equals the parent's keeps
 * the parent's torrent byte for byte; one that changed re-hashes only from its first changed
 * file.
 */
export async function buildVolumes(
  store: SetStore,
  setId: string,
  input: FileList,
  parent: Pick<ManifestHead, 'version' | 'volumes' | 'volumeLayout'> | null,
  options: { limitBytes: number; limitFiles?: number; pieceLength: number; trackers: string[]; scratch: string; logger: Logger; progress?: Progress; signal?: AbortSignal },
): Promise<{ volumes: BuiltVolume[]; layout: string[] }> {
  const files = FileTable.from(input);
  const parentLeaves = parent && parent.volumes.every((v) => v.pieceLength === options.pieceLength) ? parent.volumeLayout : null;
  const unportable = unportablePathsAt(files.length, (i) => files.pathAt(i));
  const leaves = assignVolumeIndicesApart(
    { count: files.length, nameOf: (i) => files.nameAt(i), sizeOf: (i) => files.sizeAt(i) },
    options.limitBytes,
    parentLeaves,
    (i) => unportable.has(files.pathAt(i)),
    options.limitFiles,
  );
  if (unportable.size > 0) options.logger.info({ files: unportable.size, example: unportable.keys().next().value }, 'files with unportable names kept in volumes of their own');
  const parentByPrefix = new Map((parent?.volumes ?? []).map((v) => [v.prefix, v]));
  const parentDir = parent ? store.versionDir(setId, parent.version) : null;
  let totalBytes = 0;
  for (let i = 0; i < files.length; i++) totalBytes += files.sizeAt(i);
  options.progress?.setTotal(files.length, totalBytes);

  const built: BuiltVolume[] = [];
  for (const leaf of leaves) {
    if (leaf.members.length === 0) continue;
    const ordered = files.view(inVolumeOrder(files, leaf.members));
    const old = parentByPrefix.get(leaf.prefix);
    const oldTorrent = old && parentDir ? await readFile(path.join(parentDir, old.torrent)).catch(() => null) : null;
    const oldParsed = oldTorrent ? parseVolumeTorrent(oldTorrent) : null;
    const uploadBase = ordered.at(0)!.uploadBase;
    const torrentName = (ih: string) => `volumes/${ih}.torrent`;

    if (oldParsed && oldTorrent && sameFiles(oldParsed.files, ordered) && oldParsed.pieceLength === options.pieceLength) {
      await writeFile(path.join(options.scratch, torrentName(oldParsed.infoHash)), oldTorrent);
      built.push({ volume: { ...old!, torrent: torrentName(oldParsed.infoHash), portable: leaf.portable }, files: ordered, reused: true, piecesHashed: 0 });
      let bytes = 0;
      for (let k = 0; k < ordered.length; k++) bytes += ordered.sizeAt(k);
      options.progress?.tick(ordered.length, bytes);
      continue;
    }
    const reuse: PieceReuse | undefined = oldParsed
      ? { files: oldParsed.files.map((f) => ({ path: f.path, length: f.length, sha1Hex: f.sha1Hex })), pieces: oldParsed.pieces, pieceLength: oldParsed.pieceLength }
      : undefined;
    let lastBytes = 0;
    const result = await createVolumeTorrent({
      files: Array.from(ordered, (f) => ({ path: f.path, length: f.size, absPath: store.mediaPath(f.path), sha1Hex: f.sha1 })),
      pieceLength: options.pieceLength,
      urlList: [uploadBase],
      announce: options.trackers,
      reuse,
      signal: options.signal,
      onProgress: (hashed) => {
        options.progress?.tick(0, hashed - lastBytes);
        lastBytes = hashed;
      },
    });
    options.progress?.tick(ordered.length, 0);
    await writeFile(path.join(options.scratch, torrentName(result.infoHash)), result.torrent);
    options.logger.debug({ prefix: leaf.prefix, infoHash: result.infoHash, hashed: result.piecesHashed, reused: result.piecesReused }, 'volume hashed');
    built.push({
      volume: {
        infoHash: result.infoHash,
        prefix: leaf.prefix,
        pieceLength: options.pieceLength,
        pieces: result.pieces.length / 20,
        size: result.totalBytes,
        files: ordered.length,
        torrent: torrentName(result.infoHash),
        portable: leaf.portable,
      },
      files: ordered,
      reused: false,
      piecesHashed: result.piecesHashed,
    });
  }
  return { volumes: built, layout: leaves.map((l) => l.prefix) };
}

/** Upload time, then title: a new version of a volume mostly appends, so its head pieces stay. */
export function volumeOrder(a: ListedFile, b: ListedFile): number {
  if (a.uploadTimestamp !== b.uploadTimestamp) return a.uploadTimestamp < b.uploadTimestamp ? -1 : 1;
  return a.title < b.title ? -1 : a.title > b.title ? 1 : 0;
}

/** The members' positions in {@link volumeOrder}, keys read once per file rather than once per comparison. */
function inVolumeOrder(files: IndexedFiles, members: number[]): number[] {
  const times = members.map((i) => files.uploadTimestampAt(i));
  const titles = members.map((i) => files.titleAt(i));
  const order = members.map((_, k) => k);
  order.sort((a, b) => {
    if (times[a] !== times[b]) return times[a]! < times[b]! ? -1 : 1;
    return titles[a]! < titles[b]! ? -1 : titles[a]! > titles[b]! ? 1 : 0;
  });
  return order.map((k) => members[k]!);
}

function sameFiles(old: Array<{ path: string; length: number; sha1Hex?: string }>, next: FileView): boolean {
  if (old.length !== next.length) return false;
  let i = 0;
  for (const f of next) {
    const o = old[i++]!;
    if (o.path !== f.path || o.length !== f.size || o.sha1Hex !== f.sha1) return false;
  }
  return true;
}
