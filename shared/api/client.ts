/**
 * The one HTTP client base every part uses to talk to a catalogue: a time limit on every
 * request, the User-Agent, answers checked against their schema, errors decoded into a
 * SeedbankError carrying the server's own code, message and hint, and bounded retries with
 * back-off (honouring Retry-After) for idempotent GETs on 429/502/503/504 and network errors.
 * It never picks an HTTP status: it only reads the one the catalogue sent.
 */
import { setTimeout as sleepTimer } from 'node:timers/promises';
import type { z } from 'zod';
import { isErrorCode, SeedbankError } from '../errors.ts';
import { parseRetryAfter } from '../http/polite-client.ts';
import { errorBodySchema } from './error-body.ts';

/** A JSON call that takes longer than this has failed (every JSON answer is small or paged). */
export const DEFAULT_API_TIMEOUT_MS = 30_000;
/** Retries after the first attempt of a GET. */
export const DEFAULT_API_RETRIES = 3;
/** First back-off delay, doubled per retry. */
const BASE_DELAY_MS = 500;
/** Longest back-off delay the client picks itself. */
const MAX_DELAY_MS = 10_000;
/** Longest Retry-After honoured; a catalogue asking for more is reported, not waited for. */
export const MAX_RETRY_AFTER_MS = 2 * 60_000;
/** Largest JSON answer accepted (a page of 1,000 sets is about 1.4 MB; an older catalogue's whole set list is more). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** How much of a non-JSON error answer goes into the message. */
const ERROR_TEXT_CHARS = 200;
/** Statuses after which a GET is worth trying again. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
/** Marks errors thrown by this client, so callers can tell "the catalogue failed" from their own bugs. */
const API_ERROR_SOURCE = 'catalogue-api';

/** How to reach one catalogue. */
export interface ApiClientOptions {
  /** The catalogue's base URL, e.g. https://catalogue.example.org */
  baseUrl: string;
  /** From shared/http/user-agent.ts. */
  userAgent: string;
  /** Time limit of one attempt, headers and body; default 30 s. */
  timeoutMs?: number;
  /** Retries of a GET after the first attempt; default 3. */
  maxRetries?: number;
  /** Waits between retries; injectable so a test can record delays. */
  sleep?: (ms: number) => Promise<void>;
}

/** One call. */
export interface ApiRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  /** Path and query, from shared/api/routes.ts. */
  path: string;
  /** A JSON body. */
  json?: unknown;
  /** A raw body (uploads). */
  bytes?: Uint8Array;
  /** Bearer token of the publish and drill routes. */
  token?: string;
  /** Overrides the client's time limit (streams and uploads). */
  timeoutMs?: number;
  /** What the call does, for messages: "the upload of manifest.json". */
  what: string;
  /** Only these bytes of the answer, [start, end) (a Range request; see {@link ApiClient.byteRange}). */
  range?: { start: number; end: number };
}

/** True when a SeedbankError came from a catalogue call (the catalogue refused, failed or did not answer). */
export function isApiError(err: unknown): err is SeedbankError {
  return err instanceof SeedbankError && err.context.source === API_ERROR_SOURCE;
}

/** The HTTP status the catalogue answered with, when the error came from an answer. */
export function apiErrorStatus(err: unknown): number | undefined {
  const s = isApiError(err) ? err.context.httpStatus : undefined;
  return typeof s === 'number' ? s : undefined;
}

/** True when the catalogue itself said "not here" (a 404 with its error body, not a stray server's 404). */
export function isAbsent(err: unknown): boolean {
  return apiErrorStatus(err) === 404 && isApiError(err) && err.context.catalogueBody === true;
}

/** The client base: one per catalogue, shared by every call. */
export class ApiClient {
  readonly baseUrl: string;
  /** Time limit of one attempt unless a call sets its own. */
  readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly o: ApiClientOptions) {
    this.baseUrl = o.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = o.timeoutMs ?? DEFAULT_API_TIMEOUT_MS;
    this.maxRetries = o.maxRetries ?? DEFAULT_API_RETRIES;
    this.sleep = o.sleep ?? ((ms) => sleepTimer(ms));
  }

  /** Absolute URL of a path. */
  url(path: string): string {
    return `${this.baseUrl}${path}`;
  }

  /** Sends a call and returns the successful response (body unread); failures throw decoded. */
  async send(req: ApiRequest): Promise<Response> {
    const retries = req.method === 'GET' ? this.maxRetries : 0;
    for (let attempt = 0; ; attempt++) {
      const backoff = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
      let res: Response;
      try {
        res = await this.attempt(req);
      } catch (err) {
        if (attempt >= retries) throw err;
        await this.sleep(backoff);
        continue;
      }
      if (res.ok) return res;
      const retryAfterMs = parseRetryAfter(res.headers.get('retry-after') ?? undefined);
      if (attempt < retries && RETRYABLE_STATUSES.has(res.status) && (retryAfterMs ?? 0) <= MAX_RETRY_AFTER_MS) {
        await res.body?.cancel();
        await this.sleep(retryAfterMs ?? backoff);
        continue;
      }
      throw await this.failure(req, res, retryAfterMs);
    }
  }

  /** Sends a call and parses its JSON answer with a schema. */
  async json<S extends z.ZodType>(schema: S, req: ApiRequest): Promise<z.output<S>> {
    const res = await this.send(req);
    const text = await readCapped(res, MAX_JSON_BYTES, () => this.problem(req, `the answer is larger than ${MAX_JSON_BYTES} bytes`));
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw this.problem(req, `the answer is not JSON: ${text.slice(0, ERROR_TEXT_CHARS)}`);
    }
    return this.check(schema, value, req);
  }

  /** Like {@link json}, but null when the catalogue says the thing is not there (404). */
  async jsonOrNull<S extends z.ZodType>(schema: S, req: ApiRequest): Promise<z.output<S> | null> {
    try {
      return await this.json(schema, req);
    } catch (err) {
      if (isAbsent(err)) return null;
      throw err;
    }
  }

  /** Sends a call and returns the answer's bytes. */
  async bytes(req: ApiRequest): Promise<Buffer> {
    const res = await this.send(req);
    return Buffer.from(await res.arrayBuffer());
  }

  /**
   * Sends a Range call and returns exactly the bytes asked for; a server that ignores the range
   * (200 with the whole body) is refused before its body is read, so a large file is never
   * pulled whole by mistake.
   */
  async byteRange(req: ApiRequest & { range: { start: number; end: number } }): Promise<Buffer> {
    const res = await this.send(req);
    const { start, end } = req.range;
    if (res.status !== 206 || res.headers.get('content-range')?.startsWith(`bytes ${start}-${end - 1}/`) !== true) {
      await res.body?.cancel();
      throw this.problem(req, `asked for bytes ${start}-${end - 1}, got status ${res.status} with content-range ${JSON.stringify(res.headers.get('content-range'))}`);
    }
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length !== end - start) throw this.problem(req, `asked for ${end - start} bytes, got ${bytes.length}`);
    return bytes;
  }

  /** Checks a value received some other way (an NDJSON line) against its schema. */
  check<S extends z.ZodType>(schema: S, value: unknown, req: ApiRequest): z.output<S> {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    throw this.problem(req, `the answer does not match the API contract: ${issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid'}`);
  }

  private async attempt(req: ApiRequest): Promise<Response> {
    const headers: Record<string, string> = { 'user-agent': this.o.userAgent, accept: 'application/json, */*' };
    let body: BodyInit | undefined;
    if (req.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.json);
    } else if (req.bytes) {
      headers['content-type'] = 'application/octet-stream';
      body = req.bytes as Uint8Array<ArrayBuffer>;
    }
    if (req.token) headers.authorization = `Bearer ${req.token}`;
    if (req.range) headers.range = `bytes=${req.range.start}-${req.range.end - 1}`;
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    try {
      return await fetch(this.url(req.path), { method: req.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (err) {
      const timedOut = (err as Error).name === 'TimeoutError';
      const why = timedOut ? `no answer within ${(timeoutMs / 1000).toFixed(timeoutMs < 1000 ? 1 : 0)} s` : String((err as Error).cause ?? (err as Error).message);
      throw new SeedbankError('CATALOGUE_UNREACHABLE', `cannot reach the catalogue at ${this.baseUrl} (${req.what}): ${why}`, {
        hint: 'check the catalogue URL (--catalogue) and that the catalogue is running',
        context: { source: API_ERROR_SOURCE, url: this.url(req.path), method: req.method },
        cause: err,
      });
    }
  }

  /** Turns an error answer into a SeedbankError: the catalogue's own code when it sent its error body. */
  private async failure(req: ApiRequest, res: Response, retryAfterMs: number | undefined): Promise<SeedbankError> {
    const text = await readCapped(res, MAX_JSON_BYTES, () => undefined).catch(() => '');
    let decoded: z.output<typeof errorBodySchema> | undefined;
    try {
      const r = errorBodySchema.safeParse(JSON.parse(text));
      if (r.success) decoded = r.data;
    } catch {
      // not JSON: not our catalogue's error body
    }
    const context = { source: API_ERROR_SOURCE, url: this.url(req.path), method: req.method, httpStatus: res.status, catalogueBody: decoded !== undefined, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    if (decoded) {
      const e = decoded.error;
      const wait = retryAfterMs !== undefined ? ` (it asks to wait ${Math.ceil(retryAfterMs / 1000)} s)` : '';
      // A code this client does not know (a newer catalogue) is still the catalogue's refusal.
      return new SeedbankError(isErrorCode(e.code) ? e.code : 'CATALOGUE_ERROR', `the catalogue refused ${req.what}: ${e.message}${wait}`, { hint: e.hint, context });
    }
    return new SeedbankError('CATALOGUE_ERROR', `the catalogue at ${this.baseUrl} answered ${req.what} with HTTP ${res.status}: ${text.slice(0, ERROR_TEXT_CHARS) || res.statusText}`, {
      hint: res.status === 404 ? 'is this the URL of a Seedbank catalogue?' : 'try again later; if it persists, tell the catalogue operator',
      context,
    });
  }

  /** The error for an answer that breaks the contract: a CATALOGUE_ERROR marked as the catalogue's (isApiError), so callers treat it as the catalogue failing. */
  problem(req: ApiRequest, what: string): SeedbankError {
    return new SeedbankError('CATALOGUE_ERROR', `the catalogue at ${this.baseUrl} answered ${req.what} badly: ${what}`, {
      hint: 'the catalogue may run another Seedbank version; tell its operator',
      context: { source: API_ERROR_SOURCE, url: this.url(req.path), method: req.method },
    });
  }
}

/** Reads a body as text, stopping (and calling `tooLarge`) past a byte limit. */
async function readCapped(res: Response, maxBytes: number, tooLarge: () => Error | undefined): Promise<string> {
  if (!res.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      const err = tooLarge();
      if (err) throw err;
      break;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
