/**
 * The catalogue's HTTP API as one typed object, built on the client base: every method names
 * its route (shared/api/routes.ts) and checks the answer with its schema. The builder's publish,
 * the seeder's follower and restore/drill/copies/coverage all use it. Answers are untrusted:
 * callers still verify signatures (pointer, manifest, takedown list) before acting on them.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { type SetPointer } from '../formats/pointer.ts';
import type { TakedownList } from '../formats/takedown.ts';
import type { SeedbankError } from '../errors.ts';
import { ApiClient, type ApiClientOptions } from './client.ts';
import { categoryCopiesSchema, copiesExportLineSchema, fileCopiesSchema, needsSchema, setCopiesSchema, setCopyHistorySchema, type CategoryCopiesBody, type FileCopiesBody, type NeedBody, type SetCopiesBody, type SetCopyHistoryBody } from './copies-schemas.ts';
import { drillAnswerSchema, drillListSchema, type DrillRecord, type DrillReport } from './drill-schemas.ts';
import { leaseAnswerSchema, verdictAnswerSchema, type LeaseAnswer, type LeaseRequest, type VerdictAnswer, type VerdictPost } from './census-work-schemas.ts';
import { commitAnswerSchema, publishStatusSchema, uploadAnswerSchema, type CommitAnswerBody, type PublishStatusBody, type StagedFileBody } from './publish-schemas.ts';
import {
  fileListSchema,
  healthSchema,
  pointerBodySchema,
  setDetailSchema,
  setListSchema,
  swarmDetailSchema,
  versionDetailSchema,
  volumeDetailSchema,
  type FileListBody,
  type FileQuery,
  type SetDetailBody,
  type SetListBody,
  type SetSummaryBody,
  type SwarmDetailBody,
  type SwarmQuery,
  type VersionDetailBody,
  type VolumeDetailBody,
} from './read-schemas.ts';
import { routes, withQuery, type VersionRef } from './routes.ts';
import { allSets, type SetWalkOptions } from './set-pages.ts';
import { searchResultSchema, type SearchQuery, type SearchResultBody } from './search-schemas.ts';
import { reportAnswerSchema, type ReportAnswer, type SeederReport } from './seeder-schemas.ts';
import { catalogueKeySchema, takedownBodySchema } from './takedown-schemas.ts';

/** Bytes (metadata files, torrents) may be large, pages.xml.gz above all: a longer limit than JSON. */
const BYTES_TIMEOUT_MS = 10 * 60_000;
/** The export of a large catalogue streams for a while. */
const EXPORT_TIMEOUT_MS = 30 * 60_000;
/** A commit checks every torrent of a version against its manifest. */
const COMMIT_TIMEOUT_MS = 10 * 60_000;
/** Uploads get the JSON limit plus this long per mebibyte, so a large pages.xml.gz is not cut off. */
const UPLOAD_MS_PER_MIB = 4_000;

/** Optional settings beyond the base URL and User-Agent. */
export type CatalogueApiOptions = Omit<ApiClientOptions, 'baseUrl' | 'userAgent'>;

/** One catalogue, as every client part sees it. */
export class CatalogueApi {
  readonly http: ApiClient;

  constructor(baseUrl: string, userAgent: string, options: CatalogueApiOptions = {}) {
    this.http = new ApiClient({ ...options, baseUrl, userAgent });
  }

  /** The catalogue's base URL, without a trailing slash. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** The tracker announce URL (HTTP) of the catalogue. */
  get announceUrl(): string {
    return this.http.url(routes.announce.path());
  }

  /** Whether the catalogue is up. */
  async health(): Promise<boolean> {
    return (await this.http.json(healthSchema, { method: 'GET', path: routes.health.path(), what: 'the health check' })).ok;
  }

  /** Every set with its latest version, walking the list's pages (set-pages.ts: bounded, and refusing a cursor that does not move). */
  sets(o: SetWalkOptions = {}): Promise<SetSummaryBody[]> {
    return allSets(this, o);
  }

  /** One page of the set list in id order; pass its `next` as `after` for the following page (null or absent: the last). */
  setsPage(query: { limit?: number; after?: string } = {}): Promise<SetListBody> {
    const path = withQuery(routes.sets.path(), { limit: query.limit, after: query.after });
    return this.http.json(setListSchema, { method: 'GET', path, what: query.after === undefined ? 'the list of sets' : `the list of sets after "${query.after}"` });
  }

  /** The error for an answer of the set list that breaks the contract (used by the page walk). */
  badAnswer(what: string, why: string): SeedbankError {
    return this.http.problem({ method: 'GET', path: routes.sets.path(), what }, why);
  }

  /** One set and its versions; fails with the catalogue's error when it has no such set. */
  set(setId: string): Promise<SetDetailBody> {
    return this.http.json(setDetailSchema, { method: 'GET', path: routes.set.path(setId), what: `the lookup of set ${setId}` });
  }

  /** One set and its versions; null when the catalogue has no such set. */
  findSet(setId: string): Promise<SetDetailBody | null> {
    return this.http.jsonOrNull(setDetailSchema, { method: 'GET', path: routes.set.path(setId), what: `the lookup of set ${setId}` });
  }

  /** One version and its volumes; null when the catalogue lacks it. */
  findVersion(setId: string, version: number): Promise<VersionDetailBody | null> {
    return this.http.jsonOrNull(versionDetailSchema, { method: 'GET', path: routes.version.path(setId, version), what: `the lookup of ${setId} v${version}` });
  }

  /** A set's latest signed pointer (signature unchecked); null when the set is unknown. */
  pointer(setId: string): Promise<SetPointer | null> {
    return this.http.jsonOrNull(pointerBodySchema, { method: 'GET', path: routes.pointer.path(setId), what: `the pointer of ${setId}` });
  }

  /** One volume with its live swarm counts. */
  volume(infoHash: string): Promise<VolumeDetailBody> {
    return this.http.json(volumeDetailSchema, { method: 'GET', path: routes.volume.path(infoHash), what: `the lookup of volume ${infoHash}` });
  }

  /** A tracked torrent's live counts and sampled history. */
  swarm(infoHash: string, query: SwarmQuery = {}): Promise<SwarmDetailBody> {
    const path = withQuery(routes.swarm.path(infoHash), { since: query.since as number | undefined, until: query.until as number | undefined });
    return this.http.json(swarmDetailSchema, { method: 'GET', path, what: `the swarm of ${infoHash}` });
  }

  /** Every set version holding a file, by SHA-1 or title. */
  async files(query: FileQuery): Promise<FileListBody['files']> {
    const path = withQuery(routes.files.path(), 'sha1' in query ? { sha1: query.sha1 } : { title: query.title });
    return (await this.http.json(fileListSchema, { method: 'GET', path, what: 'the file lookup' })).files;
  }

  /** One page of the files whose title words begin with the query's words (pass `nextCursor` as `after` for the next). */
  search(query: SearchQuery): Promise<SearchResultBody> {
    const path = withQuery(routes.search.path(), { q: query.q, limit: query.limit as number | undefined, after: query.after });
    return this.http.json(searchResultSchema, { method: 'GET', path, what: `the search for "${query.q}"` });
  }

  /** What is staged of a version (to resume an upload) and whether it is published. */
  publishStatus(setId: string, version: number, token: string | undefined): Promise<PublishStatusBody> {
    return this.http.json(publishStatusSchema, { method: 'GET', path: routes.publishStatus.path(setId, version), token, what: `the upload status of ${setId} v${version}` });
  }

  /** Uploads one file of a version (`manifest.json`, ..., `volumes/<ih>.torrent`) into staging. */
  upload(setId: string, version: number, name: string, bytes: Uint8Array, token: string | undefined): Promise<StagedFileBody> {
    const timeoutMs = this.uploadTimeoutMs(bytes.length);
    return this.http.json(uploadAnswerSchema, { method: 'PUT', path: routes.publishFile.path(setId, version, name), bytes, token, timeoutMs, what: `the upload of ${name}` });
  }

  /** Asks the catalogue to check and publish a staged version. */
  commit(setId: string, version: number, token: string | undefined): Promise<CommitAnswerBody> {
    return this.http.json(commitAnswerSchema, { method: 'POST', path: routes.publishCommit.path(setId, version), token, timeoutMs: COMMIT_TIMEOUT_MS, what: `the commit of ${setId} v${version}` });
  }

  /** Drops a staged upload. */
  async discardUpload(setId: string, version: number, token: string | undefined): Promise<void> {
    const res = await this.http.send({ method: 'DELETE', path: routes.publishDiscard.path(setId, version), token, what: `the discard of ${setId} v${version}` });
    await res.body?.cancel();
  }

  /** Posts a seeder's report; the answer tells what others host and what is known of ours. */
  report(r: SeederReport): Promise<ReportAnswer> {
    return this.http.json(reportAnswerSchema, { method: 'POST', path: routes.seederReport.path(), json: r, what: 'the seeder report' });
  }

  /** The catalogue's public key (takedown lists are signed with it). */
  async catalogueKey(): Promise<string> {
    return (await this.http.json(catalogueKeySchema, { method: 'GET', path: routes.catalogueKey.path(), what: 'the catalogue key' })).publicKey;
  }

  /** The takedown list, its signature unchecked (verifyTakedownList does that). */
  takedown(): Promise<TakedownList> {
    return this.http.json(takedownBodySchema, { method: 'GET', path: routes.takedown.path(), what: 'the takedown list' });
  }

  /** Reports a restore drill. */
  async postDrill(report: DrillReport, token: string): Promise<DrillRecord> {
    return (await this.http.json(drillAnswerSchema, { method: 'POST', path: routes.drillPost.path(), json: report, token, what: 'the drill report' })).drill;
  }

  /** Asks for a lease on a share of the census round's volumes (census-scoped token). */
  async censusLease(request: LeaseRequest, token: string): Promise<LeaseAnswer> {
    return this.http.json(leaseAnswerSchema, { method: 'POST', path: routes.censusLease.path(), json: request, token, what: 'a census lease' });
  }

  /** Posts a signed batch of verdicts for a lease; `done` ends it. */
  async censusVerdicts(leaseId: string, post: VerdictPost, token: string): Promise<VerdictAnswer> {
    return this.http.json(verdictAnswerSchema, { method: 'POST', path: routes.censusVerdicts.path(leaseId), json: post, token, what: 'census verdicts' });
  }

  /** The recent drills, newest first. */
  async drills(): Promise<DrillRecord[]> {
    return (await this.http.json(drillListSchema, { method: 'GET', path: routes.drills.path(), what: 'the list of drills' })).drills;
  }

  /** Volumes below their copy target, neediest first. */
  async needs(limit?: number): Promise<NeedBody[]> {
    return (await this.http.json(needsSchema, { method: 'GET', path: withQuery(routes.needs.path(), { limit }), what: 'the needs list' })).needs;
  }

  /** Copies of a file by title or SHA-1. */
  fileCopies(key: string): Promise<FileCopiesBody> {
    return this.http.json(fileCopiesSchema, { method: 'GET', path: routes.fileCopies.path(key), what: `the copies of ${key}` });
  }

  /** Copy figures of a category. */
  categoryCopies(name: string): Promise<CategoryCopiesBody> {
    return this.http.json(categoryCopiesSchema, { method: 'GET', path: routes.categoryCopies.path(name), what: `the copies of category ${name}` });
  }

  /** Copy figures of a set's latest version. */
  setCopies(setId: string): Promise<SetCopiesBody> {
    return this.http.json(setCopiesSchema, { method: 'GET', path: routes.setCopies.path(setId), what: `the copies of set ${setId}` });
  }

  /** A set's copy figures per census round. */
  setCopyHistory(setId: string, since?: number): Promise<SetCopyHistoryBody> {
    return this.http.json(setCopyHistorySchema, { method: 'GET', path: withQuery(routes.setCopyHistory.path(setId), { since }), what: `the copy history of ${setId}` });
  }

  /** Every file's copy count, SHA-1 → copies, read line by line from the streamed export. */
  async exportCopies(): Promise<Map<string, number>> {
    const req = { method: 'GET', path: routes.copiesExport.path(), timeoutMs: EXPORT_TIMEOUT_MS, what: 'the copy-count export' } as const;
    const res = await this.http.send(req);
    const copies = new Map<string, number>();
    if (!res.body) return copies;
    const lines = createInterface({ input: Readable.fromWeb(res.body as NodeReadableStream), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        value = line;
      }
      const row = this.http.check(copiesExportLineSchema, value, req);
      copies.set(row.sha1, row.copies);
    }
    return copies;
  }

  /** A file of a version's metadata (manifest.json, manifest.sig, pages.xml.gz). */
  metadataFile(setId: string, version: number, name: string): Promise<Buffer> {
    return this.http.bytes({ method: 'GET', path: routes.metadataFile.path(setId, version, name), timeoutMs: BYTES_TIMEOUT_MS, what: `${name} of ${setId} v${version}` });
  }

  /** Bytes [start, end) of a file of a version's metadata (the web seed's byte ranges). */
  metadataRange(setId: string, version: number, name: string, start: number, end: number): Promise<Buffer> {
    return this.http.byteRange({ method: 'GET', path: routes.metadataFile.path(setId, version, name), range: { start, end }, timeoutMs: BYTES_TIMEOUT_MS, what: `bytes ${start}-${end - 1} of ${name} of ${setId} v${version}` });
  }

  /** A version's metadata torrent. */
  metadataTorrent(setId: string, version: VersionRef): Promise<Buffer> {
    return this.http.bytes({ method: 'GET', path: routes.metadataTorrent.path(setId, version), timeoutMs: BYTES_TIMEOUT_MS, what: `the metadata torrent of ${setId} v${version}` });
  }

  /** Any published torrent by info hash (a volume's, or a version's metadata torrent). */
  torrent(infoHash: string): Promise<Buffer> {
    return this.http.bytes({ method: 'GET', path: routes.torrent.path(infoHash), timeoutMs: BYTES_TIMEOUT_MS, what: `the torrent ${infoHash}` });
  }

  private uploadTimeoutMs(bytes: number): number {
    return this.http.timeoutMs + Math.ceil(bytes / (1024 * 1024)) * UPLOAD_MS_PER_MIB;
  }
}
