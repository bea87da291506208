/**
 * Auto mode, each poll: update each auto volume's surplus streak from the catalogue's answer to
 * the report, plan (auto-plan.ts), then drop and add.
 */
import { errorMessage, hasErrorKind, isSeedbankError, SeedbankError } from '../../../shared/errors.ts';
import { parseVolumeTorrent } from '../../../shared/torrent/index.ts';
import { formatSize } from '../../../shared/units.ts';
import { allocatedSize, VOLUME_OVERHEAD_BYTES } from '../quota.ts';
import { maxDownloadingBytes, nextSurplusStreak, planAuto } from './auto-plan.ts';
import type { CatalogueApi } from '../../../shared/api/catalogue-api.ts';
import type { ReportAnswer } from '../../../shared/api/seeder-schemas.ts';
import { removeUnneeded, type FollowContext } from './follow-context.ts';

/**
 * Each follower's last measured download rate (bytes/s): an idle seeder measures 0, and its
 * queue bound must still come from the rate it showed, not from the floor for a new seeder.
 */
const lastRate = new WeakMap<FollowContext['state'], number>();

/** Candidates whose torrent is fetched before planning, so their disk use is known exactly. */
const CANDIDATES_FETCHED = 8;
/** Torrents of candidates, kept between polls (they never change: content-addressed). */
const torrentCache = new Map<string, Uint8Array>();
const TORRENT_CACHE_MAX = 256;

async function torrentOf(client: CatalogueApi, infoHash: string): Promise<Uint8Array> {
  const cached = torrentCache.get(infoHash);
  if (cached) return cached;
  const bytes = await client.torrent(infoHash);
  const served = parseVolumeTorrent(bytes).infoHash;
  if (served !== infoHash) {
    throw new SeedbankError('TORRENT_INFO_HASH_MISMATCH', `the catalogue at ${client.baseUrl} served, for ${infoHash}, a torrent with info hash ${served}`, {
      context: { expected: infoHash, served, via: 'catalogue', catalogue: client.baseUrl },
    });
  }
  if (torrentCache.size >= TORRENT_CACHE_MAX) torrentCache.delete(torrentCache.keys().next().value!);
  torrentCache.set(infoHash, bytes);
  return bytes;
}

/**
 * Runs one auto-mode step. After adding volumes it reports again at once (`reportNow`), so
 * seeders polling in the next minutes see the claims instead of all picking the same volumes.
 */
export async function syncAuto(ctx: FollowContext, client: CatalogueApi, answer: ReportAnswer, minHostingMs: number, reportNow?: () => Promise<unknown>): Promise<void> {
  const auto = ctx.state.data.auto;
  const status = new Map(ctx.seeder.volumes().map((v) => [v.infoHash, v]));
  for (const [ih, a] of Object.entries(auto)) {
    a.surplusStreak = nextSurplusStreak(a.surplusStreak, answer.hosted[ih]);
  }
  const rateNow = [...status.values()].reduce((sum, v) => sum + v.downloadBytesPerSecond, 0);
  // A download that is only starting shows a low rate: a decaying maximum keeps one slow sample from throttling a fast seeder.
  if (rateNow > 0) lastRate.set(ctx.state, Math.max(rateNow, (lastRate.get(ctx.state) ?? 0) / 2));
  const needs = await client.needs();
  const exact = new Map<string, number>();
  for (const n of needs.filter((x) => !status.has(x.infoHash)).slice(0, CANDIDATES_FETCHED)) {
    const files = parseVolumeTorrent(await torrentOf(client, n.infoHash)).files;
    exact.set(n.infoHash, files.reduce((sum, f) => sum + allocatedSize(f.length), VOLUME_OVERHEAD_BYTES));
  }
  const plan = planAuto({
    needs,
    plannedOf: (ih) => exact.get(ih),
    claims: answer.claims,
    hosted: Object.keys(auto).flatMap((ih) => {
      const s = status.get(ih);
      return s ? [{ infoHash: ih, size: s.totalBytes, addedAtMs: Date.parse(s.addedAt), latest: answer.hosted[ih]?.latest ?? true, surplusStreak: auto[ih]!.surplusStreak }] : [];
    }),
    hostedAll: new Set(status.keys()),
    freeBytes: ctx.seeder.quotaBytes - ctx.seeder.plannedBytes(),
    nowMs: Date.now(),
    minHostingMs,
    downloadingBytes: [...status.values()].reduce((sum, v) => sum + Math.max(0, v.totalBytes - v.verifiedBytes), 0),
    maxDownloadingBytes: maxDownloadingBytes(lastRate.get(ctx.state)),
  });
  for (const ih of plan.drop) {
    ctx.out(`auto: dropping ${ih} (${auto[ih]?.setId}): above its copy target, a needier volume needs the room`);
    delete auto[ih];
  }
  await removeUnneeded(ctx, plan.drop);
  let added = 0;
  for (const n of plan.add) {
    try {
      await ctx.seeder.addVolume(await torrentOf(client, n.infoHash));
      auto[n.infoHash] = { setId: n.setId, surplusStreak: 0 };
      added++;
      ctx.out(`auto: hosting ${n.infoHash} of ${n.setId} (${formatSize(n.size)}, ${n.copies} of ${n.copyTarget} copies)`);
    } catch (err) {
      if (hasErrorKind(err, 'integrity')) ctx.log.error({ infoHash: n.infoHash, set: n.setId, err }, 'refused a volume torrent that failed its check');
      else if (!isSeedbankError(err, 'QUOTA_EXCEEDED')) ctx.log.warn({ infoHash: n.infoHash, set: n.setId, err }, 'auto: could not host a volume');
      ctx.out(`auto: could not host ${n.infoHash} of ${n.setId}: ${errorMessage(err)}`);
    }
  }
  await ctx.state.save();
  if (added > 0 && reportNow) await reportNow();
}
