/**
 * The MediaWiki a restore writes into, through mwn with a bot password: batched reads of
 * what is there (file SHA-1 and page text), uploads that never overwrite a different file,
 * and page edits. Polite: maxlag, bounded retries, a User-Agent naming a contact.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { Mwn } from 'mwn';
import type { Logger } from '../../../shared/log.ts';
import { SeedbankError } from '../../../shared/errors.ts';

/** Seconds of replication lag beyond which the wiki asks bots to wait. */
const MAXLAG_SECONDS = 5;
const API_MAX_RETRIES = 4;
const API_RETRY_PAUSE_MS = 3_000;
const API_TIMEOUT_MS = 120_000;
/** Titles per query (the API's limit for normal users). */
export const TITLES_PER_QUERY = 50;
/** Upload warnings that do not mean overwriting something else: same bytes under another name, a deleted earlier file. */
const SAFE_WARNINGS = new Set(['duplicate', 'duplicate-archive', 'was-deleted', 'duplicateversions', 'nochange']);

/** Files above this go up in chunks: PHP's default upload_max_filesize is 2 MB. */
const CHUNK_BYTES = 1024 * 1024;

interface UploadAnswer {
  result: string;
  warnings?: Record<string, unknown>;
  filekey?: string;
}

/** What the wiki has under one title. */
export interface WikiFileState {
  /** Hex SHA-1 of the current file version, null when there is no file. */
  sha1: string | null;
  /** Page text, null when there is no page. */
  text: string | null;
}

/** How an upload went. */
export type UploadResult = { ok: true } | { ok: false; reason: string };

/** A logged-in session on the target wiki. */
export class TargetWiki {
  private constructor(private readonly bot: Mwn) {}

  /** Logs in with a bot password (User@BotName). */
  static async login(o: { apiUrl: string; username: string; password: string; userAgent: string; logger: Logger }): Promise<TargetWiki> {
    Mwn.setLoggingConfig({
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          const line = chunk.toString().replace(/\x1b\[[0-9;]*m/g, '').trim();
          if (line) o.logger.warn({ source: 'mwn' }, line.split('\n')[0]!);
          done();
        },
      }),
    });
    const bot = new Mwn({
      apiUrl: o.apiUrl,
      username: o.username,
      password: o.password,
      userAgent: o.userAgent,
      silent: true,
      maxRetries: API_MAX_RETRIES,
      retryPause: API_RETRY_PAUSE_MS,
      defaultParams: { format: 'json', formatversion: 2, maxlag: MAXLAG_SECONDS },
    });
    bot.setRequestOptions({ timeout: API_TIMEOUT_MS });
    await bot.login();
    return new TargetWiki(bot);
  }

  /** The file SHA-1 and page text of up to TITLES_PER_QUERY titles. */
  async states(titles: string[]): Promise<Map<string, WikiFileState>> {
    const res = await this.bot.query({ titles: titles.join('|'), prop: 'imageinfo|revisions', iiprop: 'sha1', rvprop: 'content', rvslots: 'main' });
    const out = new Map<string, WikiFileState>();
    const normalized = new Map<string, string>((res.query?.normalized ?? []).map((n: { from: string; to: string }) => [n.to, n.from]));
    for (const p of (res.query?.pages ?? []) as Array<{ title: string; missing?: boolean; imageinfo?: Array<{ sha1: string }>; revisions?: Array<{ slots?: { main?: { content?: string } } }> }>) {
      out.set(normalized.get(p.title) ?? p.title, { sha1: p.imageinfo?.[0]?.sha1 ?? null, text: p.revisions?.[0]?.slots?.main?.content ?? null });
    }
    return out;
  }

  /** Uploads a new file with its page text; retries past safe warnings only (never over another file). */
  async upload(file: string, title: string, text: string, comment: string): Promise<UploadResult> {
    const name = title.replace(/^File:/, '');
    const { size } = await stat(file);
    const first = size > CHUNK_BYTES ? await this.uploadInChunks(file, name, size, text, comment) : ((await this.bot.upload(file, name, text, { ignorewarnings: false, comment })) as UploadAnswer);
    if (first.result === 'Success') return { ok: true };
    const warnings = Object.keys(first.warnings ?? {});
    const unsafe = warnings.filter((w) => !SAFE_WARNINGS.has(w));
    if (unsafe.length > 0 || !first.filekey) return { ok: false, reason: `the wiki warned: ${warnings.join(', ') || first.result}` };
    const again = await this.commit(name, first.filekey, text, comment, true);
    return again.result === 'Success' ? { ok: true } : { ok: false, reason: `upload ended with ${again.result ?? 'no result'}` };
  }

  /** Large files go up in chunks to the stash (servers cap one request's size), then are committed. */
  private async uploadInChunks(file: string, name: string, size: number, text: string, comment: string): Promise<UploadAnswer> {
    let filekey: string | undefined;
    for (let offset = 0; offset < size; offset += CHUNK_BYTES) {
      const end = Math.min(size, offset + CHUNK_BYTES);
      const res = (await this.bot.request(
        { action: 'upload', stash: true, filename: name, filesize: size, offset, ...(filekey ? { filekey } : {}), token: this.bot.csrfToken, chunk: { stream: createReadStream(file, { start: offset, end: end - 1 }), name } },
        { headers: { 'Content-Type': 'multipart/form-data' } },
      )) as { upload: UploadAnswer };
      filekey = res.upload.filekey;
      if (!filekey) throw new SeedbankError('WIKI_UPLOAD_FAILED', `chunked upload of ${name} failed at byte ${offset}: ${res.upload.result}`, { context: { name, offset, size, result: res.upload.result } });
    }
    return this.commit(name, filekey!, text, comment, false);
  }

  private async commit(name: string, filekey: string, text: string, comment: string, ignoreWarnings: boolean): Promise<UploadAnswer> {
    const res = (await this.bot.request({ action: 'upload', filename: name, filekey, text, comment, ignorewarnings: ignoreWarnings, token: this.bot.csrfToken })) as { upload: UploadAnswer };
    return res.upload;
  }

  /** Replaces a page's text. */
  async edit(title: string, text: string, summary: string): Promise<void> {
    await this.bot.save(title, text, summary, { bot: true });
  }
}
