/**
 * The seeder's side of the catalogue's HTTP API. Every call has a timeout, and every answer
 * is treated as untrusted: callers verify signatures (pointer, manifest, takedown list) before
 * acting on anything fetched here.
 */
import { z } from 'zod';
import { SeedbankError } from '../../../shared/errors.ts';
import { pointerSchema, type SetPointer } from '../../../shared/formats/pointer.ts';

/** One HTTP call to the catalogue may take this long. */
export const CATALOGUE_TIMEOUT_MS = 20_000;
/** Largest JSON answer accepted (the set list of a big catalogue). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;

const setRowSchema = z.object({ id: z.string(), tags: z.array(z.string()), latestVersion: z.number().int(), copyTarget: z.number().int() });
const needSchema = z.object({
  infoHash: z.string().regex(/^[0-9a-f]{40}$/),
  setId: z.string(),
  size: z.number().nonnegative(),
  copyTarget: z.number().int().positive(),
  copies: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
});
const hostedInfoSchema = z.object({ copies: z.number(), copyTarget: z.number(), holders: z.number(), rank: z.number(), latest: z.boolean() });
const reportAnswerSchema = z.object({
  /** Other live seeders hosting each volume (a claim counts before the census sees the copy). */
  claims: z.record(z.string(), z.number()),
  hosted: z.record(z.string(), hostedInfoSchema),
});

/** A set as the catalogue lists it. */
export type CatalogueSet = z.output<typeof setRowSchema>;
/** A volume the catalogue says needs copies. */
export type CatalogueNeed = z.output<typeof needSchema>;
/** What the catalogue answers to a report. */
export type ReportAnswer = z.output<typeof reportAnswerSchema>;
/** What the catalogue says of a volume this seeder hosts. */
export type HostedInfo = z.output<typeof hostedInfoSchema>;

/** The report a seeder posts every poll. */
export interface SeederReport {
  seederId: string;
  quotaBytes: number;
  usedBytes: number;
  volumes: string[];
  version: string;
  pollIntervalMs: number;
}

/** Talks to one catalogue. */
export class CatalogueClient {
  constructor(readonly baseUrl: string, private readonly userAgent: string) {}

  private async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const url = `${this.baseUrl}${path}`;
    let res: Response;
    try {
      res = await fetch(url, { ...init, headers: { 'user-agent': this.userAgent, ...init.headers }, signal: AbortSignal.timeout(CATALOGUE_TIMEOUT_MS) });
    } catch (err) {
      throw new SeedbankError('CATALOGUE_UNREACHABLE', `cannot reach the catalogue at ${this.baseUrl}: ${String((err as Error).cause ?? (err as Error).message)}`, { cause: err });
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new SeedbankError(res.status === 404 ? 'CATALOGUE_NOT_FOUND' : 'CATALOGUE_ERROR', `${url} answered HTTP ${res.status}`, { context: { upstreamStatus: res.status } });
    }
    return res;
  }

  /** GET bytes. */
  async bytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.fetch(path)).arrayBuffer());
  }

  private async json(path: string, init?: RequestInit): Promise<unknown> {
    const res = await this.fetch(path, init);
    const text = await res.text();
    if (text.length > MAX_JSON_BYTES) throw new SeedbankError('CATALOGUE_ERROR', `${path}: answer too large`);
    return JSON.parse(text) as unknown;
  }

  /** The catalogue's public key (takedown lists are signed with it). */
  async catalogueKey(): Promise<string> {
    return z.object({ publicKey: z.string().regex(/^[0-9a-f]{64}$/) }).parse(await this.json('/api/catalogue-key')).publicKey;
  }

  /** The takedown list, unverified. */
  takedown(): Promise<unknown> {
    return this.json('/api/takedown');
  }

  /** Every set with its latest version number and tags. */
  async sets(): Promise<CatalogueSet[]> {
    return z.object({ sets: z.array(setRowSchema) }).parse(await this.json('/api/sets')).sets;
  }

  /** A set's latest signed pointer (unverified); null when the set is unknown. */
  async pointer(setId: string): Promise<SetPointer | null> {
    try {
      return pointerSchema.parse(await this.json(`/api/sets/${encodeURIComponent(setId)}/pointer`));
    } catch (err) {
      if (err instanceof SeedbankError && err.code === 'CATALOGUE_NOT_FOUND') return null;
      throw err;
    }
  }

  /** A file of a version's metadata (manifest.json, manifest.sig, pages.xml.gz). */
  metadataFile(setId: string, version: number, name: string): Promise<Uint8Array> {
    return this.bytes(`/meta/${encodeURIComponent(setId)}-v${version}/${name}`);
  }

  /** A version's metadata torrent. */
  metadataTorrent(setId: string, version: number): Promise<Uint8Array> {
    return this.bytes(`/sets/${encodeURIComponent(setId)}/${version}/metadata.torrent`);
  }

  /** A volume's torrent. */
  volumeTorrent(infoHash: string): Promise<Uint8Array> {
    return this.bytes(`/torrents/${infoHash}.torrent`);
  }

  /** Volumes below their copy target, neediest first. */
  async needs(): Promise<CatalogueNeed[]> {
    return z.object({ needs: z.array(needSchema) }).parse(await this.json('/api/needs')).needs;
  }

  /** Posts this seeder's report; the answer tells what others host and what is known of ours. */
  async report(r: SeederReport): Promise<ReportAnswer> {
    return reportAnswerSchema.parse(await this.json('/api/seeders/report', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) }));
  }
}
