/**
 * The dump side of a build: opens and verifies the run in `--dumps DIR` and lists the
 * recipe's selection from it, giving the build what the API side gives (site facts, snapshot
 * point, selection) plus the run it came from for the manifest.
 */
import { openDumpRun, type DumpKind } from '../../shared/dumps/dump-run-folder.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { COMMONS_API_URL, type Recipe } from '../../shared/formats/recipe.ts';
import type { Logger } from '../../shared/log.ts';
import { dumpSiteFacts, listSelectionFromDumps } from './listing/dump-listing.ts';
import type { ListingProgress, Selection } from './listing/selection.ts';
import type { PageStore } from './listing/page-store.ts';

/** Where Commons' originals are served: the url-list of its volumes. */
export const COMMONS_UPLOAD_BASE = 'https://upload.wikimedia.org/wikipedia/';
/** Dumps every dump build reads. */
const NEEDED: DumpKind[] = ['image', 'page', 'categorylinks', 'pages-articles'];
/** Dumps read when the run has them (linktarget: newer MediaWiki's categorylinks needs it). */
const OPTIONAL: DumpKind[] = ['linktarget', 'imagelinks', 'globalimagelinks'];

/** How to build from a dump run. */
export interface DumpSourceOptions {
  /** The folder holding one run's files. */
  dir: string;
  /** Upload base of the originals (`https://upload.wikimedia.org/wikipedia/`); default Commons' for Commons recipes. */
  uploadBase?: string;
}

/** The manifest's record of the run a version was listed from (apart from snapshot.dumpRun, the run expected after an API build). */
export interface FromDump {
  /** The wiki's database name in the run's file names (`commonswiki`). */
  wiki: string;
  /** The run's date, YYYYMMDD. */
  run: string;
  /** The highest revision id in the run's pages-articles. */
  maxRevisionId: number;
}

/** Verifies the run, then lists the recipe from it. */
export async function listFromDumpRun(
  o: DumpSourceOptions,
  recipe: Recipe,
  apiUrl: string,
  options: { pages: PageStore; logger: Logger; onProgress?: (p: ListingProgress) => void },
): Promise<{ selection: Selection; site: { siteName: string; generator: string; articleUrl: string }; snapshot: { maxRevisionId: number; maxLogId: number }; fromDump: FromDump; verified: number }> {
  const uploadBase = o.uploadBase ?? (apiUrl === COMMONS_API_URL ? COMMONS_UPLOAD_BASE : undefined);
  if (uploadBase === undefined) {
    throw new SeedbankError('CONFIG_MISSING', `a build from dumps of ${apiUrl} needs the upload base its originals are served from`, {
      hint: 'pass --upload-base, e.g. https://upload.wikimedia.org/wikipedia/ (the folder above commons/)',
    });
  }
  const t = performance.now();
  const run = await openDumpRun(o.dir, NEEDED, OPTIONAL);
  options.logger.info({ wiki: run.wiki, run: run.date, files: Object.keys(run.verified).length, ms: Math.round(performance.now() - t) }, 'dump run verified');
  const listing = await listSelectionFromDumps(run, recipe, { uploadBase, pages: options.pages, logger: options.logger, onProgress: options.onProgress });
  return {
    selection: listing.selection,
    site: dumpSiteFacts(listing.site),
    // The run holds no log: the log id is unknown, and 0 makes a later change scan read every event it is shown.
    snapshot: { maxRevisionId: listing.maxRevisionId, maxLogId: 0 },
    fromDump: { wiki: run.wiki, run: run.date, maxRevisionId: listing.maxRevisionId },
    verified: Object.keys(run.verified).length,
  };
}
