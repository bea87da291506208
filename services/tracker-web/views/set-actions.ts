// What an archivist copies from a set page to act on it: the exact `seedbank seed` and
// `seedbank restore` commands for this catalogue and set, and the whole-set volume list.
import { magnetUri } from '../../../shared/torrent/index.ts';
import type { SetActions } from '../pages/view-models.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';
import { versionFacts } from './version-facts.ts';

/** Room the suggested quota leaves above the set's size, for the next versions' new files. */
const QUOTA_HEADROOM = 1.5;
const MB = 1e6;
const GB = 1e9;
/** Where the seed command suggests keeping the data (a person's home, as the wizard does). */
const SUGGESTED_STORAGE = '~/seedbank';

/** A URL as one shell word: bare when it holds only URL-safe characters, else single-quoted. */
export function shellWord(text: string): string {
  return /^[A-Za-z0-9_.:/%@+~-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A quota for hosting `bytes`, rounded up to whole MB or GB as a person types it (`--quota 2GB`). */
export function suggestedQuota(bytes: number): { bytes: number; text: string } {
  const wanted = Math.max(MB, bytes * QUOTA_HEADROOM);
  const [unit, factor] = wanted < GB ? ['MB', MB] as const : ['GB', GB] as const;
  const n = Math.ceil(wanted / factor);
  return { bytes: n * factor, text: `${n}${unit}` };
}

/** The set page's host and restore boxes for a catalogue reached at `baseUrl`. */
export function setActions(baseUrl: string, setId: string, setBytes: number): SetActions {
  const catalogue = shellWord(baseUrl);
  const quota = suggestedQuota(setBytes);
  const id = encodeURIComponent(setId);
  return {
    seedCommand: `seedbank seed --catalogue ${catalogue} --sets ${setId} --storage ${SUGGESTED_STORAGE} --quota ${quota.text}`,
    restoreCommand: `seedbank restore ${setId} --catalogue ${catalogue} --out ${setId}`,
    rssUrl: `${baseUrl}/sets/${id}/feed.rss`,
    volumesListUrl: `${baseUrl}/sets/${id}/volumes.txt`,
    quotaBytes: quota.bytes,
  };
}

/** The magnet link of a volume as every page and list gives it: the catalogue's own tracker and the wiki's web seed, no public tracker. */
export function volumeMagnet(infoHash: string, baseUrl: string, uploadBase: string | null): string {
  return magnetUri(infoHash, { name: 'commons', trackers: [`${baseUrl}/announce`], webSeeds: uploadBase ? [uploadBase] : [] });
}

/**
 * The whole-set download: one line per volume of the latest version, its magnet link and its
 * .torrent URL separated by a tab, under `#` comment lines saying what the list is.
 */
export function volumesList(store: CatalogueStore, setId: string, baseUrl: string): string | null {
  const set = store.getSet(setId);
  const version = set ? store.getVersion(setId, set.latestVersion) : undefined;
  if (!set || !version) return null;
  const uploadBase = versionFacts(store, setId, version.version).uploadBase;
  const volumes = store.volumesOf(setId, version.version);
  const lines = [
    `# ${set.title} (${setId}) v${version.version}: ${volumes.length} volumes, ${version.totals.files} files, ${version.totals.bytes} bytes`,
    `# From ${baseUrl}/sets/${encodeURIComponent(setId)}`,
    '# One volume per line: magnet link <TAB> .torrent URL. Magnets only: cut -f1; .torrent URLs only: cut -f2.',
    ...volumes.map((v) => `${volumeMagnet(v.infoHash, baseUrl, uploadBase)}\t${baseUrl}/torrents/${v.infoHash}.torrent`),
  ];
  return `${lines.join('\n')}\n`;
}
