/** What `seedbank status` and Seeder.volumes() say about one hosted volume. */

/** What a volume is doing. */
export type VolumeActivity = 'checking' | 'downloading' | 'seeding' | 'paused' | 'error';

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
