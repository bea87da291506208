/**
 * The seeder's configuration as one typed value, parsed from flags at the edge. What to host
 * is a `source`: today a list of .torrent files; next, a catalogue to follow (named sets,
 * tags, or auto mode picking the most at-risk volumes that fit the quota).
 */
import { InvalidArgumentError } from 'commander';
import { durationArg, portArg, rateArg, required, sizeArg } from '../../shared/cli-args.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { DEFAULT_CONNECTIONS_PER_HOST, DEFAULT_WEB_SEED_BYTES_PER_SECOND } from './web-seed/host-limiter.ts';
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
  /** Address the peer port listens on; default every interface. */
  torrentHost?: string;
  /** HTTP mirror port, when serving the tree. */
  httpPort?: number;
  httpHost?: string;
  /** Bytes per second; 0 = no limit. */
  maxDownloadBytesPerSecond: number;
  maxUploadBytesPerSecond: number;
  webSeeds: boolean;
  webSeedConnectionsPerHost: number;
  /** Bytes per second to all web seeds together; 0 = no cap. */
  webSeedMaxBytesPerSecond: number;
  scrubShare: number;
  scrubIntervalMs: number;
  /** Contact for the web-seed User-Agent. */
  contact?: string;
}

/** Parses a rate such as `25Mbps`, `3MB/s` or `0` (no limit) into bytes per second (the shared grammar). */
export const parseRate = rateArg;
/** Parses a duration such as `10m`, `30s`, `500ms` or `1h` into milliseconds; a bare number is refused. */
export const parseDuration = durationArg;
/** Parses a size flag (`50GB`, `1G`, `512MiB`). */
export const parseSizeFlag = sizeArg;
/** Parses a TCP port (0 = any free one). */
export const parsePort = portArg;

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
  peerHost?: string;
  http?: number;
  httpHost?: string;
  maxUp: number;
  maxDown: number;
  webSeeds: boolean;
  webSeedConnections: number;
  /** Bytes per second to all web seeds together (0 = no cap). */
  webSeedMaxRate?: number;
  scrubShare: number;
  /** Milliseconds between scrub runs. */
  scrubInterval: number;
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
    if (!auto && sets.length === 0 && tags.length === 0) {
      throw new SeedbankError('CONFIG_MISSING', 'missing setting --sets, --tags or --auto: --catalogue needs to know what to host', { hint: 'pass --sets a,b, --tags t or --auto' });
    }
    return { kind: 'catalogue', url: f.catalogue.replace(/\/+$/, ''), sets, tags, auto };
  }
  if (!f.torrent || f.torrent.length === 0) {
    throw new SeedbankError('CONFIG_MISSING', 'missing setting --catalogue <url> (or --torrent <file...>): nothing to host', {
      hint: 'pass --catalogue URL with --sets, --tags or --auto, or --torrent FILE...; or run it once on a terminal for the setup questions',
    });
  }
  return { kind: 'torrents', files: f.torrent };
}

/** Builds the configuration from flags, failing fast with the missing setting named. */
export function seedConfigFromFlags(f: SeedFlags): SeedConfig {
  const storage = required(f.storage, '--storage <dir>', 'SEEDBANK_STORAGE');
  const quotaBytes = required(f.quota, '--quota <size> (e.g. --quota 50GB)');
  return {
    storage,
    quotaBytes,
    source: sourceOf(f),
    follow: {
      pollIntervalMs: f.pollInterval,
      keepVersions: f.keepVersions,
      autoMinHostingMs: f.minHosting,
      dht: f.dht ? (f.dhtBootstrap ? { bootstrap: f.dhtBootstrap } : {}) : false,
      ...(f.catalogueKey || f.setKeys ? { pins: { catalogueKey: f.catalogueKey, setKeys: f.setKeys } } : {}),
    },
    torrentPort: f.port,
    ...(f.peerHost ? { torrentHost: f.peerHost } : {}),
    ...(f.http !== undefined ? { httpPort: f.http } : {}),
    ...(f.httpHost ? { httpHost: f.httpHost } : {}),
    maxDownloadBytesPerSecond: f.maxDown,
    maxUploadBytesPerSecond: f.maxUp,
    webSeeds: f.webSeeds,
    webSeedConnectionsPerHost: f.webSeedConnections ?? DEFAULT_CONNECTIONS_PER_HOST,
    webSeedMaxBytesPerSecond: f.webSeedMaxRate ?? DEFAULT_WEB_SEED_BYTES_PER_SECOND,
    scrubShare: f.scrubShare,
    scrubIntervalMs: f.scrubInterval,
    ...(f.contact ? { contact: f.contact } : {}),
  };
}
