import { Writable } from 'node:stream';
import { Mwn, type ApiParams, type ApiResponse } from 'mwn';
import { Response as MwnResponse } from 'mwn/build/core.js';
import { log as mwnLog } from 'mwn/build/log.js';
import { SeedbankError } from '../../../shared/errors.ts';
import { silentLogger, type Logger } from '../../../shared/log.ts';

/** Seconds of replication lag beyond which the wiki asks bots to wait (Wikimedia's advice). */
export const MAXLAG_SECONDS = 5;
/** Transient failures (maxlag, 429, 5xx) retried by mwn before giving up. */
const API_MAX_RETRIES = 6;
/** Pause before a retry when the server gives no Retry-After. */
const API_RETRY_PAUSE_MS = 5_000;
/** Per-request timeout so a dead wiki fails instead of hanging. */
const API_TIMEOUT_MS = 60_000;

/** Facts about the wiki recorded in the manifest. */
export interface SiteFacts {
  siteName: string;
  /** The wiki's database name (`frwiki`), as usedBy recipes and dump file names spell it. */
  wikiId: string;
  generator: string;
  articleUrl: string;
  extensions: Set<string>;
  /** True when the user may ask 500 titles per query (apihighlimits). */
  highLimits: boolean;
}

// mwn's retry path writes its one-line "[W] Retrying in 5 seconds: encountered ..." through
// its logger (routed into ours below) and then console.logs an object dump of the failed
// request ({ request: { method: undefined, ... } }) to stdout, where our results go. Keep the
// line, drop the dump: the error that ends the retries carries the details.
MwnResponse.prototype.logError = function logRetryLine(this: MwnResponse, err: unknown): void {
  const reason = err instanceof Error ? err.message : String(err);
  mwnLog(`[W] wiki request failed (${reason}); retrying in ${this.bot.options.retryPause! / 1000} s`);
};

/** mwn's own "[date time] [W] " prefix: our log line has its own time and level. */
const MWN_LINE_PREFIX = /^(\[[^\]]*\]\s*)*/;

/** A thin, counted wrapper around mwn for the read-only queries the builder makes. */
export class WikiApi {
  readonly apiUrl: string;
  private readonly bot: Mwn;
  private readonly logger: Logger;
  /** API requests sent, for the requests-per-1,000-files budget. */
  requests = 0;
  /** Pages per generator batch: 'max' (500, or 5,000 for bots) except in tests of continuation. */
  readonly batchLimit: number | 'max';

  constructor(options: { apiUrl: string; userAgent: string; logger?: Logger; retryPauseMs?: number; batchLimit?: number }) {
    this.apiUrl = options.apiUrl;
    this.batchLimit = options.batchLimit ?? 'max';
    this.logger = options.logger ?? silentLogger;
    this.bot = new Mwn({
      apiUrl: options.apiUrl,
      userAgent: options.userAgent,
      silent: true,
      maxRetries: API_MAX_RETRIES,
      retryPause: options.retryPauseMs ?? API_RETRY_PAUSE_MS,
      defaultParams: { format: 'json', formatversion: 2, maxlag: MAXLAG_SECONDS, errorformat: 'plaintext' },
    });
    this.bot.setRequestOptions({ timeout: API_TIMEOUT_MS });
    // mwn prints retries to stdout, where our results go; route them into the structured log.
    const logger = this.logger;
    Mwn.setLoggingConfig({
      stream: new Writable({
        write(chunk: Buffer, _enc, done) {
          const line = chunk.toString().replace(/\x1b\[[0-9;]*m/g, '').trim();
          if (line.length > 0) logger.warn({ source: 'mwn' }, line.split('\n')[0]!.replace(MWN_LINE_PREFIX, ''));
          done();
        },
      }),
    });
  }

  /** Sends one GET query; errors become SeedbankErrors that say which wiki failed and how. */
  async query(params: ApiParams): Promise<ApiResponse> {
    this.requests++;
    try {
      return await this.bot.request({ action: 'query', ...params }, { method: 'get' });
    } catch (err) {
      throw toWikiError(err, this.apiUrl);
    }
  }

  /** Reads the site information the manifest records. */
  async siteFacts(): Promise<SiteFacts> {
    const res = await this.query({ meta: 'siteinfo|userinfo', siprop: 'general|extensions', uiprop: 'rights' });
    const general = res.query?.general as Record<string, string> | undefined;
    if (!general) {
      throw new SeedbankError('WIKI_BAD_RESPONSE', `${this.apiUrl} answered without site information`, {
        hint: 'is this the URL of a MediaWiki api.php?',
      });
    }
    const extensions = new Set<string>(((res.query?.extensions ?? []) as Array<{ name: string }>).map((e) => e.name));
    const rights = ((res.query?.userinfo as { rights?: string[] } | undefined)?.rights ?? []) as string[];
    const server = general.server ?? '';
    const articlePath = general.articlepath ?? '/wiki/$1';
    this.logger.debug({ generator: general.generator, extensions: extensions.size }, 'wiki site info');
    return {
      siteName: general.sitename ?? '',
      wikiId: general.wikiid ?? '',
      generator: general.generator ?? '',
      articleUrl: (server.startsWith('//') ? `https:${server}` : server) + articlePath,
      extensions,
      highLimits: rights.includes('apihighlimits'),
    };
  }

  /** The highest revision id and log id seen now: the snapshot point of a build. */
  async snapshotPoint(): Promise<{ maxRevisionId: number; maxLogId: number }> {
    const res = await this.query({
      list: 'recentchanges|logevents',
      rclimit: 1,
      rcprop: 'ids',
      lelimit: 1,
      leprop: 'ids',
    });
    const rc = (res.query?.recentchanges ?? []) as Array<{ revid?: number }>;
    const le = (res.query?.logevents ?? []) as Array<{ logid?: number }>;
    let maxRevisionId = rc[0]?.revid ?? 0;
    if (maxRevisionId === 0) {
      // Recent changes expire (90 days on Wikimedia); fall back to the newest revision.
      const all = await this.query({ list: 'allrevisions', arvlimit: 1, arvprop: 'ids', arvdir: 'older' });
      const pages = (all.query?.allrevisions ?? []) as Array<{ revisions?: Array<{ revid: number }> }>;
      maxRevisionId = pages[0]?.revisions?.[0]?.revid ?? 0;
    }
    return { maxRevisionId, maxLogId: le[0]?.logid ?? 0 };
  }
}

function toWikiError(err: unknown, apiUrl: string): SeedbankError {
  if (err instanceof SeedbankError) return err;
  const e = err as { code?: string; message?: string; response?: { status?: number } };
  const code = e.code ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED'].includes(code)) {
    return new SeedbankError('WIKI_UNREACHABLE', `cannot reach the wiki at ${apiUrl} (${code})`, {
      hint: 'check the URL (it should end in api.php), your network, and that the wiki is up; the build can be re-run and resumes',
      cause: err,
    });
  }
  const status = e.response?.status;
  return new SeedbankError('WIKI_ERROR', `the wiki at ${apiUrl} failed${status ? ` with HTTP ${status}` : ''}: ${e.message ?? String(err)}`, {
    hint: 'transient errors were retried already; re-run the build later, it resumes where it stopped',
    cause: err,
  });
}
