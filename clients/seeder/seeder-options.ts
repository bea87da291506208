/** The seeder's settings, its state as a whole, and why downloading may be stopped. */
import type { Logger } from '../../shared/log.ts';
import type { VolumeStatus } from './volume-status.ts';

/** Settings of a seeder; everything but `storage` and `quotaBytes` has a default. */
export interface SeederOptions {
  /** The storage folder: STORAGE/commons is the mirror tree, STORAGE/.seedbank the bookkeeping. */
  storage: string;
  /** Never use more disk than this (planned when a volume is added, measured while running). */
  quotaBytes: number;
  /** TCP port for peers (default 0: any free port). */
  torrentPort?: number;
  /** Address the peer port listens on (default every interface; 127.0.0.1 in tests). */
  torrentHost?: string;
  /** Bytes per second; 0 or undefined means no limit. */
  maxDownloadBytesPerSecond?: number;
  maxUploadBytesPerSecond?: number;
  /** Download from the torrents' url-list (default true). */
  webSeeds?: boolean;
  /** Concurrent requests to one web seed host (default 2, Wikimedia's robot policy). */
  webSeedConnectionsPerHost?: number;
  /** Bytes per second from all web seeds together (default 25 Mbit/s, Wikimedia's robot policy); 0 = no cap. */
  webSeedMaxBytesPerSecond?: number;
  /** Announce to the torrents' trackers (default true). */
  trackers?: boolean;
  /** Peer exchange (default true). */
  pex?: boolean;
  /** The BitTorrent DHT (peers, BEP 44 pointers); default off. Bootstrap omitted: the library's public routers. */
  dht?: false | { bootstrap?: string[]; port?: number };
  /** Files kept open at once (default 64). */
  maxOpenFiles?: number;
  maxPeerConnections?: number;
  /** User-Agent for web seed and tracker requests, from shared/http/user-agent.ts with the operator's contact. */
  userAgent?: string;
  housekeepingIntervalMs?: number;
  logger?: Logger;
  /**
   * Called whenever the status changed: bytes written, a volume's state, a disk walk. Often
   * (every piece written): the caller bounds how often it acts on it (see StatusWriter).
   */
  onChange?: () => void;
}

/** Why downloading is stopped. */
export interface PauseReason {
  kind: 'disk-full' | 'quota' | 'write-error';
  message: string;
}

/** One socket the seeder listens on, and what for. */
export interface Listener {
  protocol: 'tcp' | 'udp';
  /** The bound address ('::' or '0.0.0.0': every interface). */
  address: string;
  port: number;
  /** peers: BitTorrent peers (the seed server); dht: the BitTorrent DHT; http-mirror: the tree over HTTP. */
  purpose: 'peers' | 'dht' | 'http-mirror';
}

/** The seeder's state as a whole (the status file's content). */
export interface SeederStatus {
  storage: string;
  /** The operator key (64 hex) this seeder proves to a census. */
  operatorKey: string;
  port: number;
  /** Every port this seeder listens on, and what for (nothing else is open). */
  listening: Listener[];
  quotaBytes: number;
  /** Measured use of the storage folder: writes counted as they land, corrected by walks of the tree. */
  diskUseBytes: number;
  /** When the tree was last walked (ms since the epoch; 0: not yet). */
  diskWalkedAt?: number;
  freeBytes: number;
  downloading: boolean;
  pausedBecause?: string;
  downloadBytesPerSecond: number;
  uploadBytesPerSecond: number;
  openFiles: number;
  volumes: VolumeStatus[];
}
