import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { assignVolumesApart } from '../../shared/formats/volume-rule.ts';
import { unportablePaths } from '../../shared/formats/portable-name.ts';
import type { ManifestVolume } from '../../shared/formats/manifest.ts';
import type { ManifestHead } from '../../shared/formats/version-manifest.ts';
import type { Logger } from '../../shared/log.ts';
import type { Progress } from '../../shared/progress.ts';
import { createVolumeTorrent, parseVolumeTorrent, type PieceReuse } from '../../shared/torrent/index.ts';
import type { ListedFile } from './listing/listed-file.ts';
import type { SetStore } from './store.ts';

/** A volume as built, with the files it holds in torrent order. */
export interface BuiltVolume {
  volume: ManifestVolume;
  files: ListedFile[];
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
  files: ListedFile[],
  parent: Pick<ManifestHead, 'version' | 'volumes' | 'volumeLayout'> | null,
  options: { limitBytes: number; limitFiles?: number; pieceLength: number; trackers: string[]; scratch: string; logger: Logger; progress?: Progress; signal?: AbortSignal },
): Promise<{ volumes: BuiltVolume[]; layout: string[] }> {
  const parentLeaves = parent && parent.volumes.every((v) => v.pieceLength === options.pieceLength) ? parent.volumeLayout : null;
  const unportable = unportablePaths(files.map((f) => f.path));
  const leaves = assignVolumesApart(files, options.limitBytes, parentLeaves, (f) => unportable.has(f.path), options.limitFiles);
  if (unportable.size > 0) options.logger.info({ files: unportable.size, example: unportable.keys().next().value }, 'files with unportable names kept in volumes of their own');
  const parentByPrefix = new Map((parent?.volumes ?? []).map((v) => [v.prefix, v]));
  const parentDir = parent ? store.versionDir(setId, parent.version) : null;
  const totalBytes = files.reduce((s, f) => s + f.size, 0);
  options.progress?.setTotal(files.length, totalBytes);

  const built: BuiltVolume[] = [];
  for (const leaf of leaves) {
    if (leaf.files.length === 0) continue;
    const ordered = [...leaf.files].sort(volumeOrder);
    const old = parentByPrefix.get(leaf.prefix);
    const oldTorrent = old && parentDir ? await readFile(path.join(parentDir, old.torrent)).catch(() => null) : null;
    const oldParsed = oldTorrent ? parseVolumeTorrent(oldTorrent) : null;
    const uploadBase = ordered[0]!.uploadBase;
    const torrentName = (ih: string) => `volumes/${ih}.torrent`;

    if (oldParsed && oldTorrent && sameFiles(oldParsed.files, ordered) && oldParsed.pieceLength === options.pieceLength) {
      await writeFile(path.join(options.scratch, torrentName(oldParsed.infoHash)), oldTorrent);
      built.push({ volume: { ...old!, torrent: torrentName(oldParsed.infoHash), portable: leaf.portable }, files: ordered, reused: true, piecesHashed: 0 });
      options.progress?.tick(ordered.length, ordered.reduce((s, f) => s + f.size, 0));
      continue;
    }
    const reuse: PieceReuse | undefined = oldParsed
      ? { files: oldParsed.files.map((f) => ({ path: f.path, length: f.length, sha1Hex: f.sha1Hex })), pieces: oldParsed.pieces, pieceLength: oldParsed.pieceLength }
      : undefined;
    let lastBytes = 0;
    const result = await createVolumeTorrent({
      files: ordered.map((f) => ({ path: f.path, length: f.size, absPath: store.mediaPath(f.path), sha1Hex: f.sha1 })),
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

function sameFiles(old: Array<{ path: string; length: number; sha1Hex?: string }>, next: ListedFile[]): boolean {
  return old.length === next.length && old.every((f, i) => f.path === next[i]!.path && f.length === next[i]!.size && f.sha1Hex === next[i]!.sha1);
}
