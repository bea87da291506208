/**
 * The status file, STORAGE/.seedbank/status.json: the running seeder rewrites it every few
 * seconds (atomically), and `seedbank status` reads and prints it, so the status works
 * without any port or socket.
 */
import path from 'node:path';
import { z } from 'zod';
import { SeedbankError } from '../../shared/errors.ts';
import { readJson, writeFileAtomic } from '../../shared/fs/index.ts';
import { formatSize } from '../../shared/units.ts';
import type { Listener, SeederStatus } from './host.ts';
import type { FollowStatus } from './follow/follower.ts';
import { META_DIR } from './store/storage-paths.ts';

/** How often the running seeder rewrites the status file. */
export const STATUS_INTERVAL_MS = 2_000;
const STATUS_FILE = 'status.json';

/** The status file's content: the seeder's status plus who wrote it and when. */
export interface StatusRecord extends SeederStatus {
  pid: number;
  startedAt: string;
  updatedAt: string;
  httpPort?: number;
  /** When following a catalogue. */
  follow?: FollowStatus;
}

/** Where the status file of a storage folder is. */
export function statusPath(storage: string): string {
  return path.join(storage, META_DIR, STATUS_FILE);
}

const volumeStatusSchema = z.object({
  infoHash: z.string(),
  activity: z.enum(['checking', 'downloading', 'seeding', 'paused', 'error']),
  files: z.number(),
  totalBytes: z.number(),
  verifiedBytes: z.number(),
  progress: z.number(),
  peers: z.number(),
  webSeeds: z.number(),
  downloadBytesPerSecond: z.number(),
  uploadBytesPerSecond: z.number(),
  receivedBytes: z.number(),
  uploadedBytes: z.number(),
  webSeedBytes: z.number(),
  bytesOnDisk: z.number(),
  error: z.string().optional(),
  lastScrubAt: z.string().optional(),
  addedAt: z.string(),
  blockedPieces: z.number(),
  engine: z.enum(['webtorrent', 'seed-server']),
});

const followStatusSchema = z.object({
  catalogue: z.string(),
  mode: z.string(),
  seederId: z.string(),
  sets: z.array(z.object({ setId: z.string(), versions: z.array(z.number()) })),
  volumeLabels: z.record(z.string(), z.array(z.string())),
  lastContact: z.object({ at: z.string(), ok: z.boolean(), via: z.string(), error: z.string().optional() }).optional(),
  nextPollAt: z.string().optional(),
  takedownSerial: z.number(),
});

/**
 * The status file as read back: `satisfies` keeps it in step with StatusRecord, so a field added
 * to the seeder's status fails the type check here instead of reading back as undefined.
 */
const statusRecordSchema = z.object({
  pid: z.number().int(),
  startedAt: z.string(),
  updatedAt: z.string(),
  httpPort: z.number().int().optional(),
  follow: followStatusSchema.optional(),
  storage: z.string(),
  port: z.number().int(),
  // Status files written before the field existed read as listing nothing.
  listening: z.array(z.object({ protocol: z.enum(['tcp', 'udp']), address: z.string(), port: z.number().int(), purpose: z.enum(['peers', 'dht', 'http-mirror']) })).default([]),
  operatorKey: z.string().regex(/^[0-9a-f]{64}$/),
  quotaBytes: z.number(),
  diskUseBytes: z.number(),
  diskWalkedAt: z.number().optional(),
  freeBytes: z.number(),
  downloading: z.boolean(),
  pausedBecause: z.string().optional(),
  downloadBytesPerSecond: z.number(),
  uploadBytesPerSecond: z.number(),
  openFiles: z.number(),
  volumes: z.array(volumeStatusSchema),
}) satisfies z.ZodType<StatusRecord>;

/** Writes the status file atomically. */
export async function writeStatus(storage: string, record: StatusRecord): Promise<void> {
  await writeFileAtomic(statusPath(storage), `${JSON.stringify(record, null, 2)}\n`);
}

/** Reads the status file, with a clear error when no seeder ever ran there or the file is damaged. */
export async function readStatus(storage: string): Promise<StatusRecord> {
  try {
    return await readJson(statusPath(storage), statusRecordSchema);
  } catch (err) {
    if (!(err instanceof SeedbankError && err.code === 'FILE_MISSING')) throw err;
    throw new SeedbankError('STATUS_MISSING', `no seeder status in ${storage}`, {
      hint: 'start one with `seedbank seed --storage DIR ...`',
      cause: err,
    });
  }
}

/** What each kind of listener is for, in the status. */
const PURPOSE_TEXT: Record<Listener['purpose'], string> = {
  peers: 'BitTorrent peers',
  dht: 'BitTorrent DHT',
  'http-mirror': 'HTTP mirror of the tree',
};

/** One listener as a person reads it: 'TCP 6881 on every interface: BitTorrent peers'. */
function formatListener(l: Listener): string {
  const where = l.address === '::' || l.address === '0.0.0.0' ? 'every interface' : l.address;
  return `${l.protocol.toUpperCase()} ${l.port} on ${where}: ${PURPOSE_TEXT[l.purpose]}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

/** The status as lines for a person. */
export function formatStatus(r: StatusRecord, now = Date.now()): string[] {
  const age = Math.round((now - Date.parse(r.updatedAt)) / 1000);
  const alive = age <= (STATUS_INTERVAL_MS / 1000) * 5;
  const lines = [
    `seeder pid ${r.pid} on port ${r.port}${r.httpPort ? `, HTTP mirror on port ${r.httpPort}` : ''}: ${alive ? `updated ${age} s ago` : `NOT RUNNING? last update ${age} s ago`}`,
    ...(r.listening.length > 0 ? [`listening (nothing else is open): ${r.listening.map(formatListener).join('; ')}`] : []),
    `operator key ${r.operatorKey ?? 'none yet (written on the next start)'}`,
    `storage ${r.storage}: ${formatSize(r.diskUseBytes)} used of a ${formatSize(r.quotaBytes)} quota, ${formatSize(r.freeBytes)} free on disk`,
    `down ${formatSize(r.downloadBytesPerSecond)}/s, up ${formatSize(r.uploadBytesPerSecond)}/s${r.downloading ? '' : ` — downloading stopped: ${r.pausedBecause}`}`,
    `${pad('volume', 42)} ${pad('state', 11)} ${pad('progress', 8)} ${pad('size', 9)} ${pad('peers', 5)} ${pad('down/s', 9)} ${pad('up/s', 9)} on disk`,
  ];
  const f = r.follow;
  if (f) {
    const c = f.lastContact;
    lines.splice(1, 0,
      `following ${f.catalogue} (${f.mode || 'nothing'}) as ${f.seederId.slice(0, 8)}; last contact ${c ? `${c.at}: ${c.ok ? 'ok' : `FAILED (${c.error ?? 'no answer'})`}${c.via === 'dht' ? ' — found versions through the DHT' : ''}` : 'never'}` +
        `${f.nextPollAt ? `; next poll ${f.nextPollAt}` : ''}`,
      ...f.sets.map((s) => `  set ${s.setId}: ${s.versions.length ? s.versions.map((v) => `v${v}`).join(', ') : 'no version yet'}`),
    );
  }
  for (const v of r.volumes) {
    const labels = f?.volumeLabels[v.infoHash]?.join(', ');
    lines.push(
      `${pad(v.infoHash, 42)} ${pad(v.activity, 11)} ${pad(`${(v.progress * 100).toFixed(1)}%`, 8)} ${pad(formatSize(v.totalBytes), 9)} ${pad(String(v.peers), 5)} ` +
        `${pad(formatSize(v.downloadBytesPerSecond), 9)} ${pad(formatSize(v.uploadBytesPerSecond), 9)} ${formatSize(v.bytesOnDisk)}` +
        `${labels ? `  [${labels}]` : ''}${v.lastScrubAt ? `  scrubbed ${v.lastScrubAt}` : ''}${v.blockedPieces ? `  ${v.blockedPieces} pieces taken down` : ''}${v.error ? `  error: ${v.error}` : ''}`,
    );
  }
  if (r.volumes.length === 0) lines.push('(no volumes hosted)');
  const perVolume = r.volumes.reduce((s, v) => s + v.bytesOnDisk, 0);
  if (perVolume > r.diskUseBytes && r.volumes.length > 1) {
    lines.push(
      `"on disk" counts a file in every volume that holds it: volumes here share files, so the column adds up to ${formatSize(perVolume)} ` +
        `while the storage folder uses ${formatSize(r.diskUseBytes)}`,
    );
  }
  return lines;
}
