/**
 * The seeder's configuration as one typed value, parsed from flags at the edge. What to host
 * is a `source`: today a list of .torrent files; next, a catalogue to follow (named sets,
 * tags, or auto mode picking the most at-risk volumes that fit the quota).
 */
import { parseRate as parseRateText } from '../../shared/units.ts';
import { InvalidArgumentError } from 'commander';
import { parseSize } from '../../shared/units.ts';
import { DEFAULT_CONNECTIONS_PER_HOST } from './web-seed/host-limiter.ts';
import type { KeyPins } from './follow/key-pins.ts';

/** Default share of each volume's pieces re-hashed per scrub run. */
export const DEFAULT_SCRUB_SHARE = 0.02;
/** Default time between scrub runs: with 2 % per hour, everything is re-read about every two days. */
export const DEFAULT_SCRUB_INTERVAL_MS = 60 * 60 * 1000;

/** What the seeder hosts. */
export type SeederSource =
  | { kind: 'torrents'; files: string[] }
  | { kind: 'catalogue'; url: string; sets: string[]; tags: string[]; auto: boolean };

/** Default time between two polls of the catalogue. */
export const DEFAULT_POLL_INTERVAL_MS = 10 * 60 * 1000;
/** Default minimum time auto mode keeps a volume. */
export const DEFAULT_AUTO_MIN_HOSTING_MS = 60 * 60 * 1000;
/** Default number of versions of a followed set kept hosted (the latest and the one before). */
export const DEFAULT_KEEP_VERSIONS = 2;

/** How a catalogue is followed. */
export interface FollowSettings {
  pollIntervalMs: number;
  /** Versions of each followed set kept hosted, the latest included. */
  keepVersions: number;
  /** Auto mode keeps a volume at least this long before it may give it up. */
  autoMinHostingMs: number;
  /** DHT for pointers and peers when the catalogue is down; false: off; bootstrap omitted: public routers. */
  dht: false | { bootstrap?: string[]; port?: number };
  /** Keys pinned by the operator before any contact (catalogue, sets). */
  pins?: KeyPins;
}

/** Everything `seedbank seed` needs. */
export interface SeedConfig {
  follow: FollowSettings;
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
  const rate = parseRateText(text);
  if (rate === null) throw new InvalidArgumentError('a rate like 25Mbps, 3MB/s, 500kB/s, or 0 for no limit');
  return rate;
}

const DURATION_UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000 };

/** Parses a duration such as `10m`, `30s`, `500ms` or `1h` (a bare number is minutes) into milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*$/i.exec(text);
  const ms = m ? Number(m[1]) * DURATION_UNITS_MS[(m[2] ?? 'm').toLowerCase()]! : NaN;
  if (!(ms > 0)) throw new InvalidArgumentError('a duration like 10m, 30s, 500ms or 1h');
  return Math.round(ms);
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
  quota?: number;
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
  catalogue?: string;
  sets?: string[];
  tags?: string[];
  auto?: boolean;
  keepVersions: number;
  /** Milliseconds between polls of the catalogue. */
  pollInterval: number;
  /** Milliseconds auto mode keeps a volume at least. */
  minHosting: number;
  dht: boolean;
  dhtBootstrap?: string[];
  config?: string;
  /** The catalogue's key (64 hex), pinned up front. */
  catalogueKey?: string;
  /** Set id → key, pinned up front (config file only). */
  setKeys?: Record<string, string>;
}

/** Splits a comma list flag (`paris,birds`). */
export function parseList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean);
}

/** What to host, from the flags: torrents, or a catalogue with sets, tags or auto. */
function sourceOf(f: SeedFlags): SeederSource {
  if (f.catalogue) {
    const sets = f.sets ?? [];
    const tags = f.tags ?? [];
    const auto = Boolean(f.auto);
    if (!auto && sets.length === 0 && tags.length === 0) throw new InvalidArgumentError('say what to host: --sets a,b, --tags t, or --auto');
    return { kind: 'catalogue', url: f.catalogue.replace(/\/+$/, ''), sets, tags, auto };
  }
  if (!f.torrent || f.torrent.length === 0) throw new InvalidArgumentError('name what to host: --catalogue URL (with --sets, --tags or --auto) or --torrent FILE...');
  return { kind: 'torrents', files: f.torrent };
}

/** Builds the configuration from flags, failing fast with the missing setting named. */
export function seedConfigFromFlags(f: SeedFlags): SeedConfig {
  if (!f.storage) throw new InvalidArgumentError('--storage DIR is required (or set SEEDBANK_STORAGE)');
  if (!f.quota) throw new InvalidArgumentError('--quota SIZE is required, e.g. --quota 50GB');
  return {
    storage: f.storage,
    quotaBytes: f.quota,
    source: sourceOf(f),
    follow: {
      pollIntervalMs: f.pollInterval,
      keepVersions: f.keepVersions,
      autoMinHostingMs: f.minHosting,
      dht: f.dht ? (f.dhtBootstrap ? { bootstrap: f.dhtBootstrap } : {}) : false,
      ...(f.catalogueKey || f.setKeys ? { pins: { catalogueKey: f.catalogueKey, setKeys: f.setKeys } } : {}),
    },
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
