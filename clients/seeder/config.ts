/**
 * The seeder's configuration as one typed value, parsed from flags at the edge. What to host
 * is a `source`: today a list of .torrent files; next, a catalogue to follow (named sets,
 * tags, or auto mode picking the most at-risk volumes that fit the quota).
 */
import { InvalidArgumentError } from 'commander';
import { parseSize } from '../../shared/units.ts';
import { DEFAULT_CONNECTIONS_PER_HOST } from './web-seed/host-limiter.ts';

const BITS_PER_BYTE = 8;
/** Default share of each volume's pieces re-hashed per scrub run. */
export const DEFAULT_SCRUB_SHARE = 0.02;
/** Default time between scrub runs: with 2 % per hour, everything is re-read about every two days. */
export const DEFAULT_SCRUB_INTERVAL_MS = 60 * 60 * 1000;

/** What the seeder hosts. */
export type SeederSource =
  | { kind: 'torrents'; files: string[] }
  | { kind: 'catalogue'; url: string; sets: string[]; tags: string[]; auto: boolean };

/** Everything `seedbank seed` needs. */
export interface SeedConfig {
  storage: string;
  quotaBytes: number;
  source: SeederSource;
  /** Peer port; 0 = any free port. */
  torrentPort: number;
  /** HTTP mirror port, when serving the tree. */
  httpPort?: number;
  httpHost?: string;
  /** Bytes per second; 0 = no limit. */
  maxDownloadBytesPerSecond: number;
  maxUploadBytesPerSecond: number;
  webSeeds: boolean;
  webSeedConnectionsPerHost: number;
  scrubShare: number;
  scrubIntervalMs: number;
  /** Contact for the web-seed User-Agent. */
  contact?: string;
}

/** Parses a rate such as `25Mbps`, `3MB/s`, `500kB/s` or `0` (no limit) into bytes per second. */
export function parseRate(text: string): number {
  if (text.trim() === '0') return 0;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?)(bit\/s|bps|bit|b\/s|B\/s|B)?\s*$/i.exec(text);
  if (!m) throw new InvalidArgumentError('a rate like 25Mbps, 3MB/s, 500kB/s, or 0 for no limit');
  const prefix = (m[2] ?? '').toLowerCase();
  const base = m[3] ? 1024 : 1000;
  const factor = prefix === 'k' ? base : prefix === 'm' ? base ** 2 : prefix === 'g' ? base ** 3 : 1;
  const unit = m[4] ?? 'B/s';
  const value = Number(m[1]) * factor;
  return Math.round(/^(bit|bps|bit\/s)$/i.test(unit) || unit === 'b/s' ? value / BITS_PER_BYTE : value);
}

/** Parses a size flag (`50GB`, `512MiB`). */
export function parseSizeFlag(text: string): number {
  const n = parseSize(text);
  if (n === null || n <= 0) throw new InvalidArgumentError('a size like 50GB or 512MiB');
  return n;
}

/** Parses a TCP port (0 = any free one). */
export function parsePort(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('a port number from 0 to 65535');
  return n;
}

/** Parses a share between 0 and 1. */
export function parseShare(text: string): number {
  const n = Number(text);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('a share between 0 and 1, e.g. 0.02');
  return n;
}

/** Flags of `seedbank seed`, as Commander hands them over. */
export interface SeedFlags {
  storage?: string;
  quota: number;
  torrent?: string[];
  port: number;
  http?: number;
  httpHost?: string;
  maxUp: number;
  maxDown: number;
  webSeeds: boolean;
  webSeedConnections: number;
  scrubShare: number;
  scrubIntervalMin: number;
  contact?: string;
}

/** Builds the configuration from flags, failing fast with the missing setting named. */
export function seedConfigFromFlags(f: SeedFlags): SeedConfig {
  if (!f.storage) throw new InvalidArgumentError('--storage DIR is required (or set SEEDBANK_STORAGE)');
  if (!f.torrent || f.torrent.length === 0) throw new InvalidArgumentError('name what to host with --torrent FILE...');
  return {
    storage: f.storage,
    quotaBytes: f.quota,
    source: { kind: 'torrents', files: f.torrent },
    torrentPort: f.port,
    ...(f.http !== undefined ? { httpPort: f.http } : {}),
    ...(f.httpHost ? { httpHost: f.httpHost } : {}),
    maxDownloadBytesPerSecond: f.maxDown,
    maxUploadBytesPerSecond: f.maxUp,
    webSeeds: f.webSeeds,
    webSeedConnectionsPerHost: f.webSeedConnections ?? DEFAULT_CONNECTIONS_PER_HOST,
    scrubShare: f.scrubShare,
    scrubIntervalMs: f.scrubIntervalMin * 60_000,
    ...(f.contact ? { contact: f.contact } : {}),
  };
}
