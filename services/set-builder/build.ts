import { readFile, writeFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { canonicalJson } from '../../shared/canonical-json.ts';
import { listChangesSince, listedAt, type ListingState } from './listing/changes-since.ts';
import { parseExport } from './listing/export-xml.ts';
import type { Selection } from './listing/selection.ts';
import { fileMeta } from './listing/listed-file.ts';
import path from 'node:path';
import { SeedbankError } from '../../shared/errors.ts';
import { readJson } from '../../shared/fs/index.ts';
import { MANIFEST_FORMAT, manifestSha256, serializeManifest, type Manifest, type ManifestFile } from '../../shared/formats/manifest.ts';
import { makePointer } from '../../shared/formats/pointer.ts';
import type { Recipe } from '../../shared/formats/recipe.ts';
import { signManifest } from '../../shared/formats/signature.ts';
import { PoliteClient } from '../../shared/http/polite-client.ts';
import { silentLogger, type Logger } from '../../shared/log.ts';
import { createProgress } from '../../shared/progress.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';
import { diffVersions, isEmptyDiff } from './diff.ts';
import { listSelection, type ListingProgress } from './listing/selection.ts';
import { WikiApi, type SiteFacts } from './listing/wiki-api.ts';
import { listFromDumpRun, type DumpSourceOptions, type FromDump } from './dump-source.ts';
import { syncMedia, type SyncReport } from './media-sync.ts';
import { writeMetadataTorrent, writePagesArchive } from './metadata.ts';
import { SetStore } from './store.ts';
import { buildUserAgent } from './user-agent.ts';
import { buildVolumes } from './volumes.ts';
import { dumpRunFor } from './dump-run.ts';
import { makeMosaic } from '../../shared/preview-mosaic.ts';
import type { ListedFile } from './listing/listed-file.ts';

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
}

/** What a build did. */
export interface BuildResult {
  status: 'built' | 'unchanged';
  setId: string;
  version: number;
  dir: string;
  manifest: Manifest;
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
    phaseStart = t;
  };
  try {
    const parentVersion = await store.latestVersion(recipe.id);
    const parent = parentVersion === null ? null : (await store.readManifest(recipe.id, parentVersion));
    const key = await loadOrCreateSetKey(store.keysDir, recipe.id);
    if (parent && parent.manifest.set.publicKey !== key.publicKeyHex) {
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
      ({ site, snapshot, selection, fromDump } = await listFromDumpRun(options.dumps, recipe, apiUrl, { logger, onProgress }));
    } else {
      const facts = await api.siteFacts();
      site = facts;
      snapshot = await api.snapshotPoint();
      builtAt = now();
      logger.info({ wiki: apiUrl, site: site.siteName, parent: parentVersion }, 'listing the selection');
      if (parent && !options.fullListing) {
        const incremental = await tryChangeListing(store, recipe, apiUrl, parent.manifest, api, facts, builtAt, logger);
        if ('fallback' in incremental) logger.info({ reason: incremental.fallback }, 'listing the whole selection');
        else changeListing = incremental;
      }
      selection = changeListing ?? (await listSelection(api, recipe, facts, { logger, onProgress }));
    }
    const looked = byCategory ? selection.categoriesVisited : selection.files.length + selection.filteredOut;
    if (!changeListing) showListing(looked, looked);
    listProgress.stop();
    phase('listing');

    const client = new PoliteClient({ userAgent, maxConnections: options.maxConnections, maxBytesPerSecond: options.maxBytesPerSecond, logger });
    const downloadProgress = createProgress('downloading', logger, { tty: options.tty });
    const media = await syncMedia(store, selection.files, parent?.manifest.files ?? null, client, { logger, progress: downloadProgress, signal: options.signal, mediaFrom: options.mediaFrom });
    downloadProgress.stop();
    phase('media');
    const skippedTitles = new Set(media.skipped.map((s) => s.title));
    const files = selection.files.filter((f) => !skippedTitles.has(f.title));
    if (files.length === 0) {
      throw new SeedbankError('SELECTION_EMPTY', `the recipe ${recipe.id} selects no file on ${apiUrl}`, {
        hint: 'check the category names (without the "Category:" prefix is fine), the depth, and the filters',
        context: { listed: selection.files.length, skipped: media.skipped.length },
      });
    }

    const changes = diffVersions(parent?.manifest.files ?? null, files);
    if (parent && isEmptyDiff(changes)) {
      logger.info({ version: parentVersion }, `no change since v${parentVersion}: no new version made`);
      return result('unchanged', parentVersion!, store.versionDir(recipe.id, parentVersion!), parent.manifest, 0, 0, 0);
    }

    const version = (parentVersion ?? 0) + 1;
    const scratch = await store.scratchDir(recipe.id, version);
    const hashProgress = createProgress('hashing', logger, { tty: options.tty });
    const { volumes, layout } = await buildVolumes(store, recipe.id, files, parent?.manifest ?? null, {
      limitBytes: recipe.volumeSizeLimit,
      pieceLength: recipe.pieceLength,
      trackers: options.trackers ?? [],
      scratch,
      logger,
      progress: hashProgress,
      signal: options.signal,
    });
    hashProgress.stop();
    phase('volumes');

    const volumeOf = new Map<string, string>();
    for (const v of volumes) for (const f of v.files) volumeOf.set(f.title, v.volume.infoHash);
    const manifestFiles: ManifestFile[] = files.map((f) => ({ ...fileMeta(f), volume: volumeOf.get(f.title)! }));
    const pages = await writePagesArchive(scratch, selection.exportHeader, files);
    const manifest: Manifest = {
      format: MANIFEST_FORMAT,
      set: { id: recipe.id, title: recipe.title, description: recipe.description, tags: recipe.tags, copyTarget: recipe.copyTarget, publicKey: key.publicKeyHex },
      version,
      recipe: recipe as unknown as Record<string, unknown>,
      source: { wiki: apiUrl, siteName: site.siteName, generator: site.generator, uploadBase: files[0]!.uploadBase, articleUrl: site.articleUrl },
      snapshot: { builtAt: builtAt.toISOString(), maxRevisionId: snapshot.maxRevisionId, maxLogId: snapshot.maxLogId, dumpRun: dumpRunFor(builtAt), ...(fromDump ? { fromDump } : {}) },
      parent: parent ? { version: parentVersion!, manifestSha256: manifestSha256(parent.manifest) } : null,
      files: manifestFiles,
      volumes: volumes.map((v) => v.volume),
      volumeLayout: layout,
      changes,
      skipped: media.skipped,
      pages,
      totals: { files: manifestFiles.length, bytes: manifestFiles.reduce((s, f) => s + f.size, 0) },
    };
    await writeFile(path.join(scratch, 'manifest.json'), serializeManifest(manifest));
    await writeFile(path.join(scratch, 'manifest.sig'), `${JSON.stringify(signManifest(manifest, key), null, 2)}\n`);
    await writePreview(store, files, scratch, logger);
    const metadataInfoHash = await writeMetadataTorrent(scratch, recipe.id, version, builtAt);
    await writeFile(path.join(scratch, 'pointer.json'), `${JSON.stringify(makePointer(key, recipe.id, version, metadataInfoHash), null, 2)}\n`);
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
      { version, files: manifest.totals.files, bytes: manifest.totals.bytes, volumes: volumes.length, volumesHashed: hashed.length, added: changes.added.length, removed: changes.removed.length, changed: changes.changed.length, renamed: changes.renamed.length },
      `built ${recipe.id} v${version}`,
    );
    return result('built', version, dir, manifest, hashed.length, volumes.length - hashed.length, hashed.reduce((s, v) => s + v.piecesHashed, 0));

    function result(status: 'built' | 'unchanged', v: number, dir: string, m: Manifest, volumesHashed: number, volumesReused: number, piecesHashed: number): BuildResult {
      return {
        status,
        setId: recipe.id,
        version: v,
        dir,
        manifest: m,
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
    await release();
  }
}

/** The change scan, when the parent allows it: same recipe, same wiki, state present. */
async function tryChangeListing(
  store: SetStore,
  recipe: Recipe,
  apiUrl: string,
  parent: Manifest,
  api: WikiApi,
  site: Awaited<ReturnType<WikiApi['siteFacts']>>,
  now: Date,
  logger: Logger,
): Promise<Selection | { fallback: string }> {
  if (canonicalJson(parent.recipe) !== canonicalJson(recipe)) return { fallback: 'the recipe changed' };
  if (parent.source.wiki !== apiUrl) return { fallback: 'another wiki than the parent version' };
  const state = await readListingState(store, recipe.id, parent.version);
  let pages;
  try {
    pages = parseExport(gunzipSync(await readFile(path.join(store.versionDir(recipe.id, parent.version), parent.pages.file))).toString('utf8'), { titlesOnly: true });
  } catch {
    return { fallback: "the parent's pages archive cannot be read" };
  }
  return listChangesSince(api, recipe, site, { manifest: parent, pages, state }, now, logger);
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
async function writePreview(store: SetStore, files: ListedFile[], dir: string, logger: Logger): Promise<void> {
  const images = files.filter((f) => /^image\/(jpeg|png|webp|gif|tiff)$/.test(f.mime)).slice(0, PREVIEW_TILES * 2);
  if (images.length === 0) return;
  try {
    const jpeg = await makeMosaic(images.map((f) => store.mediaPath(f.path)), { tile: PREVIEW_TILE_PX, columns: PREVIEW_COLUMNS, maxTiles: PREVIEW_TILES });
    await writeFile(path.join(dir, 'preview.jpg'), jpeg);
  } catch (err) {
    logger.warn({ err }, 'no preview mosaic for this version');
  }
}
