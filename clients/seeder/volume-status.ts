/** What `seedbank status` and Seeder.volumes() say about one hosted volume. */

import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import type { VolumeState } from './volume-lifecycle.ts';

/** What a volume is doing: its lifecycle state ('new' shows as 'checking'). */
export type VolumeActivity = Exclude<VolumeState, 'new'>;

/** A volume as shown in `seedbank status` and `Seeder.volumes()`. */
export interface VolumeStatus {
  infoHash: string;
  activity: VolumeActivity;
  files: number;
  totalBytes: number;
  verifiedBytes: number;
  /** verifiedBytes / totalBytes, from the verified pieces (right also for files ending on a piece boundary). */
  progress: number;
  peers: number;
  webSeeds: number;
  downloadBytesPerSecond: number;
  uploadBytesPerSecond: number;
  /** Bytes received from peers and web seeds since start (bad pieces included). */
  receivedBytes: number;
  uploadedBytes: number;
  webSeedBytes: number;
  /** Allocated bytes of this volume's files (shared files count in each volume). */
  bytesOnDisk: number;
  error?: string;
  lastScrubAt?: string;
  /** ISO time the volume was first hosted (auto mode keeps volumes a minimum time). */
  addedAt: string;
  /** Pieces never downloaded again because they hold taken-down files. */
  blockedPieces: number;
  /** Who holds it: webtorrent (pieces missing) or the seed server (every wanted piece here). */
  engine: 'webtorrent' | 'seed-server';
}

/** What the status line reads from a volume itself. */
export interface StatusSource {
  readonly infoHash: string;
  readonly parsed: ParsedVolumeTorrent;
  readonly layout: { readonly files: readonly unknown[] };
  readonly error: string | null;
  readonly lastScrubAt?: string;
  readonly addedAt: string;
  readonly blocked: ReadonlySet<number>;
  readonly webSeedBytes: number;
  readonly bytesOnDisk: number;
  verifiedBytes(): number;
}

/** What the status line reads from the volume's state and engines. */
export type StatusLive = Pick<VolumeStatus, 'activity' | 'engine' | 'peers' | 'webSeeds' | 'downloadBytesPerSecond' | 'uploadBytesPerSecond' | 'receivedBytes' | 'uploadedBytes'>;

/** Builds one volume's status line (rates rounded to whole bytes per second). */
export function volumeStatus(v: StatusSource, live: StatusLive): VolumeStatus {
  const verifiedBytes = v.verifiedBytes();
  const total = v.parsed.totalBytes;
  return {
    infoHash: v.infoHash,
    activity: live.activity,
    files: v.layout.files.length,
    totalBytes: total,
    verifiedBytes,
    progress: total === 0 ? 1 : verifiedBytes / total,
    peers: live.peers,
    webSeeds: live.webSeeds,
    downloadBytesPerSecond: Math.round(live.downloadBytesPerSecond),
    uploadBytesPerSecond: Math.round(live.uploadBytesPerSecond),
    receivedBytes: live.receivedBytes,
    uploadedBytes: live.uploadedBytes,
    webSeedBytes: v.webSeedBytes,
    bytesOnDisk: v.bytesOnDisk,
    ...(v.error ? { error: v.error } : {}),
    ...(v.lastScrubAt ? { lastScrubAt: v.lastScrubAt } : {}),
    addedAt: v.addedAt,
    blockedPieces: v.blocked.size,
    engine: live.engine,
  };
}
