import { writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { canonicalJson } from '../../shared/canonical-json.ts';
import { listChangesSince, listedAt, type ListingState } from './listing/changes-since.ts';
import type { Selection } from './listing/selection.ts';
import path from 'node:path';
import { SeedbankError } from '../../shared/errors.ts';
import { readJson } from '../../shared/fs/index.ts';
import type { Manifest, ManifestChanges } from '../../shared/formats/manifest.ts';
import type { ManifestHead } from '../../shared/formats/version-manifest.ts';
import { makePointer } from '../../shared/formats/pointer.ts';
import type { Recipe } from '../../shared/formats/recipe.ts';
import { PoliteClient } from '../../shared/http/polite-client.ts';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { createProgress } from '../../shared/progress.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import { diffAgainstParent, isEmptyDiff } from './diff.ts';
import { ParentFiles } from './parent-files.ts';
import { listSelection, type ListingProgress } from './listing/selection.ts';
import { WikiApi, type SiteFacts } from './listing/wiki-api.ts';
import { listFromDumpRun, type DumpSourceOptions, type FromDump } from './dump-source.ts';
import { syncMedia, type SyncReport } from './media-sync.ts';
import { copyParentPages, parentRecords, readParent, type ParentVersion } from './parent-version.ts';
import { openPageStore, type PageStore } from './listing/page-store.ts';
import { writesSplit, writeVersion, type ManifestFormatChoice } from './version-writer.ts';
import { SetStore } from './store.ts';
import { buildUserAgent } from './user-agent.ts';
import { buildVolumes } from './volumes.ts';
import { dumpRunFor } from './dump-run.ts';
import { makeMosaic } from '../../shared/preview-mosaic.ts';
import { closeHashWorkers } from '../../shared/torrent/index.ts';
import type { ListedFile } from './listing/listed-file.ts';
import { FileTable, keepWhere, type FileList } from './listing/file-table.ts';

/** Options of one build. */
export interface BuildOptions {
  recipe: Recipe;
  dataDir: string;
  /** API URL overriding the recipe's wiki (tests, local mirrors). */
  wikiApiUrl?: string;
  /** Contact for the User-Agent; required for Wikimedia wikis. */
  contact?: string;
  /** Connections to the upload server; Wikimedia asks for at most 2. */
  maxConnections?: number;
  /** Bandwidth cap to the upload server in bytes per second; 0 for none. Default 25 Mbit/s. */
  maxBytesPerSecond?: number;
  /** Tracker URLs written into the torrents (outside the info dictionary). */
  trackers?: string[];
  logger?: Logger;
  /** Show bars on a terminal (default: when stderr is one). */
  tty?: boolean;
  signal?: AbortSignal;
  /** The clock, injectable for reproducible tests. */
  now?: () => Date;
  /** Pause between API retries (tests shorten it). */
  apiRetryPauseMs?: number;
  /** Pages per API batch (default the API's maximum); tests lower it to exercise continuation. */
  apiBatchLimit?: number;
  /** Walk every category again instead of reading the changes since the parent version. */
  fullListing?: boolean;
  /** A local mirror of the upload tree (DIR/a/ab/Name): files with the wiki's SHA-1 are taken from there, not downloaded. */
  mediaFrom?: string;
  /** List from this dump run instead of the API (the media still come from the upload server). */
  dumps?: DumpSourceOptions;
  /** Manifest format: whole (/2), split (/3), or auto (split above 20,000 files, the default). */
  manifestFormat?: ManifestFormatChoice;
  /** Called as each phase ends, with its name and duration (the memory benchmark samples the heap there). */
  onPhase?: (name: string, ms: number) => void;
}

/** What a build did. */
export interface BuildResult {
  status: 'built' | 'unchanged';
  setId: string;
  version: number;
  dir: string;
  /** How the version's manifest is written: one whole manifest.json (/1, /2) or split into parts (/3). */
  format: 'whole' | 'split';
  /** The top manifest's content: all but the file records, change lists and pages. */
  head: ManifestHead;
  /** The change lists against the parent (for an unchanged build, the latest version's). */
  changes: ManifestChanges;
  /**
   * The whole manifest of a whole version. A split version's file records are in its lists:
   * reading this throws; read them with openVersionManifest(result.dir) instead.
   */
  readonly manifest: Manifest;
  stats: {
    apiRequests: number;
    listedFiles: number;
    listingMode: 'full' | 'changes';
    downloadRequests: number;
    media: SyncReport;
    volumesHashed: number;
    volumesReused: number;
    piecesHashed: number;
    elapsedMs: number;
    /** Milliseconds spent in each phase, for the benchmark and the log. */
    phases: Record<string, number>;
  };
}

/**
 * Builds the next version of a set: lists the wiki, syncs the media tree, cuts volumes,
 * writes pages, manifest, signature, metadata torrent and DHT pointer into a scratch
 * folder, then publishes it with a rename. With nothing changed, no version is made.
 */
export async function buildSet(options: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const recipe = options.recipe;
  const logger = (options.logger ?? silentLogger).child({ set: recipe.id });
  const now = options.now ?? (() => new Date());
  const store = new SetStore(options.dataDir);
  const apiUrl = options.wikiApiUrl ?? recipe.wiki;
  const userAgent = buildUserAgent(options.contact, apiUrl);
  const release = await store.lock(recipe.id);
  const phases: Record<string, number> = {};
  let phaseStart = Date.now();
  const phase = (name: string) => {
    const t = Date.now();
    phases[name] = t - phaseStart;
    options.onPhase?.(name, t - phaseStart);
    phaseStart = Date.now();
  };
  let pages: PageStore | null = null;
  try {
    const parentVersion = await store.latestVersion(recipe.id);
    // Page XML, the bulk of a listing, waits on disk until the pages archives are written.
    pages = await openPageStore(store.workDir(recipe.id, (parentVersion ?? 0) + 1));
    const parent = parentVersion === null ? null : await readParent(store, recipe.id, parentVersion);
    const key = await loadOrCreateSetKey(store.keysDir, recipe.id);
    if (parent && parent.head.set.publicKey !== key.publicKeyHex) {
      throw new SeedbankError('KEY_MISMATCH', `the key in ${store.keysDir} is not the key that signed ${recipe.id} v${parentVersion}`, {
        hint: 'restore the original key file; catalogues refuse versions signed by another key',
      });
    }

    const api = new WikiApi({ apiUrl, userAgent, logger, retryPauseMs: options.apiRetryPauseMs, batchLimit: options.apiBatchLimit });
    // A category walk counts categories (the total grows as subcategories turn up); a shard or
    // region scan has no categories, so its bar counts the files it has looked at.
    const byCategory = recipe.selection.categories.length > 0;
    let shown = 0;
    const listProgress = createProgress('listing', logger, { tty: options.tty, unit: byCategory ? 'categories' : 'files looked at', bytes: false });
    const showListing = (done: number, total: number) => {
      listProgress.setTotal(total, 0);
      listProgress.tick(done - shown, 0);
      shown = done;
    };
    const onProgress = (p: ListingProgress) => (byCategory ? showListing(p.categoriesVisited, p.categoriesVisited + p.categoriesQueued) : showListing(p.filesSeen, p.filesSeen));
    let changeListing: Selection | null = null;
    let site: Pick<SiteFacts, 'siteName' | 'generator' | 'articleUrl'>;
    let snapshot: { maxRevisionId: number; maxLogId: number };
    let selection: Selection;
    let fromDump: FromDump | undefined;
    let builtAt: Date;
    if (options.dumps) {
      // Always the whole selection: a run is a complete picture, and its checks come first.
      builtAt = now();
      logger.info({ dumps: options.dumps.dir, parent: parentVersion }, 'listing the selection from a dump run');
      ({ site, snapshot, selection, fromDump } = await listFromDumpRun(options.dumps, recipe, apiUrl, { pages, logger, onProgress }));
    } else {
      const facts = await api.siteFacts();
      site = facts;
      snapshot = await api.snapshotPoint();
      builtAt = now();
      logger.info({ wiki: apiUrl, site: site.siteName, parent: parentVersion }, 'listing the selection');
      if (parent && !options.fullListing) {
        const incremental = await tryChangeListing(store, recipe, apiUrl, parent, api, facts, builtAt, pages, logger);
        if ('fallback' in incremental) logger.info({ reason: incremental.fallback }, 'listing the whole selection');
        else changeListing = incremental;
      }
      selection = changeListing ?? (await listSelection(api, recipe, facts, { pages, logger, onProgress }));
    }
    // Unmap what the listing wrote and read of the page store: it is read again only volume by volume.
    await pages.release();
    // From here on the records are read one at a time from the compact table (a change listing's array is packed into one).
    selection.files = FileTable.from(selection.files);
    const looked = byCategory ? selection.categoriesVisited : selection.files.length + selection.filteredOut;
    if (!changeListing) showListing(looked, looked);
    listProgress.stop();
    phase('listing');

    const client = new PoliteClient({ userAgent, maxConnections: options.maxConnections, maxBytesPerSecond: options.maxBytesPerSecond, logger });
    const downloadProgress = createProgress('downloading', logger, { tty: options.tty });
    // The parent's paths, sizes and SHA-1s, read list by list into a compact index; its records are not kept.
    let parentFiles = parent ? await ParentFiles.read(parent.manifest.files()) : null;
    const media = await syncMedia(store, selection.files, parentFiles, client, { logger, progress: downloadProgress, signal: options.signal, mediaFrom: options.mediaFrom });
    // An async function's locals live as long as it runs: drop the index before volumes and write.
    parentFiles = null;
    downloadProgress.stop();
    phase('media');
    const skippedTitles = new Set(media.skipped.map((s) => s.title));
    const files = skippedTitles.size === 0 ? selection.files : keepWhere(selection.files, (f) => !skippedTitles.has(f.title));
    if (files.length === 0) {
      throw new SeedbankError('SELECTION_EMPTY', `the recipe ${recipe.id} selects no file on ${apiUrl}`, {
        hint: 'check the category names (without the "Category:" prefix is fine), the depth, and the filters',
        context: { listed: selection.files.length, skipped: media.skipped.length },
      });
    }

    // Both sides in title order: the parent's records streamed list by list against the table.
    const changes = await diffAgainstParent(parent ? parent.manifest.files() : null, files);
    if (parent && isEmptyDiff(changes)) {
      logger.info({ version: parentVersion }, `no change since v${parentVersion}: no new version made`);
      return result('unchanged', parentVersion!, parent.dir, parent.manifest.whole ? 'whole' : 'split', parent.head, await parent.manifest.changes(), parent.manifest.whole, 0, 0, 0);
    }

    const version = (parentVersion ?? 0) + 1;
    const scratch = await store.scratchDir(recipe.id, version);
    const hashProgress = createProgress('hashing', logger, { tty: options.tty });
    const { volumes, layout } = await buildVolumes(store, recipe.id, files, parent?.head ?? null, {
      limitBytes: recipe.volumeSizeLimit,
      limitFiles: recipe.volumeFileLimit,
      pieceLength: recipe.pieceLength,
      trackers: options.trackers ?? [],
      scratch,
      logger,
      progress: hashProgress,
      signal: options.signal,
    });
    hashProgress.stop();
    // Idle hash workers would wait seconds for more work, each holding its own V8 heap through the write phase.
    await closeHashWorkers();
    phase('volumes');

    const format = writesSplit(options.manifestFormat ?? 'auto', files.length) ? 'split' : 'whole';
    const written = await writeVersion(scratch, format, {
      head: {
        set: { id: recipe.id, title: recipe.title, description: recipe.description, tags: recipe.tags, copyTarget: recipe.copyTarget, publicKey: key.publicKeyHex },
        version,
        recipe: recipe as unknown as Record<string, unknown>,
        source: { wiki: apiUrl, siteName: site.siteName, generator: site.generator, uploadBase: files.at(0)!.uploadBase, articleUrl: site.articleUrl },
        snapshot: { builtAt: builtAt.toISOString(), maxRevisionId: snapshot.maxRevisionId, maxLogId: snapshot.maxLogId, dumpRun: dumpRunFor(builtAt), ...(fromDump ? { fromDump } : {}) },
        parent: parent ? { version: parentVersion!, manifestSha256: parent.sha256 } : null,
        volumeLayout: layout,
        skipped: media.skipped,
      },
      volumes,
      changes,
      exportHeader: selection.exportHeader,
      pages,
      key,
      builtAt,
    });
    // The metadata torrent's hash worker too: nothing is hashed after it.
    await closeHashWorkers();
    phase('manifest');
    await writePreview(store, files, scratch, logger);
    await writeFile(path.join(scratch, 'pointer.json'), `${JSON.stringify(makePointer(key, recipe.id, version, written.metadataInfoHash), null, 2)}\n`);
    const state: ListingState = {
      format: 'seedbank-listing-state/1',
      categoryTree: selection.categoryTree,
      // A run shows the wiki as it was when the run began, whenever the build read it.
      lastFullListing: selection.mode === 'full' ? (fromDump ? listedAt({ snapshot: { fromDump } as Manifest['snapshot'] }) : builtAt.toISOString()) : (await readListingState(store, recipe.id, parentVersion!))!.lastFullListing,
    };
    await writeFile(path.join(scratch, 'listing.json'), `${JSON.stringify(state, null, 2)}\n`);
    const dir = await store.commitVersion(recipe.id, version, scratch);
    phase('write');
    const hashed = volumes.filter((v) => !v.reused);
    logger.info(
      { version, format, files: written.head.totals.files, bytes: written.head.totals.bytes, volumes: volumes.length, volumesHashed: hashed.length, added: changes.added.length, removed: changes.removed.length, changed: changes.changed.length, renamed: changes.renamed.length },
      `built ${recipe.id} v${version}`,
    );
    return result('built', version, dir, format, written.head, changes, written.whole, hashed.length, volumes.length - hashed.length, hashed.reduce((s, v) => s + v.piecesHashed, 0));

    function result(
      status: 'built' | 'unchanged',
      v: number,
      dir: string,
      format: 'whole' | 'split',
      head: ManifestHead,
      changes: ManifestChanges,
      whole: Manifest | null,
      volumesHashed: number,
      volumesReused: number,
      piecesHashed: number,
    ): BuildResult {
      return {
        status,
        setId: recipe.id,
        version: v,
        dir,
        format,
        head,
        changes,
        get manifest(): Manifest {
          if (whole) return whole;
          throw new SeedbankError('MANIFEST_INVALID', `${recipe.id} v${v} has a split manifest (seedbank-manifest/3): its file records are in per-volume lists`, {
            hint: `read it with openVersionManifest(${JSON.stringify(dir)}) (shared/formats/version-manifest.ts)`,
          });
        },
        stats: {
          apiRequests: api.requests,
          listedFiles: selection.files.length,
          listingMode: selection.mode,
          downloadRequests: client.stats().requests,
          media,
          volumesHashed,
          volumesReused,
          piecesHashed,
          elapsedMs: Date.now() - started,
          phases,
        },
      };
    }
  } finally {
    await pages?.close();
    await release();
  }
}

/** The change scan, when the parent allows it: same recipe, same wiki, state present. */
async function tryChangeListing(
  store: SetStore,
  recipe: Recipe,
  apiUrl: string,
  parent: ParentVersion,
  api: WikiApi,
  site: Awaited<ReturnType<WikiApi['siteFacts']>>,
  now: Date,
  pages: PageStore,
  logger: Logger,
): Promise<Selection | { fallback: string }> {
  const head = parent.head;
  if (canonicalJson(head.recipe) !== canonicalJson(recipe)) return { fallback: 'the recipe changed' };
  if (head.source.wiki !== apiUrl) return { fallback: 'another wiki than the parent version' };
  const state = await readListingState(store, recipe.id, parent.version);
  let exportHeader;
  try {
    exportHeader = await copyParentPages(parent, pages);
  } catch {
    return { fallback: "the parent's pages archive cannot be read" };
  }
  return listChangesSince(api, recipe, site, { manifest: { snapshot: head.snapshot, source: head.source, files: await parentRecords(parent) }, exportHeader, state }, pages, now, logger);
}

const listingStateSchema = z.object({
  format: z.literal('seedbank-listing-state/1'),
  categoryTree: z.record(z.string(), z.number()),
  lastFullListing: z.string(),
}) satisfies z.ZodType<ListingState>;

/**
 * The parent version's listing state, or null when it is missing or damaged: then the build
 * lists the selection in full, which costs time but loses nothing.
 */
async function readListingState(store: SetStore, setId: string, version: number): Promise<ListingState | null> {
  try {
    return await readJson(path.join(store.versionDir(setId, version), 'listing.json'), listingStateSchema);
  } catch {
    return null;
  }
}

/** Thumbnails in the preview mosaic the catalogue shows on the set page. */
const PREVIEW_TILES = 12;
const PREVIEW_TILE_PX = 160;
const PREVIEW_COLUMNS = 6;

/** Writes preview.jpg, a mosaic of the set's first images by title; a failure only costs the preview. */
async function writePreview(store: SetStore, files: FileList, dir: string, logger: Logger): Promise<void> {
  // Stop at the candidates the mosaic may use: a filter over a million files would copy the whole list.
  const images: ListedFile[] = [];
  for (const f of files) {
    if (images.length >= PREVIEW_TILES * 2) break;
    if (/^image\/(jpeg|png|webp|gif|tiff)$/.test(f.mime)) images.push(f);
  }
  if (images.length === 0) return;
  try {
    const jpeg = await makeMosaic(images.map((f) => store.mediaPath(f.path)), { tile: PREVIEW_TILE_PX, columns: PREVIEW_COLUMNS, maxTiles: PREVIEW_TILES });
    await writeFile(path.join(dir, 'preview.jpg'), jpeg);
  } catch (err) {
    logger.warn({ err }, 'no preview mosaic for this version');
  }
}
