/**
 * Following named sets: when a set's pointer names a newer version, fetch and verify its
 * manifest, host its new volumes (unchanged volumes keep their info hash: nothing to do; files
 * already on disk with the same path and SHA-1 are reused by the store, so only missing bytes
 * move), keep the last `keepVersions` versions and drop older ones' volumes. A split (/3)
 * version is planned from its top manifest alone; then only the lists of the volumes this
 * seeder hosts are fetched, checked and seeded.
 */
import { errorMessage, hasErrorKind, isSeedbankError, SeedbankError } from '../../../shared/errors.ts';
import type { VersionManifest } from '../../../shared/formats/version-manifest.ts';
import { parseVolumeTorrent } from '../../../shared/torrent/index.ts';
import { formatSize } from '../../../shared/units.ts';
import { ALLOCATION_UNIT_BYTES, allocatedSize, VOLUME_OVERHEAD_BYTES } from '../quota.ts';
import { removeUnneeded, versionKey, type FollowContext } from './follow-context.ts';
import type { VersionSource } from './version-source.ts';

/** What one set's sync did. */
export type SetSyncOutcome = 'unknown' | 'current' | 'updated';

/** Brings one followed set to its latest version. */
export async function syncSet(ctx: FollowContext, setId: string, source: VersionSource): Promise<SetSyncOutcome> {
  const data = ctx.state.data;
  const pinned = data.setKeys[setId];
  const p = await source.pointer(setId, pinned);
  if (!p) return 'unknown';
  const kept = data.versions[setId] ?? [];
  if (kept.length > 0 && p.seq <= Math.max(...kept)) {
    // A list refused or not reached on an earlier poll is fetched now.
    for (const v of kept) {
      const m = ctx.manifests.get(versionKey(setId, v));
      if (m) await fetchHostedLists(ctx, m, source);
    }
    return 'current';
  }
  await source.fetchMetadata(ctx.meta, p);
  const manifest = await ctx.meta.verifiedManifest(setId, p.seq, p.k);
  if (!pinned) {
    if (ctx.plainHttpRemote && source.via === 'catalogue') {
      ctx.log.warn({ set: setId, key: p.k }, 'trusting the set key on first sight over plain HTTP: reach production catalogues over HTTPS, or pin it in setKeys of the config file');
    }
    data.setKeys[setId] = p.k;
    ctx.log.info({ set: setId, key: p.k }, 'pinned the set key on first sight');
  }
  ctx.manifests.set(versionKey(setId, p.seq), manifest);
  data.versions[setId] = [...kept, p.seq].sort((a, b) => a - b);
  await ctx.state.save();
  ctx.out(`${setId} v${p.seq}: ${manifest.head.volumes.length} volumes, ${formatSize(manifest.head.totals.bytes)} (via ${source.via})`);
  await makeRoom(ctx, setId, manifest);
  await hostVolumes(ctx, manifest, source);
  await trimVersions(ctx, setId);
  await fetchHostedLists(ctx, manifest, source);
  return 'updated';
}

/**
 * Fetches the lists of a split version's volumes this seeder hosts that are not on disk yet,
 * checked against the signed top manifest, and seeds them with the rest of its metadata.
 */
async function fetchHostedLists(ctx: FollowContext, m: VersionManifest, source: VersionSource): Promise<void> {
  if (!m.split) return;
  const hosted = new Set(ctx.seeder.volumes().map((v) => v.infoHash));
  const refs = m.split.volumes.filter((v) => hosted.has(v.infoHash)).map((v) => v.list);
  const absent = await ctx.meta.partsAbsent(m.head.set.id, m.head.version, refs);
  if (absent.length === 0) return;
  const moved = await source.fetchParts(ctx.meta, m.head.set.id, m.head.version, absent);
  ctx.log.info({ set: m.head.set.id, version: m.head.version, lists: absent.length, bytes: moved.partBytes, edgeBytes: moved.edgeBytes, via: source.via }, 'fetched the lists of the hosted volumes');
}

/** Expected bytes a file's rounding up to whole allocation units adds: half a unit (a split version's top manifest gives volume sizes, not file sizes). */
const EXPECTED_ROUNDING_BYTES = ALLOCATION_UNIT_BYTES / 2;

/**
 * Bytes the version adds on disk: files no hosted version already holds (same path and SHA-1),
 * plus volume overhead. A split version is planned from its volumes' sizes without reading
 * lists (it has none of the volumes it does not host yet), so files shared with a kept version
 * count again: the plan errs high, and each volume's exact check happens when it is added.
 */
function addedBytes(ctx: FollowContext, m: VersionManifest): number {
  const hosted = new Set(ctx.seeder.volumes().map((v) => v.infoHash));
  const fresh = m.head.volumes.filter((v) => !hosted.has(v.infoHash));
  let bytes = fresh.length * VOLUME_OVERHEAD_BYTES;
  if (!m.whole) return fresh.reduce((sum, v) => sum + v.size + v.files * EXPECTED_ROUNDING_BYTES, bytes);
  const present = new Set<string>();
  for (const other of ctx.manifests.values()) {
    if (other === m || !other.whole) continue;
    for (const f of other.whole.files) if (hosted.has(f.volume)) present.add(`${f.path}:${f.sha1}`);
  }
  const freshIds = new Set(fresh.map((v) => v.infoHash));
  for (const f of m.whole.files) if (freshIds.has(f.volume) && !present.has(`${f.path}:${f.sha1}`)) bytes += allocatedSize(f.size);
  return bytes;
}

/** Drops the set's older kept versions (never the new one) while the new version does not fit. */
async function makeRoom(ctx: FollowContext, setId: string, vm: VersionManifest): Promise<void> {
  const m = vm.head;
  const free = () => ctx.seeder.quotaBytes - ctx.seeder.plannedBytes();
  while (addedBytes(ctx, vm) > free()) {
    const older = (ctx.state.data.versions[setId] ?? []).filter((v) => v < m.version);
    if (older.length === 0) break;
    ctx.out(`${setId} v${m.version} needs room: dropping v${older[0]} before its time`);
    await dropVersion(ctx, setId, older[0]!);
  }
  const add = addedBytes(ctx, vm);
  if (add > free()) {
    const message = `${setId} v${m.version} does not fit: it needs ${formatSize(add)} more, hosted volumes plan ${formatSize(ctx.seeder.plannedBytes())} ` +
      `of a ${formatSize(ctx.seeder.quotaBytes)} quota (${formatSize(add - free())} short); hosting the volumes that fit`;
    ctx.log.warn({ set: setId, version: m.version, addBytes: add, plannedBytes: ctx.seeder.plannedBytes(), quotaBytes: ctx.seeder.quotaBytes }, message);
    ctx.out(`WARNING: ${message}`);
  }
}

/** Hosts the version's volumes not hosted yet; a volume over the quota is reported and skipped. */
async function hostVolumes(ctx: FollowContext, vm: VersionManifest, source: VersionSource): Promise<void> {
  const m = vm.head;
  const hosted = new Set(ctx.seeder.volumes().map((v) => v.infoHash));
  for (const v of m.volumes) {
    if (hosted.has(v.infoHash)) continue;
    try {
      const bytes = await source.volumeTorrent(v.infoHash);
      const served = parseVolumeTorrent(bytes).infoHash;
      if (served !== v.infoHash) {
        throw new SeedbankError('TORRENT_INFO_HASH_MISMATCH', `the torrent served (via ${source.via}) for ${v.infoHash} of ${m.set.id} v${m.version} has info hash ${served}`, {
          context: { expected: v.infoHash, served, set: m.set.id, version: m.version, via: source.via },
        });
      }
      const s = await ctx.seeder.addVolume(bytes);
      ctx.out(`hosting ${v.infoHash} of ${m.set.id} v${m.version} (${s.files} files, ${formatSize(s.totalBytes)}, ${(s.progress * 100).toFixed(1)}% already on disk)`);
    } catch (err) {
      if (hasErrorKind(err, 'integrity')) ctx.log.error({ infoHash: v.infoHash, err }, 'refused a volume torrent that failed its check');
      else if (!isSeedbankError(err, 'QUOTA_EXCEEDED')) ctx.log.warn({ infoHash: v.infoHash, err }, 'could not host a volume');
      ctx.out(`skipped ${v.infoHash} of ${m.set.id} v${m.version}: ${errorMessage(err)}`);
    }
  }
}

/** Keeps the last `keepVersions` versions of the set. */
async function trimVersions(ctx: FollowContext, setId: string): Promise<void> {
  for (;;) {
    const kept = ctx.state.data.versions[setId] ?? [];
    if (kept.length <= ctx.keepVersions) return;
    await dropVersion(ctx, setId, kept[0]!);
  }
}

/** Stops hosting one version: its metadata, and its volumes no kept version (or auto mode) needs. */
export async function dropVersion(ctx: FollowContext, setId: string, version: number): Promise<void> {
  const m = ctx.manifests.get(versionKey(setId, version));
  ctx.manifests.delete(versionKey(setId, version));
  ctx.state.data.versions[setId] = (ctx.state.data.versions[setId] ?? []).filter((v) => v !== version);
  await ctx.state.save();
  await ctx.meta.drop(setId, version);
  if (m) await removeUnneeded(ctx, m.head.volumes.map((v) => v.infoHash));
  ctx.out(`${setId} v${version} no longer hosted`);
}
