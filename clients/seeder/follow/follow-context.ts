/**
 * What the parts of the follower share: the seeder, the persisted state, the metadata host,
 * the verified manifests of the versions hosted, and the rule for which volumes are needed.
 */
import type { Logger } from '../../../shared/log.ts';
import type { VersionManifest } from '../../../shared/formats/version-manifest.ts';
import type { Seeder } from '../host.ts';
import type { FollowState } from './follow-state.ts';
import type { KeyPins } from './key-pins.ts';
import type { MetadataHost } from './metadata-host.ts';

/** The follower's shared state. */
export interface FollowContext {
  seeder: Seeder;
  state: FollowState;
  meta: MetadataHost;
  log: Logger;
  keepVersions: number;
  /** Verified manifests of hosted versions, by `set@version`. */
  manifests: Map<string, VersionManifest>;
  /** Lines for the operator (stdout). */
  out: (line: string) => void;
  /** Keys the operator pinned up front (refusals then name them). */
  pins: KeyPins;
  /** The catalogue is reached over plain HTTP on another machine: first-contact keys could be forged in transit. */
  plainHttpRemote: boolean;
}

/** The key of a version in `manifests`. */
export const versionKey = (setId: string, version: number) => `${setId}@${version}`;

/** Volumes some hosted version or auto mode needs. */
export function neededVolumes(ctx: FollowContext): Set<string> {
  const needed = new Set(Object.keys(ctx.state.data.auto));
  for (const m of ctx.manifests.values()) for (const v of m.head.volumes) needed.add(v.infoHash);
  return needed;
}

/** Removes, among `candidates`, the hosted volumes nothing needs any more (their files only if no kept volume holds them). */
export async function removeUnneeded(ctx: FollowContext, candidates: Iterable<string>): Promise<void> {
  const needed = neededVolumes(ctx);
  const hosted = new Set(ctx.seeder.volumes().map((v) => v.infoHash));
  for (const ih of new Set(candidates)) {
    if (needed.has(ih) || !hosted.has(ih)) continue;
    const r = await ctx.seeder.removeVolume(ih);
    ctx.out(`dropped volume ${ih} (${r.deletedFiles} files deleted, ${r.keptFiles} kept for other volumes)`);
  }
}
