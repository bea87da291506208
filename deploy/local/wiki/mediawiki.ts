// A real MediaWiki (Debian's /usr/share/mediawiki, 1.39) for integration tests: installed
// into a fresh temp folder on SQLite and run by `php -S` on a free 127.0.0.1 port, behind
// nginx on another free port, which serves the uploads itself like
// https://upload.wikimedia.org/wikipedia/commons/a/ab/Name.jpg (real Range and keep-alive,
// what BitTorrent clients' web seeds need) and proxies the rest to `php -S`. Every URL the
// wiki hands out (upload URLs, api.php) is nginx's.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startNginxFront, THROTTLED_PREFIX, type NginxFront } from './nginx-front.ts';
import {
  freePort,
  registerExitCleanup,
  runPhp,
  startPhpServer,
  tailFile,
  unregisterExitCleanup,
  waitFor,
  type GroupServer,
  type RunResult,
} from './php-server.ts';
import { startMariaDb, type MariaDb } from './mariadb.ts';
import { MEDIAWIKI_SOURCE, makeDocRoot, provisionMariaDbWiki, provisionWiki, wikiEnv, wikiPaths, writeLocalSettings, type WikiDatabase } from './mediawiki-install.ts';

export { MEDIAWIKI_SOURCE };
const TEMP_PREFIX = 'seedbank-wiki-';
const READY_TIMEOUT_MS = 30_000;
/** How long requests() waits for nginx to finish (and so log) the requests in flight. */
const REQUEST_LOG_SETTLE_MS = 2_000;
/** Tries at a pair of free ports before giving up (another process may take one meanwhile). */
const PORT_ATTEMPTS = 3;

export interface LoggedRequest {
  method: string;
  /** URL path, percent-decoded (e.g. "/wikipedia/commons/a/ab/Île_de_la_Cité.jpg"). */
  path: string;
  query?: string;
  range?: string;
  status: number;
  /** Response body bytes sent. */
  bytes: number;
  /** nginx's connection serial number and this request's number on it (keep-alive shows as > 1). */
  connection: number;
  connectionRequests: number;
  userAgent?: string;
  /** When nginx read the request's first byte, and when it logged the request (its end): ms since the epoch, ms resolution. */
  startedAtMs: number;
  endedAtMs: number;
}

export interface Wiki {
  readonly name: string;
  /** nginx's port: every URL of the wiki is on it. */
  readonly port: number;
  /** http://127.0.0.1:PORT (nginx) */
  readonly baseUrl: string;
  /** http://127.0.0.1:PORT/api.php */
  readonly apiUrl: string;
  /** http://127.0.0.1:PORT/wikipedia/ — like https://upload.wikimedia.org/wikipedia/ */
  readonly uploadBaseUrl: string;
  /**
   * http://127.0.0.1:PORT/throttled/wikipedia/: the same files, but more than
   * THROTTLED_RATE_PER_S requests a second from one address get 429 with Retry-After.
   */
  readonly throttledUploadBaseUrl: string;
  /** The temp folder holding everything of this wiki. */
  readonly dir: string;
  /** The document root (symlinks into /usr/share/mediawiki, plus the uploads). */
  readonly docRoot: string;
  /** Where uploads live: <docRoot>/wikipedia/commons, served at /wikipedia/commons. */
  readonly uploadDir: string;
  readonly adminUser: string;
  readonly adminPassword: string;
  /** http://127.0.0.1:PHPPORT, `php -S` behind nginx (for diagnostics; uploads and every URL the wiki hands out go through nginx). */
  readonly backendUrl: string;
  /** Process group of the php -S server (its pid is the pgid). */
  readonly pgid: number;
  /** Process group of nginx. */
  readonly frontPgid: number;
  /** The MariaDB server and database name of a wiki started with database: 'mariadb'; null on SQLite. */
  readonly mariadb: { server: MariaDb; dbName: string } | null;
  /** Runs maintenance/<script> (or an absolute script path) with this wiki's settings. */
  php(script: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Creates (once) a bot password Admin@seedbank and returns its credentials. */
  createBotPassword(): Promise<{ user: string; password: string }>;
  /** Requests seen by nginx, once those in flight are done (needs logRequests: true). */
  requests(): Promise<LoggedRequest[]>;
  /** Only the requests for files under /wikipedia/ (and its throttled twin). */
  mediaRequests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  /** The tails of php -S's and nginx's stdout/stderr, for error messages. */
  serverLog(maxChars?: number): Promise<string>;
  /** Kills both servers' process groups and removes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

export interface StartWikiOptions {
  name?: string;
  /** PHP_CLI_SERVER_WORKERS (default 4). */
  workers?: number;
  logRequests?: boolean;
  /** 'sqlite' (default, cached install) or 'mariadb' (its own mariadbd, for the dump tests). */
  database?: WikiDatabase;
  /** The MariaDB database name, as Wikimedia names a wiki's dumps (`commonswiki`); default 'seedbankwiki'. */
  dbName?: string;
}

export interface WikiTimings {
  /** Copying the cached install (or running install.php when there is none yet). */
  installMs: number;
  installFromCache: boolean;
  /** From spawning php -S to the first good siteinfo answer. */
  serverMs: number;
  totalMs: number;
}

/** Timings of the last startWiki() in this process, for reporting. */
export let lastStartTimings: WikiTimings | undefined;

/** Removes seedbank-wiki-* folders left behind by processes that no longer exist. */
async function sweepStaleDirs(): Promise<void> {
  const tmp = os.tmpdir();
  for (const entry of await fs.readdir(tmp)) {
    if (!entry.startsWith(TEMP_PREFIX)) continue;
    const dir = path.join(tmp, entry);
    let owner: number;
    try {
      owner = Number(await fs.readFile(path.join(dir, '.owner-pid'), 'utf8'));
    } catch {
      continue; // being created right now, or not ours
    }
    if (!Number.isInteger(owner) || owner <= 0) continue;
    try {
      process.kill(owner, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') await fs.rm(dir, { recursive: true, force: true });
    }
  }
}

export async function startWiki(options: StartWikiOptions = {}): Promise<Wiki> {
  const t0 = performance.now();
  const name = options.name ?? 'Seedbank Test Wiki';
  const workers = options.workers ?? 4;
  await sweepStaleDirs().catch(() => {});
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), TEMP_PREFIX));
  registerExitCleanup({ dir });
  await fs.writeFile(path.join(dir, '.owner-pid'), String(process.pid));
  const paths = wikiPaths(dir);
  const { docRoot, uploadDir } = paths;
  const requestLog = path.join(dir, 'requests.jsonl');
  const phpLog = path.join(dir, 'php-server.log');
  const nginxLog = path.join(dir, 'nginx.log');
  const adminUser = 'Admin';
  const env: NodeJS.ProcessEnv = { ...wikiEnv(paths), PHP_CLI_SERVER_WORKERS: String(workers) };
  const php = (script: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}) => {
    const scriptPath = path.isAbsolute(script) ? script : path.join(MEDIAWIKI_SOURCE, 'maintenance', script);
    return runPhp([scriptPath, ...args], { cwd: dir, env, ...opts, label: `php ${script} ${args.join(' ')}` });
  };

  let servers: Servers | undefined;
  const database = options.database ?? 'sqlite';
  const dbName = options.dbName ?? 'seedbankwiki';
  let mariadb: MariaDb | undefined;
  try {
    await Promise.all([makeDocRoot(paths), fs.writeFile(requestLog, '')]);
    let port = await freePort();
    const tInstall = performance.now();
    if (database === 'mariadb') mariadb = await startMariaDb(path.join(dir, 'mariadb'));
    const { adminPassword, fromCache } = mariadb
      ? await provisionMariaDbWiki(paths, { name, adminUser, port, socket: mariadb.socket, dbName })
      : await provisionWiki(paths, { name, adminUser, port });
    const installMs = performance.now() - tInstall;

    // The ports were free a moment ago; if another process grabbed one meanwhile, php -S or
    // nginx exits at once and we try another pair.
    const tServer = performance.now();
    for (let attempt = 1; ; attempt++) {
      const backendPort = await freePort();
      await writeLocalSettings(paths, port, database); // $wgServer is nginx's address
      servers = await startServers({ dir, docRoot, env, port, backendPort, requestLog, phpLog, nginxLog });
      const siteinfo = `http://127.0.0.1:${port}/api.php?action=query&meta=siteinfo&format=json`;
      const current = servers;
      const ready = await waitFor(
        `MediaWiki at http://127.0.0.1:${port} (nginx, proxying to php -S on ${backendPort}) to answer ${siteinfo}`,
        async () => {
          if (current.php.exited() || current.front.exited()) return 'exited' as const;
          const res = await fetch(siteinfo, { signal: AbortSignal.timeout(5000) });
          const body = (await res.json()) as { query?: { general?: { sitename?: string } } };
          return body.query?.general?.sitename === name ? ('ready' as const) : undefined;
        },
        { timeoutMs: READY_TIMEOUT_MS, detail: () => serverLogs(phpLog, nginxLog) },
      );
      if (ready === 'ready') break;
      await stopServers(servers);
      const logs = await serverLogs(phpLog, nginxLog);
      if (attempt >= PORT_ATTEMPTS || !/Failed to listen|Address already in use/i.test(logs)) {
        throw new Error(`php -S (port ${backendPort}) or nginx (port ${port}) exited before MediaWiki answered.\n${logs}`);
      }
      port = await freePort();
    }
    const serverMs = performance.now() - tServer;
    lastStartTimings = { installMs, installFromCache: fromCache, serverMs, totalMs: performance.now() - t0 };

    const running = servers;
    const baseUrl = `http://127.0.0.1:${port}`;
    let botPassword: Promise<{ user: string; password: string }> | undefined;
    let stopping: Promise<void> | undefined;
    // nginx logs a request when it is done with it; waiting for the requests in flight makes
    // "the client has its answer" imply "the request is in the log", as the php router did.
    const settle = () =>
      waitFor('nginx to finish the requests in flight', async () => ((await running.front.requestsInFlight()) <= 0 ? true : undefined), {
        timeoutMs: REQUEST_LOG_SETTLE_MS,
        intervalMs: 10,
      }).catch(() => undefined); // a client still downloading in the background: read what there is
    const requests = async (): Promise<LoggedRequest[]> => {
      if (!options.logRequests) throw new Error('requests() needs startWiki({ logRequests: true })');
      await settle();
      const text = await fs.readFile(requestLog, 'utf8');
      return text.split('\n').filter((l) => l !== '').map(parseLogLine);
    };
    const wiki: Wiki = {
      name,
      port,
      baseUrl,
      apiUrl: `${baseUrl}/api.php`,
      uploadBaseUrl: `${baseUrl}/wikipedia/`,
      throttledUploadBaseUrl: `${baseUrl}${THROTTLED_PREFIX}wikipedia/`,
      dir,
      docRoot,
      uploadDir,
      adminUser,
      adminPassword,
      backendUrl: `http://127.0.0.1:${running.backendPort}`,
      pgid: running.php.pgid,
      frontPgid: running.front.pgid,
      mariadb: mariadb ? { server: mariadb, dbName } : null,
      php,
      createBotPassword() {
        botPassword ??= (async () => {
          const password = randomBytes(16).toString('hex'); // exactly 32 characters
          const grants = 'basic,editpage,createeditmovepage,highvolume,uploadfile,uploadeditmovefile,delete';
          await php('createBotPassword.php', ['--appid', 'seedbank', '--grants', grants, adminUser, password]);
          return { user: `${adminUser}@seedbank`, password };
        })();
        return botPassword;
      },
      requests,
      async mediaRequests() {
        return (await requests()).filter((r) => r.path.startsWith('/wikipedia/') || r.path.startsWith(`${THROTTLED_PREFIX}wikipedia/`));
      },
      async clearRequests() {
        if (!options.logRequests) throw new Error('clearRequests() needs startWiki({ logRequests: true })');
        await settle();
        await fs.writeFile(requestLog, ''); // nginx appends (O_APPEND): it goes on at the new end
      },
      serverLog: (maxChars?: number) => serverLogs(phpLog, nginxLog, maxChars),
      stop() {
        stopping ??= (async () => {
          try {
            await stopServers(running);
          } finally {
            await mariadb?.stop();
            await fs.rm(dir, { recursive: true, force: true });
            unregisterExitCleanup({ dir });
          }
        })();
        return stopping;
      },
    };
    return wiki;
  } catch (err) {
    if (servers) await stopServers(servers).catch(() => {});
    await mariadb?.stop().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
    unregisterExitCleanup({ dir });
    throw err;
  }
}

interface Servers {
  php: GroupServer;
  front: NginxFront;
  backendPort: number;
}

/** Starts php -S on `backendPort` and nginx on `port` in front of it. */
async function startServers(o: {
  dir: string;
  docRoot: string;
  env: NodeJS.ProcessEnv;
  port: number;
  backendPort: number;
  requestLog: string;
  phpLog: string;
  nginxLog: string;
}): Promise<Servers> {
  await Promise.all([fs.writeFile(o.phpLog, ''), fs.writeFile(o.nginxLog, '')]);
  // No router script: php -S runs MediaWiki's entry points and serves its static resources;
  // nginx serves the uploads and logs every request.
  const php = await startPhpServer({
    args: ['-q', '-d', 'opcache.enable_cli=1', '-S', `127.0.0.1:${o.backendPort}`, '-t', o.docRoot],
    cwd: o.dir,
    env: o.env,
    logFile: o.phpLog,
  });
  try {
    const front = await startNginxFront({
      dir: o.dir, docRoot: o.docRoot, port: o.port, backendPort: o.backendPort, requestLog: o.requestLog, logFile: o.nginxLog,
    });
    return { php, front, backendPort: o.backendPort };
  } catch (err) {
    await php.stop();
    throw err;
  }
}

/** Stops nginx, then php -S; both are waited for, even when the first fails. */
async function stopServers(s: Servers): Promise<void> {
  const results = await Promise.allSettled([s.front.stop(), s.php.stop()]);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

async function serverLogs(phpLog: string, nginxLog: string, maxChars?: number): Promise<string> {
  return `php -S log:\n${await tailFile(phpLog, maxChars)}\nnginx log:\n${await tailFile(nginxLog, maxChars)}`;
}

/** One line of nginx's request log; empty fields (no query, no Range, no User-Agent) are left out. */
function parseLogLine(line: string): LoggedRequest {
  const raw = JSON.parse(line) as Record<string, string | number>;
  for (const [key, value] of Object.entries(raw)) if (value === '') delete raw[key];
  const { msec, requestTime, ...rest } = raw;
  // Both are seconds with three decimals: whole milliseconds, kept exact by rounding.
  const endedAtMs = Math.round(Number(msec) * 1000);
  return { ...rest, endedAtMs, startedAtMs: endedAtMs - Math.round(Number(requestTime) * 1000) } as unknown as LoggedRequest;
}
