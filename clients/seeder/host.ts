/**
 * The seeder: one peer port (the seed server, which serves complete volumes itself and hands
 * connections for the others to webtorrent), one webtorrent client for downloading, one
 * announcer, one content store (the Commons tree under STORAGE), and the volumes it hosts. It refuses torrents with hostile paths and volumes that would
 * break the quota, resumes what it hosted after a crash, shares files between volumes,
 * stops downloading (and keeps seeding) when the disk is full, and scrubs.
 */
import { SeedbankError } from '../../shared/errors.ts';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { parseVolumeTorrent } from '../../shared/torrent/index.ts';
import { formatSize } from '../../shared/units.ts';
import { checkVolumeFits, plannedBytes } from './quota.ts';
import { DiskUse } from './disk-use.ts';
import { scrubVolume, type VolumeScrub } from './scrub.ts';
import { ContentStore } from './store/content-store.ts';
import { PieceLayout } from './store/piece-layout.ts';
import { VolumeFiles } from './store/volume-files.ts';
import { VolumeStateFile } from './store/volume-state.ts';
import { HostedVolume } from './volume.ts';
import { HostedVolumes } from './hosted-volumes.ts';
import type { VolumeStatus } from './volume-status.ts';
import type { Listener, PauseReason, SeederOptions, SeederStatus } from './seeder-options.ts';

export type { Listener, PauseReason, SeederOptions, SeederStatus } from './seeder-options.ts';
import { DEFAULT_CONNECTIONS_PER_HOST, HostLimiter } from './web-seed/host-limiter.ts';
import type { WTClient } from './webtorrent-api.ts';
import type { Announcer } from './swarm/announcer.ts';
import type { SeedServer } from './swarm/seed-server.ts';
import { DEFAULT_SEEDER_USER_AGENT, startPeerStack, type PeerStack } from './peer-stack.ts';
import { installBencodeGuard } from './wire-guard.ts';
import { loadOrCreateOperatorKey, type OperatorKey } from '../../shared/operator/index.ts';
import { blockTakenDown, type RemovedFile } from './takedown-apply.ts';

/** How often free space is measured, and disk use while anything downloads. */
export const DEFAULT_HOUSEKEEPING_INTERVAL_MS = 30_000;
/**
 * How often disk use is measured by walking the tree when every volume is complete: nothing
 * of ours grows then, and a walk of 100,000 files is seconds of work and tens of MB of garbage.
 */
export const IDLE_DISK_SCAN_INTERVAL_MS = 10 * 60_000;
/** Downloading resumes after a full disk once this much is free again. */
const RESUME_FREE_BYTES = 64 * 1024 * 1024;

/** Hosts volumes from one storage folder. */
export class Seeder {
  private readonly volumesByHash: HostedVolumes;
  private readonly limiter: HostLimiter;
  private readonly log: Logger;
  private pause: PauseReason | null = null;
  private readonly disk: DiskUse;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private takenDown: ReadonlySet<string> = new Set();

  private constructor(
    private readonly o: SeederOptions,
    readonly content: ContentStore,
    private readonly client: WTClient,
    private readonly seedServer: SeedServer,
    private readonly announcer: Announcer,
    private readonly listeners: () => Listener[],
    /** The operator key this seeder proves to a census (STORAGE/.seedbank/operator-key). */
    readonly operatorKey: OperatorKey,
  ) {
    this.log = o.logger ?? silentLogger;
    this.disk = new DiskUse(content.paths.root);
    this.volumesByHash = new HostedVolumes(content, this.log);
    this.limiter = new HostLimiter({
      perHost: o.webSeedConnectionsPerHost ?? DEFAULT_CONNECTIONS_PER_HOST,
      userAgent: o.userAgent ?? DEFAULT_SEEDER_USER_AGENT,
      maxBytesPerSecond: o.webSeedMaxBytesPerSecond,
      logger: this.log,
    });
    client.on('error', (err) => this.log.error({ err }, 'webtorrent error'));
  }

  /** Opens the storage folder, starts listening for peers and resumes every volume hosted before. */
  static async open(o: SeederOptions): Promise<Seeder> {
    installBencodeGuard();
    // The store reports each write's change in allocation; the seeder exists a moment later.
    let self: Seeder | undefined;
    const content = await ContentStore.open(o.storage, { maxOpenFiles: o.maxOpenFiles, onAllocationChange: (abs, delta) => self?.onAllocationChange(abs, delta) });
    let peers: PeerStack;
    let operatorKey: OperatorKey;
    try {
      operatorKey = await loadOrCreateOperatorKey(content.paths.root);
      peers = await startPeerStack(o, o.logger ?? silentLogger, operatorKey);
    } catch (err) {
      await content.close();
      throw err;
    }
    const { client, seedServer, announcer } = peers;
    const seeder = new Seeder(o, content, client, seedServer, announcer, () => peers.listeners(), operatorKey);
    self = seeder;
    try {
      await seeder.resume();
      await seeder.housekeeping();
    } catch (err) {
      await seeder.close();
      throw err;
    }
    seeder.timer = setInterval(() => seeder.housekeeping({ whenDue: true }).catch((err: unknown) => seeder.log.warn({ err }, 'housekeeping failed')), o.housekeepingIntervalMs ?? DEFAULT_HOUSEKEEPING_INTERVAL_MS);
    seeder.timer.unref();
    return seeder;
  }

  /** The TCP port peers reach this seeder on. */
  get port(): number {
    return this.seedServer.port;
  }

  /** The webtorrent client (the follower adds metadata torrents and reads the DHT through it). */
  get torrentClient(): WTClient {
    return this.client;
  }

  /** The quota in bytes. */
  get quotaBytes(): number {
    return this.o.quotaBytes;
  }

  /** Disk use the hosted volumes plan when complete (what the quota is checked against). */
  plannedBytes(): number {
    return plannedBytes(this.volumesByHash.plannedFiles(), this.volumesByHash.size);
  }

  /**
   * Applies a takedown: every hosted file with one of these SHA-1s is deleted, its pieces are
   * marked missing and never downloaded again (volumes hosted later are blocked too).
   */
  async takeDown(sha1s: ReadonlySet<string>): Promise<RemovedFile[]> {
    this.takenDown = sha1s;
    const removed: RemovedFile[] = [];
    for (const v of this.volumesByHash.values()) removed.push(...(await blockTakenDown(v, this.content, sha1s)));
    if (removed.length > 0) this.log.warn({ files: removed }, `takedown: removed ${removed.length} file(s)`);
    return removed;
  }

  /** The storage folder (resolved). */
  get storage(): string {
    return this.content.paths.root;
  }

  /**
   * Hosts a volume: refuses hostile paths (TORRENT_HOSTILE_PATH) and volumes beyond the quota
   * (QUOTA_EXCEEDED, with the numbers), then checks what is already on disk and starts
   * downloading the rest. Resolves once the volume is ready; adding a hosted volume again is a no-op.
   */
  async addVolume(torrentBytes: Uint8Array): Promise<VolumeStatus> {
    const parsed = parseVolumeTorrent(torrentBytes);
    const known = this.volumesByHash.get(parsed.infoHash);
    if (known) return known.status();
    return (await this.host(torrentBytes, null, true, parsed)).status();
  }

  /** Stops hosting a volume and deletes its files that no other hosted volume needs. */
  async removeVolume(infoHash: string): Promise<{ deletedFiles: number; keptFiles: number }> {
    const v = this.volumesByHash.get(infoHash);
    if (!v) throw new SeedbankError('VOLUME_NOT_FOUND', `volume ${infoHash} is not hosted here`);
    this.volumesByHash.delete(infoHash);
    await v.close();
    const orphans = this.content.release(infoHash, v.files.placements);
    let deletedFiles = 0;
    for (const abs of orphans) if (await this.content.remove(abs)) deletedFiles++;
    await v.stateFile.delete();
    this.log.info({ infoHash, deletedFiles, keptFiles: v.files.placements.length - orphans.length }, 'volume removed');
    return { deletedFiles, keptFiles: v.files.placements.length - orphans.length };
  }

  /** Every hosted volume with its progress, peers, rates and bytes on disk. */
  volumes(): VolumeStatus[] {
    return [...this.volumesByHash.values()].map((v) => v.status());
  }

  /** The whole seeder's state. */
  status(): SeederStatus {
    return {
      storage: this.storage,
      operatorKey: this.operatorKey.publicKeyHex,
      port: this.port,
      listening: this.listeners(),
      quotaBytes: this.o.quotaBytes,
      diskUseBytes: this.disk.usedBytes,
      diskWalkedAt: this.disk.lastWalkAt,
      freeBytes: this.disk.freeBytes,
      downloading: this.pause === null,
      ...(this.pause ? { pausedBecause: this.pause.message } : {}),
      downloadBytesPerSecond: Math.round(this.client.downloadSpeed),
      uploadBytesPerSecond: Math.round(this.client.uploadSpeed + this.seedServer.uploadBytesPerSecond),
      openFiles: this.content.openFiles,
      volumes: this.volumes(),
    };
  }

  /** The most requests that were ever open at once to a web seed host ('127.0.0.1:8080'). */
  webSeedPeakConnections(host: string): number {
    return this.limiter.peak.get(host) ?? 0;
  }

  /** Connects to a peer for a volume (besides those trackers and peer exchange find). */
  addPeer(infoHash: string, addr: string): void {
    this.volume(infoHash).addPeer(addr);
  }

  /** Resolves when the volume has every piece; rejects after `timeoutMs` saying how far it got. */
  async whenComplete(infoHash: string, timeoutMs: number): Promise<void> {
    await this.volume(infoHash).whenSeeding(timeoutMs);
  }

  /** True when the file at 'a/ab/Name' (in the commons tree) is complete in some hosted volume. */
  isFileComplete(rel: string): boolean {
    return this.volumesByHash.isFileComplete(rel);
  }

  /** Re-hashes `share` of every volume's verified pieces; bad pieces are marked missing and fetched again. */
  async scrub(options: { share: number }): Promise<VolumeScrub[]> {
    const reports: VolumeScrub[] = [];
    for (const v of this.volumesByHash.values()) {
      const r = await scrubVolume(v, options.share);
      reports.push(r);
      if (r.bad.length === 0) continue;
      this.log.warn({ infoHash: v.infoHash, pieces: r.bad, files: r.damagedFiles }, 'scrub found damaged pieces; downloading them again');
      for (const rel of r.damagedFiles) await this.volumesByHash.recheckElsewhere(v, v.files.indexOfPath(rel), true);
    }
    return reports;
  }

  /** Downloading stopped, and why; null while downloading. */
  get paused(): PauseReason | null {
    return this.pause;
  }

  /** Stops downloading everywhere (seeding goes on) and says why. */
  pauseDownloads(reason: PauseReason): void {
    if (this.pause) return;
    this.pause = reason;
    this.log.warn({ reason: reason.kind }, `downloading stopped, seeding goes on: ${reason.message}`);
    for (const v of this.volumesByHash.values()) v.stopDownloading();
  }

  /** Starts downloading again, asking again for pieces that could not be written. */
  resumeDownloads(): void {
    if (!this.pause) return;
    this.log.info({ was: this.pause.kind }, 'downloading again');
    this.pause = null;
    for (const v of this.volumesByHash.values()) v.resumeDownloading();
  }

  /**
   * Measures free space, and disk use by walking the tree; pauses at the quota, resumes when
   * space is back. With `whenDue` (the timer) the walk is skipped while every volume is complete
   * and the last walk is recent (IDLE_DISK_SCAN_INTERVAL_MS).
   */
  async housekeeping(o: { whenDue?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    const volumes = [...this.volumesByHash.values()];
    const allServed = volumes.every((v) => v.isServed);
    const due = !o.whenDue || !allServed || this.pause !== null || Date.now() - this.disk.lastWalkAt >= IDLE_DISK_SCAN_INTERVAL_MS;
    try {
      await this.disk.measureFree();
      if (due) await this.disk.walk(volumes);
    } catch (err) {
      this.log.warn({ err }, 'could not measure disk use');
      return;
    }
    const underQuota = this.disk.usedBytes <= this.o.quotaBytes;
    if (!this.applyQuota() && underQuota && this.pause?.kind === 'disk-full' && this.disk.freeBytes >= RESUME_FREE_BYTES) this.resumeDownloads();
    this.o.onChange?.();
  }

  /** Stops downloading over the quota, resumes under it; true when it paused or resumed. */
  private applyQuota(): boolean {
    const used = this.disk.usedBytes;
    if (used > this.o.quotaBytes) {
      if (this.pause) return false;
      this.pauseDownloads({ kind: 'quota', message: `the storage folder uses ${formatSize(used)}, over the quota of ${formatSize(this.o.quotaBytes)}` });
      return true;
    }
    if (this.pause?.kind !== 'quota') return false;
    this.resumeDownloads();
    return true;
  }

  /** A file's allocation changed (a write, a truncation, a removal): count it now, not at the next walk. */
  private onAllocationChange(abs: string, deltaBytes: number): void {
    if (this.closed) return;
    const holders = this.content.holders(abs).map((ih) => this.volumesByHash.get(ih)).filter((v) => v !== undefined);
    this.disk.add(deltaBytes, holders);
    this.applyQuota();
    this.o.onChange?.();
  }

  /** Saves every volume's state, stops the client and closes files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.all([...this.volumesByHash.values()].map((v) => v.close().catch(() => undefined)));
    this.volumesByHash.clear();
    await this.announcer.close();
    // webtorrent first: the seed server's close waits for every connection it accepted,
    // including those it handed to webtorrent.
    await new Promise<void>((resolve) => this.client.destroy(() => resolve()));
    this.limiter.close();
    await this.seedServer.close();
    await this.content.close();
  }

  private volume(infoHash: string): HostedVolume {
    const v = this.volumesByHash.get(infoHash);
    if (!v) throw new SeedbankError('VOLUME_NOT_FOUND', `volume ${infoHash} is not hosted here`);
    return v;
  }

  /** Re-adds the volumes saved in the storage folder, oldest first (so shared paths go to the same owner). */
  private async resume(): Promise<void> {
    for (const file of await VolumeStateFile.list(this.content.paths.meta)) {
      try {
        const v = await this.host(await file.readTorrent(), await file.load(), false);
        this.log.info({ infoHash: v.infoHash, progress: v.status().progress }, 'volume resumed');
      } catch (err) {
        this.log.error({ infoHash: file.infoHash, err }, 'could not resume a volume; its files are kept');
      }
    }
  }

  private async host(bytes: Uint8Array, saved: Awaited<ReturnType<VolumeStateFile['load']>>, checkQuota: boolean, parsed = parseVolumeTorrent(bytes)): Promise<HostedVolume> {
    const ih = parsed.infoHash;
    const layout = new PieceLayout(parsed.pieceLength, parsed.totalBytes, parsed.files);
    const hostedBefore = this.volumesByHash.plannedFiles();
    const placements = this.content.place(ih, parsed.files);
    const release = () => this.content.release(ih, placements);
    try {
      if (checkQuota) {
        await checkVolumeFits({ infoHash: ih, hosted: hostedBefore, hostedVolumes: this.volumesByHash.size, added: placements.map((p, i) => [p.abs, parsed.files[i]!.length]), quotaBytes: this.o.quotaBytes, storage: this.storage, log: this.log });
      }
      const stateFile = new VolumeStateFile(this.content.paths.meta, ih, {
        onSaveFailed: (err) => this.log.warn({ infoHash: ih, err }, 'could not save the volume state; seeding goes on and the save is retried'),
        onSaveResumed: () => this.log.info({ infoHash: ih }, 'volume state saved again'),
      });
      if (!saved) await stateFile.saveTorrent(bytes);
      const files = new VolumeFiles(layout, placements, this.content, parsed.pieces);
      const v: HostedVolume = new HostedVolume(parsed, bytes, files, stateFile, saved?.addedAt ?? new Date().toISOString(), saved, {
        onVerified: (index) => this.volumesByHash.shareVerified(v, index),
        onWriteFailed: (index, err) => this.onWriteFailed(v, err),
        onStateChange: () => this.o.onChange?.(),
      });
      await blockTakenDown(v, this.content, this.takenDown);
      this.volumesByHash.set(ih, v);
      try {
        const check = await v.start({
          client: this.client,
          webSeeds: this.o.webSeeds ?? true,
          limiter: this.limiter,
          paused: this.pause !== null,
          logger: this.log,
          seedServer: this.seedServer,
          announcer: this.announcer,
        });
        this.log.info({ infoHash: ih, files: parsed.files.length, bytes: parsed.totalBytes, trustedPieces: check.trusted, hashedPieces: check.hashed, foundPieces: check.found }, 'volume hosted');
      } catch (err) {
        this.volumesByHash.delete(ih);
        await v.close().catch(() => undefined);
        throw err;
      }
      return v;
    } catch (err) {
      release();
      throw err;
    }
  }

  private onWriteFailed(v: HostedVolume, err: Error): void {
    const code = (err as NodeJS.ErrnoException).code;
    const full = code === 'ENOSPC' || code === 'EDQUOT';
    this.pauseDownloads({
      kind: full ? 'disk-full' : 'write-error',
      message: full
        ? `the disk is full (${code}) writing volume ${v.infoHash}; free some space and downloading resumes by itself`
        : `writing volume ${v.infoHash} failed: ${err.message}`,
    });
  }
}
