/**
 * Downloads volumes with the seeder's engine (peers, and web seeds unless turned off) into a
 * Commons-layout store, until every volume is complete, nothing arrives for a while (the
 * stall timeout: no source has the rest), or the caller aborts. The store resumes: pieces
 * already on disk are checked, not fetched again.
 */
import { Seeder } from '../seeder/download-api.ts';
import type { Logger } from '../../shared/log.ts';
import type { Progress } from '../../shared/progress.ts';

/** How often completion and progress are checked. */
const POLL_INTERVAL_MS = 250;
/** A restore needs everything it asks for: no quota of its own (the disk-full pause still holds). */
const NO_QUOTA_BYTES = Number.MAX_SAFE_INTEGER;

export interface VolumeDownloadOptions {
  /** Store folder: files land in STORAGE/commons/a/ab/Name. */
  storage: string;
  /** Torrent bytes by info hash (with the trackers to use). */
  torrents: Map<string, Uint8Array>;
  /** Files to watch for progress (Commons paths and sizes). */
  files: ReadonlyArray<{ path: string; size: number }>;
  webSeeds: boolean;
  stallTimeoutMs: number;
  maxDownloadBytesPerSecond?: number;
  userAgent: string;
  logger: Logger;
  progress?: Progress;
  signal?: AbortSignal;
}

/** What the download reached. */
export interface VolumeDownloadResult {
  /** Commons paths of the watched files that are complete (every piece verified). */
  completePaths: Set<string>;
  volumes: Array<{ infoHash: string; complete: boolean; verifiedBytes: number; totalBytes: number; peers: number }>;
  /** Verified bytes found on disk before downloading (a resumed restore). */
  bytesFoundOnDisk: number;
  /** Bytes received from peers and web seeds. */
  bytesReceived: number;
  /** Why it stopped before completing, null when complete. */
  stopped: 'stalled' | 'aborted' | null;
}

/** Downloads the volumes; always closes the engine (saving resume state) before returning. */
export async function downloadVolumes(o: VolumeDownloadOptions): Promise<VolumeDownloadResult> {
  const seeder = await Seeder.open({
    storage: o.storage,
    quotaBytes: NO_QUOTA_BYTES,
    webSeeds: o.webSeeds,
    maxDownloadBytesPerSecond: o.maxDownloadBytesPerSecond,
    userAgent: o.userAgent,
    logger: o.logger.child({ component: 'restore-download' }),
  });
  const completePaths = new Set<string>();
  const peersSeen = new Map<string, number>();
  let stopped: VolumeDownloadResult['stopped'] = null;
  let bytesFoundOnDisk = 0;
  try {
    for (const [ih, bytes] of o.torrents) await seeder.addVolume(bytes);
    const wanted = new Set(o.torrents.keys());
    const ours = () => seeder.volumes().filter((v) => wanted.has(v.infoHash));
    bytesFoundOnDisk = ours().reduce((s, v) => s + v.verifiedBytes, 0);
    let last = bytesFoundOnDisk;
    let lastChangeAt = Date.now();
    const pending = new Map(o.files.map((f) => [f.path, f.size]));
    for (;;) {
      for (const [p, size] of pending) {
        if (!seeder.isFileComplete(p)) continue;
        pending.delete(p);
        completePaths.add(p);
        o.progress?.tick(1, size);
      }
      const status = ours();
      for (const v of status) peersSeen.set(v.infoHash, Math.max(peersSeen.get(v.infoHash) ?? 0, v.peers));
      if (pending.size === 0 && status.every((v) => v.progress >= 1)) break;
      const verified = status.reduce((s, v) => s + v.verifiedBytes, 0);
      if (verified !== last) {
        last = verified;
        lastChangeAt = Date.now();
      }
      if (o.signal?.aborted) {
        stopped = 'aborted';
        break;
      }
      if (Date.now() - lastChangeAt > o.stallTimeoutMs) {
        stopped = 'stalled';
        o.logger.warn({ pendingFiles: pending.size, stallTimeoutMs: o.stallTimeoutMs }, 'nothing arrived for the stall timeout: no source has the rest');
        break;
      }
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
    }
    const final = ours();
    return {
      completePaths,
      volumes: final.map((v) => ({ infoHash: v.infoHash, complete: v.progress >= 1, verifiedBytes: v.verifiedBytes, totalBytes: v.totalBytes, peers: peersSeen.get(v.infoHash) ?? 0 })),
      bytesFoundOnDisk,
      bytesReceived: final.reduce((s, v) => s + v.receivedBytes, 0),
      stopped,
    };
  } finally {
    await seeder.close();
  }
}
