/**
 * The catalogue as restore, drill, copies and coverage see it: plain HTTP to its public API
 * (never its code), with a time limit on every request and errors that say what was asked.
 */
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { SeedbankError } from '../../shared/errors.ts';

/** Catalogue requests that take longer than this have failed (torrents and metadata are small). */
export const CATALOGUE_TIMEOUT_MS = 60_000;
/** The export of a large catalogue streams for a while. */
const EXPORT_TIMEOUT_MS = 30 * 60_000;

/** A set as the catalogue registered it. */
export interface CatalogueSet {
  id: string;
  title: string;
  publicKey: string;
  latestVersion: number;
  copyTarget: number;
}

/** Copies of one file (GET /api/copies/file/:key). */
export interface FileCopiesAnswer {
  sha1: string;
  title: string;
  copies: number;
  hosts: string[];
  networks: string[];
  flagged: string[];
  containedIn: Array<{ setId: string; setTitle: string; version: number; path: string; copyTarget: number }>;
}

/** Copies of a category (GET /api/copies/category/:name). */
export interface CategoryCopiesAnswer {
  category: string;
  files: number;
  bytes: number;
  min: number;
  median: number;
  filesUnderTarget: number;
  bytesUnderTarget: number;
}

/** A thin client of the catalogue's HTTP API. */
export class CatalogueClient {
  readonly baseUrl: string;

  constructor(baseUrl: string, private readonly userAgent: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** The tracker announce URL (HTTP) of the catalogue. */
  get announceUrl(): string {
    return `${this.baseUrl}/announce`;
  }

  /** GETs a path and returns the response, failing with the catalogue's own message on errors. */
  async get(pathAndQuery: string, timeoutMs = CATALOGUE_TIMEOUT_MS): Promise<Response> {
    const url = `${this.baseUrl}${pathAndQuery}`;
    let res: Response;
    try {
      res = await fetch(url, { headers: { 'user-agent': this.userAgent }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      throw new SeedbankError('CATALOGUE_UNREACHABLE', `cannot reach the catalogue at ${this.baseUrl}: ${(err as Error).message}`, { hint: 'check --catalogue', cause: err });
    }
    if (!res.ok) throw await this.failure(res, url);
    return res;
  }

  /** GETs JSON. */
  async json<T>(pathAndQuery: string): Promise<T> {
    return (await (await this.get(pathAndQuery)).json()) as T;
  }

  /** GETs bytes. */
  async bytes(pathAndQuery: string): Promise<Buffer> {
    return Buffer.from(await (await this.get(pathAndQuery)).arrayBuffer());
  }

  /** The set's registration (its key and latest version). */
  async set(setId: string): Promise<CatalogueSet> {
    return (await this.json<{ set: CatalogueSet }>(`/api/sets/${encodeURIComponent(setId)}`)).set;
  }

  /** Copies of a file by title or SHA-1. */
  fileCopies(key: string): Promise<FileCopiesAnswer> {
    return this.json(`/api/copies/file/${encodeURIComponent(key)}`);
  }

  /** Copy figures of a category. */
  categoryCopies(name: string): Promise<CategoryCopiesAnswer> {
    return this.json(`/api/copies/category/${encodeURIComponent(name)}`);
  }

  /** Every file's copy count, SHA-1 → copies, read line by line from the streamed export. */
  async exportCopies(): Promise<Map<string, number>> {
    const res = await this.get('/api/copies/export', EXPORT_TIMEOUT_MS);
    const copies = new Map<string, number>();
    const lines = createInterface({ input: Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), crlfDelay: Infinity });
    for await (const line of lines) {
      if (!line) continue;
      const row = JSON.parse(line) as { sha1: string; copies: number };
      copies.set(row.sha1, row.copies);
    }
    return copies;
  }

  /** POSTs JSON with a bearer token; returns the parsed answer. */
  async post<T>(pathAndQuery: string, body: unknown, token: string): Promise<T> {
    const url = `${this.baseUrl}${pathAndQuery}`;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': this.userAgent },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(CATALOGUE_TIMEOUT_MS),
    }).catch((err: unknown) => {
      throw new SeedbankError('CATALOGUE_UNREACHABLE', `cannot reach the catalogue at ${this.baseUrl}: ${(err as Error).message}`, { cause: err });
    });
    if (!res.ok) throw await this.failure(res, url);
    return (await res.json()) as T;
  }

  private async failure(res: Response, url: string): Promise<SeedbankError> {
    let message = `${res.status} ${res.statusText}`;
    let hint: string | undefined;
    try {
      const body = (await res.json()) as { error?: { message?: string; hint?: string } | string; message?: string; hint?: string };
      const e = typeof body.error === 'object' ? body.error : body;
      message = (typeof e.message === 'string' ? e.message : typeof body.error === 'string' ? body.error : message) ?? message;
      hint = typeof e.hint === 'string' ? e.hint : undefined;
    } catch {
      // Not JSON: the status line says enough.
    }
    return new SeedbankError(res.status === 404 ? 'CATALOGUE_NOT_FOUND' : 'CATALOGUE_ERROR', `${url}: ${message}`, { hint, context: { upstreamStatus: res.status } });
  }
}
