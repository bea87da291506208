/**
 * Before the catalogue serves, it answers a few thousand copy lookups to itself, over loopback
 * through its own HTTP server and Express app, so that the first visitors after a start meet
 * compiled code instead of code V8 is still interpreting and compiling.
 *
 * Why: over the first 2,000 lookups after a start, the catalogue spent about a third more CPU
 * than later (its main thread 1.1-1.2 s against 0.8-0.9 s, V8's compiler threads 0.5 s against
 * 0.3 s), and on a 2-core machine that CPU is taken from the requests: at 1,000,000 files their
 * p99 was 3.9-4.7 ms, against 2.9 ms after this warm-up (README, "Catalogue at scale").
 *
 * The requests go to a second server on 127.0.0.1 and an ephemeral port, made with the same
 * request and response classes as the public one (the same hidden classes: code optimized on
 * them is not thrown away at the first real request), closed before the catalogue serves (its public
 * server already listens and holds what comes meanwhile: web/request-gate.ts).
 * They are sample files' lookups (the file API, the file page, the copy figures), read from the
 * store, so every layer a real lookup passes runs. It gets at most WARM_UP_BUDGET_MS, less when
 * the start has been slow (a cold page cache): see START_SOFT_LIMIT_MS. The rate limits do not count them (see
 * {@link isWarmUpRequest}); a failed one is counted and the start goes on.
 */
import { Agent, createServer, request, type RequestListener, type ServerOptions } from 'node:http';
import type { Socket } from 'node:net';
import { routes } from '../../../shared/api/routes.ts';
import { listenHttp } from './listen.ts';

/** Requests a start answers to itself before it serves (the CLI's --warm-up-requests). */
export const DEFAULT_WARM_UP_REQUESTS = 3_000;
/** The most a start spends on them (the sample read included), whatever their number. */
export const WARM_UP_BUDGET_MS = 2_000;
/**
 * A start that has already taken this long gets a shorter warm-up, or none: the warm-up never
 * takes a start past it. With the store's file out of the page cache, a start at 10M files took
 * 7.2 s before its warm-up, and the warm-up's reads from disk took it to 10.8-12.4 s.
 */
export const START_SOFT_LIMIT_MS = 6_000;
/** Files sampled from the store; each is looked up in every kind of request, in turn (150 and 1,000 did no better). */
const SAMPLE_FILES = 200;

/** The warm-up's budget for a start that has taken `elapsedMs` so far. */
export function warmUpBudgetMs(elapsedMs: number): number {
  return Math.max(0, Math.min(WARM_UP_BUDGET_MS, START_SOFT_LIMIT_MS - elapsedMs));
}

/** Sockets of the warm-up's own connections (the server's, not the client's end). */
const warmUpSockets = new WeakSet<Socket>();

/**
 * Whether a request came over the start's own warm-up connection: only the temporary server
 * accepts those, on loopback, and it is closed before the catalogue serves, so no visitor can
 * make a request count as one.
 */
export function isWarmUpRequest(req: { socket: Socket }): boolean {
  return warmUpSockets.has(req.socket);
}

/** What a warm-up did. */
export interface CodeWarmUp {
  requests: number;
  /** Requests answered with a 5xx status or not answered. */
  failed: number;
  ms: number;
  /** The temporary server's port (closed when this returns). */
  port: number;
}

/** The warm-up's request paths for `sha1s`: each file's API lookup, its page and its copy figures, in turn. */
export function warmUpPaths(sha1s: readonly string[], count: number): string[] {
  if (sha1s.length === 0) return [];
  const kinds = [(s: string) => `/api/view/files?q=${s}`, (s: string) => `/files?q=${s}`, (s: string) => routes.fileCopies.path(s)];
  const out: string[] = [];
  for (let i = 0; i < count; i++) out.push(kinds[i % kinds.length]!(sha1s[Math.floor(i / kinds.length) % sha1s.length]!));
  return out;
}

/** Up to `count` warm-up paths for the files `sample(n)` picks from the store. */
export function storeWarmUpPaths(sample: (n: number) => string[], count: number): string[] {
  return count > 0 ? warmUpPaths(sample(Math.min(SAMPLE_FILES, count)), count) : [];
}

/**
 * Answers the paths `pathsOf` gives (called within the budget: its store reads count) one after
 * another through `listener` on a temporary loopback server made with `serverOptions` (pass the
 * public server's: the same classes), over one kept-alive connection; stops at the end of the
 * paths or after `budgetMs`. No budget, or no paths: no server.
 */
export async function warmUpCode(listener: RequestListener, serverOptions: ServerOptions, pathsOf: () => readonly string[], budgetMs = WARM_UP_BUDGET_MS): Promise<CodeWarmUp> {
  const started = performance.now();
  const result: CodeWarmUp = { requests: 0, failed: 0, ms: 0, port: 0 };
  if (budgetMs <= 0) return result;
  const paths = pathsOf();
  if (paths.length === 0) return result;
  const server = createServer(serverOptions, listener);
  server.on('connection', (socket: Socket) => warmUpSockets.add(socket));
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  try {
    result.port = await listenHttp(server, 0, '127.0.0.1');
    const deadline = started + budgetMs;
    for (const path of paths) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      result.requests++;
      const status = await get(result.port, path, agent, left);
      if (status === null || status >= 500) result.failed++;
    }
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
  }
  result.ms = performance.now() - started;
  return result;
}

/** One GET; its status, or null when it failed or took longer than `timeoutMs`. */
function get(port: number, path: string, agent: Agent, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent, signal: AbortSignal.timeout(Math.ceil(timeoutMs)) }, (res) => {
      res.on('error', () => resolve(null));
      res.on('end', () => resolve(res.statusCode ?? null));
      res.resume();
    });
    req.on('error', () => resolve(null));
    req.end();
  });
}
