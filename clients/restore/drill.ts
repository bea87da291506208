/**
 * A restore drill: a random sample of a set's files restored from peers only (no web seed,
 * so it tests the swarm, not the wiki) into a temporary folder, timed, with the copies the
 * catalogue claimed for them, then reported to the catalogue. Answers the proposal's
 * "how do we test the restoration process regularly?".
 */
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { errorMessage, SeedbankError } from '../../shared/errors.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import type { Logger } from '../../shared/log.ts';
import type { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import type { DrillReport } from '../../shared/api/drill-schemas.ts';
import { restoreSet } from './restore.ts';
import type { RestoreReport } from './restore-report.ts';

/** Files restored per drill unless told otherwise. */
export const DEFAULT_DRILL_SAMPLE = 100;
/** Copy lookups in flight at once (the catalogue rate-limits reads). */
const COPY_LOOKUP_CONCURRENCY = 4;

/** What `POST /api/drills` takes (the shared contract's DrillReport). */
export type DrillReportBody = DrillReport;

export interface DrillOptions {
  catalogue: CatalogueApi;
  /** A set id, or null for a random set with a published version. */
  setId: string | null;
  sample: number;
  /** Publishing token; without it the drill runs but is not reported. */
  token?: string;
  stallTimeoutMs?: number;
  userAgent: string;
  logger: Logger;
  signal?: AbortSignal;
  /** Parent of the temporary folder (default the OS temp folder). */
  tempDir?: string;
}

/** A drill's result, and whether the catalogue took the report. */
export interface DrillOutcome {
  body: DrillReportBody;
  restore: RestoreReport | null;
  reported: boolean;
}

/** `n` distinct items chosen uniformly (partial Fisher–Yates). */
export function randomSample<T>(items: readonly T[], n: number): T[] {
  const a = [...items];
  const k = Math.min(n, a.length);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(a.length - i);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, k);
}

async function copiesOf(catalogue: CatalogueApi, files: ManifestFile[]): Promise<{ min: number; median: number } | null> {
  const counts: number[] = [];
  const queue = [...files];
  const worker = async () => {
    for (let f = queue.shift(); f; f = queue.shift()) counts.push((await catalogue.fileCopies(f.sha1)).copies);
  };
  await Promise.all(Array.from({ length: COPY_LOOKUP_CONCURRENCY }, worker));
  if (counts.length === 0) return null;
  counts.sort((x, y) => x - y);
  return { min: counts[0]!, median: counts[Math.floor((counts.length - 1) / 2)]! };
}

async function pickSet(catalogue: CatalogueApi): Promise<string> {
  const sets = await catalogue.sets();
  const published = sets.filter((s) => s.latest);
  if (published.length === 0) throw new SeedbankError('NOTHING_PUBLISHED', `the catalogue at ${catalogue.baseUrl} has no published set to drill`);
  return published[randomInt(published.length)]!.id;
}

/** Runs one drill; a failure is a result (ok: false), not an exception, so it is always reported. */
export async function runDrill(o: DrillOptions): Promise<DrillOutcome> {
  const started = new Date();
  const dir = await mkdtemp(path.join(o.tempDir ?? os.tmpdir(), 'seedbank-drill-'));
  let body: DrillReportBody;
  let restore: RestoreReport | null = null;
  let setId = o.setId ?? '';
  try {
    setId = o.setId ?? (await pickSet(o.catalogue));
    let copiesSeen: DrillReportBody['copiesSeen'] = null;
    restore = await restoreSet({
      catalogue: o.catalogue,
      setId,
      version: null,
      outDir: dir,
      layout: 'commons',
      webSeeds: false,
      sample: o.sample,
      stallTimeoutMs: o.stallTimeoutMs,
      userAgent: o.userAgent,
      logger: o.logger,
      signal: o.signal,
      onSelected: async (files) => {
        copiesSeen = await copiesOf(o.catalogue, files);
      },
    });
    const failed = restore.problems.slice(0, 5).map((p) => `${p.outcome} ${p.title}`);
    body = {
      setId,
      version: restore.version,
      startedAt: started.toISOString(),
      ok: restore.ok,
      filesChecked: restore.files,
      filesOk: restore.filesOk,
      bytes: restore.bytes,
      seconds: restore.seconds,
      copiesSeen,
      error: restore.ok ? null : `${restore.files - restore.filesOk} of ${restore.files} sampled files not restored from peers${failed.length ? `: ${failed.join('; ')}` : ''}`.slice(0, 2000),
    };
  } catch (err) {
    body = { setId, version: 1, startedAt: started.toISOString(), ok: false, filesChecked: 0, filesOk: 0, bytes: 0, seconds: (Date.now() - started.getTime()) / 1000, copiesSeen: null, error: errorMessage(err).slice(0, 2000) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  let reported = false;
  if (o.token && setId) {
    try {
      await o.catalogue.postDrill(body, o.token);
      reported = true;
    } catch (err) {
      o.logger.error({ err }, 'could not report the drill to the catalogue');
    }
  } else {
    o.logger.warn('no token: the drill is not reported to the catalogue (pass --token or set SEEDBANK_TOKEN)');
  }
  if (!body.ok) o.logger.error({ setId, filesOk: body.filesOk, filesChecked: body.filesChecked, error: body.error }, 'restore drill FAILED');
  else o.logger.info({ setId, filesOk: body.filesOk, seconds: body.seconds }, 'restore drill succeeded');
  return { body, restore, reported };
}
