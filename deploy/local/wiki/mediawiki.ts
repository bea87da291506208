// A real MediaWiki (Debian's /usr/share/mediawiki, 1.39) for integration tests: installed
// into a fresh temp folder on SQLite and served by `php -S` on a free 127.0.0.1 port, with
// uploads served like https://upload.wikimedia.org/wikipedia/commons/a/ab/Name.jpg.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  freePort,
  registerExitCleanup,
  runPhp,
  startPhpServer,
  tailFile,
  unregisterExitCleanup,
  waitFor,
  type PhpServer,
  type RunResult,
} from './php-server.ts';
import { MEDIAWIKI_SOURCE, makeDocRoot, provisionWiki, wikiEnv, wikiPaths, writeLocalSettings } from './mediawiki-install.ts';

export { MEDIAWIKI_SOURCE };
const ROUTER = fileURLToPath(new URL('./mediawiki-router.php', import.meta.url));
const TEMP_PREFIX = 'seedbank-wiki-';
const READY_TIMEOUT_MS = 30_000;

export interface LoggedRequest {
  method: string;
  /** URL path, percent-decoded (e.g. "/wikipedia/commons/a/ab/Île_de_la_Cité.jpg"). */
  path: string;
  query?: string;
  range?: string;
  /** Known for media files (served by the router); absent for MediaWiki's own entry points. */
  status?: number;
}

export interface Wiki {
  readonly name: string;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly baseUrl: string;
  /** http://127.0.0.1:PORT/api.php */
  readonly apiUrl: string;
  /** http://127.0.0.1:PORT/wikipedia/ — like https://upload.wikimedia.org/wikipedia/ */
  readonly uploadBaseUrl: string;
  /** The temp folder holding everything of this wiki. */
  readonly dir: string;
  /** The document root (symlinks into /usr/share/mediawiki, plus the uploads). */
  readonly docRoot: string;
  /** Where uploads live: <docRoot>/wikipedia/commons, served at /wikipedia/commons. */
  readonly uploadDir: string;
  readonly adminUser: string;
  readonly adminPassword: string;
  /** Process group of the php -S server (its pid is the pgid). */
  readonly pgid: number;
  /** Runs maintenance/<script> (or an absolute script path) with this wiki's settings. */
  php(script: string, args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
  /** Creates (once) a bot password Admin@seedbank and returns its credentials. */
  createBotPassword(): Promise<{ user: string; password: string }>;
  /** Requests seen by the server (needs logRequests: true). */
  requests(): Promise<LoggedRequest[]>;
  /** Only the requests for files under /wikipedia/. */
  mediaRequests(): Promise<LoggedRequest[]>;
  clearRequests(): Promise<void>;
  /** The tail of php -S's stdout/stderr, for error messages. */
  serverLog(maxChars?: number): Promise<string>;
  /** Kills the server's process group and removes the temp folder. Idempotent. */
  stop(): Promise<void>;
}

export interface StartWikiOptions {
  name?: string;
  /** PHP_CLI_SERVER_WORKERS (default 4). */
  workers?: number;
  logRequests?: boolean;
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
  const serverLogFile = path.join(dir, 'php-server.log');
  const adminUser = 'Admin';
  const env: NodeJS.ProcessEnv = { ...wikiEnv(paths), PHP_CLI_SERVER_WORKERS: String(workers) };
  if (options.logRequests) env.SEEDBANK_WIKI_REQUEST_LOG = requestLog;
  const php = (script: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}) => {
    const scriptPath = path.isAbsolute(script) ? script : path.join(MEDIAWIKI_SOURCE, 'maintenance', script);
    return runPhp([scriptPath, ...args], { cwd: dir, env, ...opts, label: `php ${script} ${args.join(' ')}` });
  };

  let server: PhpServer | undefined;
  try {
    await Promise.all([makeDocRoot(paths), fs.writeFile(requestLog, '')]);
    let port = await freePort();
    const tInstall = performance.now();
    const { adminPassword, fromCache } = await provisionWiki(paths, { name, adminUser, port });
    const installMs = performance.now() - tInstall;

    // The port was free a moment ago; if another process grabbed it meanwhile, php -S exits
    // at once and we try another.
    const tServer = performance.now();
    for (let attempt = 1; ; attempt++) {
      await writeLocalSettings(paths, port);
      await fs.writeFile(serverLogFile, '');
      server = await startPhpServer({
        args: ['-q', '-d', 'opcache.enable_cli=1', '-S', `127.0.0.1:${port}`, '-t', docRoot, ROUTER],
        cwd: dir,
        env,
        logFile: serverLogFile,
      });
      const siteinfo = `http://127.0.0.1:${port}/api.php?action=query&meta=siteinfo&format=json`;
      const current = server;
      const ready = await waitFor(
        `MediaWiki at http://127.0.0.1:${port} to answer ${siteinfo}`,
        async () => {
          if (current.exited()) return 'exited' as const;
          const res = await fetch(siteinfo, { signal: AbortSignal.timeout(5000) });
          const body = (await res.json()) as { query?: { general?: { sitename?: string } } };
          return body.query?.general?.sitename === name ? ('ready' as const) : undefined;
        },
        { timeoutMs: READY_TIMEOUT_MS, detail: async () => `php -S log:\n${await tailFile(serverLogFile)}` },
      );
      if (ready === 'ready') break;
      await server.stop();
      const log = await tailFile(serverLogFile);
      if (attempt >= 3 || !/Failed to listen|Address already in use/i.test(log)) {
        throw new Error(`php -S on port ${port} exited before MediaWiki answered.\nphp -S log:\n${log}`);
      }
      port = await freePort();
    }
    const serverMs = performance.now() - tServer;
    lastStartTimings = { installMs, installFromCache: fromCache, serverMs, totalMs: performance.now() - t0 };

    const running = server;
    const baseUrl = `http://127.0.0.1:${port}`;
    let botPassword: Promise<{ user: string; password: string }> | undefined;
    let stopping: Promise<void> | undefined;
    const requests = async (): Promise<LoggedRequest[]> => {
      if (!options.logRequests) throw new Error('requests() needs startWiki({ logRequests: true })');
      const text = await fs.readFile(requestLog, 'utf8');
      return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LoggedRequest);
    };
    const wiki: Wiki = {
      name,
      port,
      baseUrl,
      apiUrl: `${baseUrl}/api.php`,
      uploadBaseUrl: `${baseUrl}/wikipedia/`,
      dir,
      docRoot,
      uploadDir,
      adminUser,
      adminPassword,
      pgid: running.pgid,
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
        return (await requests()).filter((r) => r.path.startsWith('/wikipedia/'));
      },
      async clearRequests() {
        if (!options.logRequests) throw new Error('clearRequests() needs startWiki({ logRequests: true })');
        await fs.writeFile(requestLog, '');
      },
      serverLog: (maxChars?: number) => tailFile(serverLogFile, maxChars),
      stop() {
        stopping ??= (async () => {
          try {
            await running.stop();
          } finally {
            await fs.rm(dir, { recursive: true, force: true });
            unregisterExitCleanup({ dir });
          }
        })();
        return stopping;
      },
    };
    return wiki;
  } catch (err) {
    await server?.stop().catch(() => {});
    await fs.rm(dir, { recursive: true, force: true });
    unregisterExitCleanup({ dir });
    throw err;
  }
}
