import { networkOf } from '../census/index.ts';
import type { FileOccurrence, FilePageModel, NetworkHolding } from '../pages/view-models.ts';
import type { ViewSources } from './set-summaries.ts';
import { previewImageUrl } from './thumbnail.ts';
import { versionFacts } from './version-facts.ts';

/** Media types by extension: the file page shows one without reading a half-megabyte manifest. */
const MIME_BY_EXTENSION: Record<string, string> = {
  jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', gif: 'image/gif', webp: 'image/webp', tif: 'image/tiff', tiff: 'image/tiff',
  svg: 'image/svg+xml', pdf: 'application/pdf', djvu: 'image/vnd.djvu', ogg: 'application/ogg', oga: 'audio/ogg', ogv: 'video/ogg',
  webm: 'video/webm', mp3: 'audio/mpeg', wav: 'audio/wav', flac: 'audio/flac', mid: 'audio/midi', stl: 'model/stl',
};

function mimeFromName(name: string): string {
  return MIME_BY_EXTENSION[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';
}

const SHA1_HEX = /^[0-9a-f]{40}$/i;

/** A title as MediaWiki writes it in a URL (wfUrlencode): underscores, and `:` and `/` left readable. */
function wikiUrlencode(title: string): string {
  return encodeURIComponent(title.replace(/ /g, '_')).replace(/%3A/gi, ':').replace(/%2F/gi, '/');
}

/** Normalises what people type for a file: `Foo_bar.jpg`, `File:Foo bar.jpg`, `file:foo bar.jpg`. */
export function normaliseTitle(q: string): string {
  const bare = q.trim().replace(/^(file|image):/i, '').replace(/_/g, ' ').trim();
  if (!bare) return '';
  return `File:${bare[0]!.toUpperCase()}${bare.slice(1)}`;
}

/** The file page's data: a lookup by SHA-1 or title, with copies, networks and every set holding it. */
export function fileModel(src: ViewSources, query: string): FilePageModel {
  const now = src.now().toISOString();
  const q = query.trim();
  if (!q) return { kind: 'not-found', now, query: '' };
  const sha1s = SHA1_HEX.test(q) ? [q.toLowerCase()] : src.store.sha1sForTitle(normaliseTitle(q));
  // Each SHA-1's locations are read once per request (they were read up to three times).
  const located = sha1s.map((sha1) => ({ sha1, locations: src.store.filesBySha1(sha1) })).filter((l) => l.locations.length > 0);
  const known = located.map((l) => l.sha1);
  if (known.length === 0) return { kind: 'not-found', now, query: q };
  if (known.length > 1) {
    // The same title held different bytes over time (re-uploads): let the person choose.
    return {
      kind: 'matches',
      now,
      query: q,
      matches: located.map(({ sha1, locations }) => {
        const loc = locations[0]!;
        return { title: loc.title, sha1, bytes: loc.size, copies: src.copies.file(sha1).copies };
      }),
    };
  }
  const { sha1, locations } = located[0]!;
  const copies = src.copies.file(sha1, locations);
  const first = locations[locations.length - 1]!;
  const facts = versionFacts(src.store, first.setId, first.version);
  // Licence, author and upload date from the version's file list (one record, not the manifest).
  // The SHA-1 lets the row be taken without reading its title back (set-files.ts).
  const row = src.store.setFiles.get(first.setId, first.version, first.title, { sha1 });
  const mime = row?.mime || mimeFromName(first.path);
  const containedIn: FileOccurrence[] = locations.map((l) => {
    const set = src.store.getSet(l.setId);
    return { setId: l.setId, setTitle: set?.title ?? l.setId, version: l.version, path: l.path, copyTarget: set?.copyTarget ?? 0 };
  });
  const perNetwork = new Map<string, number>();
  for (const h of copies.hosts) perNetwork.set(networkOf(h), (perNetwork.get(networkOf(h)) ?? 0) + 1);
  const lastSeen = new Date(src.census?.lastRound?.startedAt ?? src.now().getTime()).toISOString();
  const networks: NetworkHolding[] = [...perNetwork].map(([network, hosts]) => ({ network, hosts, lastSeen }));
  return {
    kind: 'found',
    now,
    query: q,
    file: {
      title: first.title,
      sha1,
      bytes: first.size,
      mime,
      copies: copies.copies,
      copiesMode: copies.copiesMode,
      approvedCopies: copies.approvedCopies,
      anyCopies: copies.anyCopies,
      notIndependent: copies.notIndependent,
      unproven: copies.unproven,
      networksCount: copies.networks.length,
      networks,
      containedIn,
      descriptionUrl: facts.articleUrl ? facts.articleUrl.replace('$1', wikiUrlencode(first.title)) : null,
      ...(row ? { facts: { license: row.license, author: row.author, uploaded: row.uploaded } } : {}),
      thumbnailUrl: facts.uploadBase ? previewImageUrl(facts.uploadBase, first.path, mime, first.size) : null,
    },
  };
}
