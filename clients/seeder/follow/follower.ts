/**
 * The follow loop: every poll, report to the catalogue, apply its takedown list, bring each
 * followed set to its latest version and run auto mode. When the catalogue does not answer,
 * keep seeding, back off, and look for new versions of the sets already followed through their
 * DHT pointers and peers.
 */
import { CatalogueApi } from '../../../shared/api/catalogue-api.ts';
import { isApiError } from '../../../shared/api/client.ts';
import type { SetSummaryBody } from '../../../shared/api/read-schemas.ts';
import { MAX_REPORTED_PROGRESS, type ReportAnswer, type SeederReport } from '../../../shared/api/seeder-schemas.ts';
import { signSeederReport } from '../../../shared/operator/report-signature.ts';
import { errorMessage, hasErrorKind, isSeedbankError, SeedbankError, type ErrorCode } from '../../../shared/errors.ts';
import type { Logger } from '../../../shared/log.ts';
import { SEEDBANK_VERSION } from '../../../shared/version.ts';
import type { Seeder } from '../host.ts';
import { syncAuto } from './auto-sync.ts';
import { versionKey, type FollowContext } from './follow-context.ts';
import { FollowState } from './follow-state.ts';
import { applyKeyPins, isPlainHttpToOtherHost, type KeyPins } from './key-pins.ts';
import { MetadataHost } from './metadata-host.ts';
import { dropVersion, syncSet } from './set-sync.ts';
import { syncTakedown } from './takedown-sync.ts';
import { catalogueSource, dhtSource, type VersionSource } from './version-source.ts';
import path from 'node:path';

/** Refusals of the report itself: the catalogue answered, so the rest of the poll goes on. */
const REFUSED_REPORT_CODES: ReadonlySet<string> = new Set(['REPORT_INVALID', 'REPORT_FORMAT_OLD', 'REPORT_SIGNATURE_INVALID', 'REPORT_CLOCK_SKEW', 'REPORT_REPLAYED']);
/** While the catalogue does not answer, polls slow down to at most this many intervals apart. */
const MAX_BACKOFF_FACTOR = 8;
const METADATA_DIR = 'metadata';

/** What to follow and how. */
export interface FollowerOptions {
  catalogueUrl: string;
  sets: string[];
  tags: string[];
  auto: boolean;
  pollIntervalMs: number;
  keepVersions: number;
  /** Auto mode keeps a volume at least this long. */
  autoMinHostingMs: number;
  userAgent: string;
  logger: Logger;
  out: (line: string) => void;
  /** Keys the operator pinned up front (--catalogue-key, setKeys in the config file). */
  pins?: KeyPins;
}

/** What `seedbank status` shows of the follower. */
export interface FollowStatus {
  catalogue: string;
  mode: string;
  seederId: string;
  sets: Array<{ setId: string; versions: number[] }>;
  /** Volume info hash → what it belongs to ('paris v2', 'birds (auto)'). */
  volumeLabels: Record<string, string[]>;
  lastContact?: { at: string; ok: boolean; via: string; error?: string };
  nextPollAt?: string;
  takedownSerial: number;
}

/** Follows a catalogue for one seeder. */
export class Follower {
  private timer: NodeJS.Timeout | null = null;
  private failures = 0;
  /** sentAt of the last report, ms. */
  private lastSentMs = 0;
  private running: Promise<void> | null = null;
  private closed = false;
  private nextPollAt?: string;
  private readonly client: CatalogueApi;

  private constructor(private readonly o: FollowerOptions, private readonly ctx: FollowContext) {
    this.client = new CatalogueApi(o.catalogueUrl, o.userAgent);
  }

  /** Loads the state, seeds again the metadata of the versions kept, applies the known takedowns. */
  static async open(seeder: Seeder, o: FollowerOptions): Promise<Follower> {
    const metaDir = path.join(seeder.storage, '.seedbank');
    const state = await FollowState.load(metaDir);
    const pins = o.pins ?? {};
    applyKeyPins(state.data, pins, o.logger);
    await state.save();
    const ctx: FollowContext = {
      seeder, state, meta: new MetadataHost(seeder.torrentClient, path.join(metaDir, METADATA_DIR)), log: o.logger, keepVersions: o.keepVersions, manifests: new Map(), out: o.out,
      pins, plainHttpRemote: isPlainHttpToOtherHost(o.catalogueUrl),
    };
    for (const [setId, versions] of Object.entries(state.data.versions)) {
      const key = state.data.setKeys[setId];
      for (const v of versions) {
        try {
          if (!key) throw new SeedbankError('FOLLOW_STATE_INVALID', `the follow state keeps ${setId} v${v} but no pinned key for ${setId}`);
          ctx.manifests.set(versionKey(setId, v), await ctx.meta.verifiedManifest(setId, v, key));
          await ctx.meta.resume(setId, v);
        } catch (err) {
          o.logger.warn({ set: setId, version: v, err }, 'kept version not resumed; it is fetched again');
          state.data.versions[setId] = versions.filter((x) => x !== v);
        }
      }
    }
    if (state.data.takenDown.length > 0) await seeder.takeDown(new Set(state.data.takenDown));
    return new Follower(o, ctx);
  }

  /** The id this seeder reports under: its operator key (the random id of older state files is no longer used). */
  get seederId(): string {
    return this.ctx.seeder.operatorKey.publicKeyHex;
  }

  /** Starts polling now and then every interval. */
  start(): void {
    this.schedule(0);
  }

  /** Runs one poll (also what the timer runs); never throws. */
  async pollOnce(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.poll().finally(() => (this.running = null));
    return this.running;
  }

  /** Stops polling (waits for a poll under way). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** The follower's part of the status file. */
  status(): FollowStatus {
    const d = this.ctx.state.data;
    const labels: Record<string, string[]> = {};
    const label = (ih: string, l: string) => (labels[ih] ??= []).push(l);
    for (const { head: m } of this.ctx.manifests.values()) for (const v of m.volumes) label(v.infoHash, `${m.set.id} v${m.version}`);
    for (const [ih, a] of Object.entries(d.auto)) label(ih, `${a.setId} (auto)`);
    return {
      catalogue: this.o.catalogueUrl,
      mode: [this.o.auto ? 'auto' : '', this.o.sets.length ? `sets ${this.o.sets.join(',')}` : '', this.o.tags.length ? `tags ${this.o.tags.join(',')}` : ''].filter(Boolean).join(' + '),
      seederId: this.seederId,
      sets: Object.entries(d.versions).map(([setId, versions]) => ({ setId, versions })),
      volumeLabels: labels,
      ...(d.lastContact ? { lastContact: d.lastContact } : {}),
      ...(this.nextPollAt ? { nextPollAt: this.nextPollAt } : {}),
      takedownSerial: d.takedownSerial,
    };
  }

  private schedule(delayMs: number): void {
    if (this.closed) return;
    this.nextPollAt = new Date(Date.now() + delayMs).toISOString();
    this.timer = setTimeout(() => {
      const next = () => {
        const factor = Math.min(MAX_BACKOFF_FACTOR, 2 ** this.failures / 2);
        this.schedule(this.failures === 0 ? this.o.pollIntervalMs : Math.max(this.o.pollIntervalMs, this.o.pollIntervalMs * factor));
      };
      // A poll that fails in an unexpected way must neither kill the process from a timer nor stop the polling.
      this.pollOnce().then(next, (err: unknown) => {
        this.failures++;
        this.o.logger.error({ err, failures: this.failures }, 'following failed; seeding goes on and the next poll retries');
        next();
      });
    }, delayMs);
  }

  private async poll(): Promise<void> {
    const d = this.ctx.state.data;
    try {
      const answer = await this.sendReport();
      this.failures = 0;
      d.lastContact = { at: new Date().toISOString(), ok: true, via: 'catalogue' };
      await this.step('takedown', () => syncTakedown(this.ctx, this.client));
      const listed = await this.client.sets();
      const followed = this.followedSets(listed);
      for (const setId of followed) await this.step(`set ${setId}`, () => syncSet(this.ctx, setId, catalogueSource(this.client)));
      await this.step('unfollow', () => this.dropUnfollowed(listed));
      if (this.o.auto && answer) await this.step('auto', () => syncAuto(this.ctx, this.client, answer, this.o.autoMinHostingMs, () => this.client.report(this.report())));
    } catch (err) {
      // Whatever the catalogue answered (or did not): seeding goes on, and so does the DHT.
      if (!isApiError(err)) throw err;
      this.failures++;
      d.lastContact = { at: new Date().toISOString(), ok: false, via: 'catalogue', error: errorMessage(err) };
      this.o.logger.warn({ err, failures: this.failures }, 'the catalogue does not answer; seeding goes on');
      await this.viaDht();
    } finally {
      await this.ctx.state.save().catch(() => undefined);
    }
  }

  /** Looks for new versions of the sets already followed through the DHT and peers. */
  private async viaDht(): Promise<void> {
    if (!this.ctx.seeder.torrentClient.dht) return;
    const source: VersionSource = dhtSource(this.ctx.seeder.torrentClient);
    for (const setId of Object.keys(this.ctx.state.data.versions)) {
      await this.step(`set ${setId} via the DHT`, async () => {
        if ((await syncSet(this.ctx, setId, source)) === 'updated') {
          this.ctx.state.data.lastContact = { at: new Date().toISOString(), ok: false, via: 'dht', error: 'the catalogue does not answer; found a new version through the DHT' };
        }
      });
    }
  }

  /** The named sets plus the sets carrying a followed tag; warns about named sets the catalogue lacks. */
  private followedSets(all: readonly SetSummaryBody[]): string[] {
    if (this.o.sets.length === 0 && this.o.tags.length === 0) return [];
    const ids = new Set(all.map((s) => s.id));
    for (const s of this.o.sets) if (!ids.has(s)) this.o.logger.warn({ set: s }, `the catalogue has no set "${s}"`);
    return all.filter((s) => this.o.sets.includes(s.id) || s.tags.some((t) => this.o.tags.includes(t))).map((s) => s.id);
  }

  /**
   * Stops hosting sets the operator no longer follows (taken out of --sets, or a tag no longer
   * followed): every kept version is dropped, and with it the volumes nothing else needs. Only
   * on the operator's word: a set the catalogue stops listing is kept, since that may be the
   * catalogue's problem, not a decision to let go of the copies.
   */
  private async dropUnfollowed(all: readonly SetSummaryBody[]): Promise<void> {
    const listed = new Map(all.map((s) => [s.id, s]));
    for (const setId of Object.keys(this.ctx.state.data.versions)) {
      const s = listed.get(setId);
      if (!s || this.o.sets.includes(setId) || s.tags.some((t) => this.o.tags.includes(t))) continue;
      const kept = this.ctx.state.data.versions[setId] ?? [];
      this.o.out(`${setId} is no longer followed: dropping ${kept.map((v) => `v${v}`).join(', ') || 'its state'}`);
      for (const version of kept) await dropVersion(this.ctx, setId, version);
      delete this.ctx.state.data.versions[setId];
      await this.ctx.state.save();
    }
  }

  /**
   * Posts this poll's report. A report the catalogue refuses (an old format, a clock too far
   * off, a key problem) is logged with its reason and the poll goes on: takedowns and new
   * versions must not wait for a fixed clock. Null then: auto mode skips this poll.
   */
  private async sendReport(): Promise<ReportAnswer | null> {
    try {
      return await this.client.report(this.report());
    } catch (err) {
      if (!isApiError(err) || !REFUSED_REPORT_CODES.has(err.code)) throw err;
      this.o.logger.error({ err }, 'the catalogue refused this seeder\'s report; following goes on, auto mode waits');
      this.o.out(`report refused: ${errorMessage(err)}${err.hint ? ` (${err.hint})` : ''}`);
      return null;
    }
  }

  private report(): SeederReport {
    const s = this.ctx.seeder.status();
    // Strictly later than the last one (the catalogue refuses a sentAt not newer), even within one millisecond.
    this.lastSentMs = Math.max(Date.now(), this.lastSentMs + 1);
    // Signed with the operator key: the catalogue counts a report's claims and space only under a key it can check.
    return signSeederReport(this.ctx.seeder.operatorKey, {
      quotaBytes: s.quotaBytes,
      usedBytes: s.diskUseBytes,
      // 0 until the first disk measurement: say nothing rather than offer nothing.
      ...(s.freeBytes > 0 ? { freeBytes: s.freeBytes } : {}),
      volumes: s.volumes.map((v) => v.infoHash),
      ...progressOf(s.volumes),
      version: SEEDBANK_VERSION,
      pollIntervalMs: this.o.pollIntervalMs,
    }, new Date(this.lastSentMs));
  }

  /** Runs one part of a poll; a failure there is logged and the rest goes on (a catalogue outage ends the poll). */
  private async step(what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (isSeedbankError(err, 'CATALOGUE_UNREACHABLE')) throw err;
      if (hasErrorKind(err, 'integrity')) this.o.logger.error({ err }, `${what}: refused data that failed its check`);
      else this.o.logger.warn({ err }, `${what}: ${errorMessage(err)}`);
      this.o.out(`${what}: ${errorMessage(err)}`);
    }
  }
}

/**
 * The verified bytes of each volume still downloading, for the report: while they go up the
 * catalogue keeps this seeder's claim counting past its audit grace, so a slow download is not
 * offered to another host. Complete volumes are left out (the census confirms those).
 */
export function progressOf(volumes: ReadonlyArray<{ infoHash: string; verifiedBytes: number; totalBytes: number }>): { progress?: Record<string, number> } {
  const downloading = volumes.filter((v) => v.verifiedBytes < v.totalBytes).slice(0, MAX_REPORTED_PROGRESS);
  return downloading.length === 0 ? {} : { progress: Object.fromEntries(downloading.map((v) => [v.infoHash, v.verifiedBytes])) };
}
