/**
 * Every route of the catalogue's HTTP API, once: the Express pattern the server mounts and
 * the path builder clients call, side by side, so the two cannot drift apart. Path values are
 * percent-encoded here and nowhere else.
 */

const enc = encodeURIComponent;

/** A route: its method, its Express pattern and a builder of concrete paths. */
interface Route<A extends unknown[]> {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  readonly pattern: string;
  readonly path: (...args: A) => string;
}

function route<A extends unknown[]>(method: Route<A>['method'], pattern: string, path: (...args: A) => string): Route<A> {
  return { method, pattern, path };
}

/** A version in a metadata torrent path: a number, or "latest" (which moves). */
export type VersionRef = number | 'latest';

/** The catalogue's routes. */
export const routes = {
  // Operations and tracker.
  health: route('GET', '/healthz', () => '/healthz'),
  announce: route('GET', '/announce', () => '/announce'),
  scrape: route('GET', '/scrape', () => '/scrape'),
  metrics: route('GET', '/metrics', () => '/metrics'),

  // Read API.
  sets: route('GET', '/api/sets', () => '/api/sets'),
  set: route('GET', '/api/sets/:id', (setId: string) => `/api/sets/${enc(setId)}`),
  pointer: route('GET', '/api/sets/:id/pointer', (setId: string) => `/api/sets/${enc(setId)}/pointer`),
  version: route('GET', '/api/sets/:id/versions/:version', (setId: string, version: number) => `/api/sets/${enc(setId)}/versions/${version}`),
  volume: route('GET', '/api/volumes/:ih', (infoHash: string) => `/api/volumes/${enc(infoHash)}`),
  swarm: route('GET', '/api/swarms/:ih', (infoHash: string) => `/api/swarms/${enc(infoHash)}`),
  files: route('GET', '/api/files', () => '/api/files'),
  /** Files by the beginning of words of their title (`?q=&limit=&after=`). */
  search: route('GET', '/api/search', () => '/api/search'),

  // Publish API (token).
  publishStatus: route('GET', '/api/publish/:set/:version', (setId: string, version: number) => `/api/publish/${enc(setId)}/${version}`),
  publishDiscard: route('DELETE', '/api/publish/:set/:version', (setId: string, version: number) => `/api/publish/${enc(setId)}/${version}`),
  /** A fixed file (manifest.json, ...). */
  publishFile: route('PUT', '/api/publish/:set/:version/:file', (setId: string, version: number, name: string) => `/api/publish/${enc(setId)}/${version}/${name.split('/').map(enc).join('/')}`),
  /** A volume torrent, `volumes/<infohash>.torrent` (the client builds it with publishFile). */
  publishVolume: route('PUT', '/api/publish/:set/:version/volumes/:file', (setId: string, version: number, infoHash: string) => `/api/publish/${enc(setId)}/${version}/volumes/${enc(infoHash)}.torrent`),
  /** A part of a split (/3) version, `lists/<infohash>.ndjson` or `pages/<infohash>.xml.gz` (the client builds it with publishFile). */
  publishPart: route('PUT', '/api/publish/:set/:version/:folder/:file', (setId: string, version: number, name: string) => `/api/publish/${enc(setId)}/${version}/${name.split('/').map(enc).join('/')}`),
  publishCommit: route('POST', '/api/publish/:set/:version/commit', (setId: string, version: number) => `/api/publish/${enc(setId)}/${version}/commit`),

  // Seeders, takedown, drills.
  seederReport: route('POST', '/api/seeders/report', () => '/api/seeders/report'),
  takedown: route('GET', '/api/takedown', () => '/api/takedown'),
  catalogueKey: route('GET', '/api/catalogue-key', () => '/api/catalogue-key'),
  drillPost: route('POST', '/api/drills', () => '/api/drills'),
  drills: route('GET', '/api/drills', () => '/api/drills'),

  // Census work (census-scoped token).
  censusLease: route('POST', '/api/census/leases', () => '/api/census/leases'),
  censusVerdicts: route('POST', '/api/census/leases/:id/verdicts', (leaseId: string) => `/api/census/leases/${enc(leaseId)}/verdicts`),

  // Redundancy.
  needs: route('GET', '/api/needs', () => '/api/needs'),
  copiesExport: route('GET', '/api/copies/export', () => '/api/copies/export'),
  fileCopies: route('GET', '/api/copies/file/:key', (key: string) => `/api/copies/file/${enc(key)}`),
  categoryCopies: route('GET', '/api/copies/category/:name', (name: string) => `/api/copies/category/${enc(name)}`),
  setCopies: route('GET', '/api/copies/set/:id', (setId: string) => `/api/copies/set/${enc(setId)}`),
  setCopyHistory: route('GET', '/api/copies/set/:id/history', (setId: string) => `/api/copies/set/${enc(setId)}/history`),

  // Bytes: the metadata web seed and torrents.
  /** A file of a version's metadata torrent; `name` may hold one "/" (a split version's `lists/…` and `pages/…`), each segment encoded. */
  metadataFile: route('GET', '/meta/:folder/:file', (setId: string, version: number, name: string) => `/meta/${enc(setId)}-v${version}/${name.split('/').map(enc).join('/')}`),
  /** The same files in a sub-folder of the metadata torrent (`/meta/<set>-v<N>/lists/<ih>.ndjson`): what the BEP 19 web seed asks for. */
  metadataPart: route('GET', '/meta/:folder/:dir/:file', (setId: string, version: number, name: string) => `/meta/${enc(setId)}-v${version}/${name.split('/').map(enc).join('/')}`),
  metadataFolder: route('GET', '/meta/', () => '/meta/'),
  torrent: route('GET', '/torrents/:file', (infoHash: string) => `/torrents/${enc(infoHash)}.torrent`),
  metadataTorrent: route('GET', '/sets/:id/:version/metadata.torrent', (setId: string, version: VersionRef) => `/sets/${enc(setId)}/${version}/metadata.torrent`),
} as const;

/** Appends a query string, leaving out undefined values. */
export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const q = params.toString();
  return q ? `${path}?${q}` : path;
}
