// Process plumbing for the MediaWiki test harness: free ports, bounded waits, running PHP
// CLI scripts, and servers (`php -S`, nginx) in process groups of their own that can never
// outlive the Node process that started them.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';

/** Polls `probe` until it returns a value other than undefined, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  opts: { timeoutMs: number; intervalMs?: number; detail?: () => Promise<string> | string },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 50;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(interval, Math.max(1, deadline - Date.now()))));
  }
  const last = lastError instanceof Error ? ` Last error: ${lastError.message}` : '';
  const detail = opts.detail ? `\n${await opts.detail()}` : '';
  throw new Error(`Timed out after ${opts.timeoutMs} ms waiting for ${what}.${last}${detail}`);
}

/** A port that was free on 127.0.0.1 a moment ago (listen on port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not read the port of a probe socket'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** The last `maxChars` characters of a file, or a note saying it could not be read. */
export async function tailFile(path: string, maxChars = 4000): Promise<string> {
  try {
    const text = await fs.readFile(path, 'utf8');
    return text.length > maxChars ? `…${text.slice(-maxChars)}` : text;
  } catch (err) {
    return `(could not read ${path}: ${(err as Error).message})`;
  }
}

// ---------------------------------------------------------------------------------------
// Cleanup on exit: every live process group and temp folder is registered here, and a
// single 'exit' handler kills/removes whatever a test forgot to stop.

const exitGroups = new Set<number>();
const exitDirs = new Set<string>();
const exitChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of exitGroups) killGroup(pgid, 'SIGKILL');
    for (const child of exitChildren) child.kill('SIGKILL');
    for (const dir of exitDirs) rmSync(dir, { recursive: true, force: true });
  });
}

export function registerExitCleanup(item: { pgid?: number; dir?: string }): void {
  installExitHook();
  if (item.pgid !== undefined) exitGroups.add(item.pgid);
  if (item.dir !== undefined) exitDirs.add(item.dir);
}

export function unregisterExitCleanup(item: { pgid?: number; dir?: string }): void {
  if (item.pgid !== undefined) exitGroups.delete(item.pgid);
  if (item.dir !== undefined) exitDirs.delete(item.dir);
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/** Pids of the live (non-zombie) processes of a process group, read from /proc. */
export async function liveGroupMembers(pgid: number): Promise<number[]> {
  const live: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we were looking
    }
    // "pid (comm) state ppid pgrp ..." — comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') live.push(Number(entry));
  }
  return live;
}

// ---------------------------------------------------------------------------------------
// Running a PHP CLI script.

export interface RunResult {
  stdout: string;
  stderr: string;
}

export async function runPhp(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; label?: string },
): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 180_000;
  const started = performance.now();
  const label = opts.label ?? `php ${args.join(' ')}`;
  const child = spawn('php', args, { cwd: opts.cwd, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
  installExitHook();
  exitChildren.add(child);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
  child.stdin.on('error', () => {}); // EPIPE if the script exits before reading its input
  child.stdin.end(opts.input ?? '');
  try {
    const code = await new Promise<number | string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${label} did not finish within ${timeoutMs} ms (killed)`));
      }, timeoutMs);
      child.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve(status ?? signal ?? 'unknown');
      });
    });
    const result = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
    if (process.env.SEEDBANK_WIKI_TIMINGS) {
      process.stderr.write(`[php] ${Math.round(performance.now() - started)} ms ${label.slice(0, 100)}\n`);
    }
    if (code !== 0) {
      throw new Error(
        `${label} exited with ${code}\n--- stdout (tail) ---\n${result.stdout.slice(-3000)}\n--- stderr (tail) ---\n${result.stderr.slice(-3000)}`,
      );
    }
    return result;
  } finally {
    exitChildren.delete(child);
  }
}

// ---------------------------------------------------------------------------------------
// A server (`php -S`, nginx) in its own process group.
//
// The group leader is a small sh watchdog: it starts the server, and kills the whole group
// (itself, the server and the server's forked workers) when the server exits or when its
// stdin — a pipe from this Node process — reaches EOF, which happens when Node dies in any
// way, even by SIGKILL.
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'server=$!',
  '{ read -r _ <&3; kill -KILL 0; } &',
  'wait "$server"',
  'echo "$1 exited with status $?" >&2',
  'kill -KILL 0',
].join('\n');

/** A server process group started by startGroupServer(). */
export interface GroupServer {
  readonly pgid: number;
  /** True once the group leader has exited (the server died, or stop() ran). */
  exited(): boolean;
  stop(): Promise<void>;
}

/** Kept for callers that name the php -S case. */
export type PhpServer = GroupServer;

/** Starts `command args` in a process group of its own that dies with this Node process. */
export async function startGroupServer(opts: {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string; // stdout+stderr of the server
}): Promise<GroupServer> {
  const log = await fs.open(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn('sh', ['-c', WATCHDOG, 'server-watchdog', opts.command, ...opts.args], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['pipe', log.fd, log.fd],
    });
  } finally {
    await log.close();
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${opts.command} (${opts.args.join(' ')})`);
  const pgid = pid;
  registerExitCleanup({ pgid });
  let leaderExited = false;
  child.on('exit', () => {
    leaderExited = true;
  });
  child.on('error', () => {
    leaderExited = true;
  });
  child.stdin?.on('error', () => {});

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      killGroup(pgid, 'SIGTERM');
      try {
        await waitFor(`process group ${pgid} to exit after SIGTERM`, async () =>
          (await liveGroupMembers(pgid)).length === 0 ? true : undefined, { timeoutMs: 5000, intervalMs: 25 });
      } catch {
        killGroup(pgid, 'SIGKILL');
        await waitFor(`process group ${pgid} to exit after SIGKILL`, async () =>
          (await liveGroupMembers(pgid)).length === 0 ? true : undefined, { timeoutMs: 5000, intervalMs: 25 });
      }
      child.stdin?.destroy();
      unregisterExitCleanup({ pgid });
    })();
    return stopping;
  };
  return { pgid, exited: () => leaderExited, stop };
}

/** Starts `php args` (a `php -S` server) in a process group of its own. */
export function startPhpServer(opts: { args: string[]; cwd: string; env: NodeJS.ProcessEnv; logFile: string }): Promise<GroupServer> {
  return startGroupServer({ command: 'php', ...opts });
}
