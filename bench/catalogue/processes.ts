/**
 * Child processes of the catalogue bench (the catalogue server, wrk, opentracker): each is
 * started in its own process group and remembered, so the bench can end exactly the groups
 * it started (on success, on error and on Ctrl-C), never anything else on the machine.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer } from 'node:net';

const started = new Set<ChildProcess>();

/** Sends `signal` to the child's whole process group (it leads one: spawned detached). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Ends every group still running (synchronous: usable from an 'exit' handler). */
export function killAll(): void {
  for (const c of started) killGroup(c, 'SIGKILL');
}

process.once('exit', killAll);
for (const s of ['SIGINT', 'SIGTERM'] as const) {
  process.once(s, () => {
    killAll();
    process.exit(130);
  });
}

/** Spawns a command as the leader of a new process group and tracks it. */
export function spawnGroup(cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  const child = spawn(cmd, args, { ...opts, detached: true });
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Registers a child made elsewhere (fork with detached: true) for the final clean-up. */
export function track(child: ChildProcess): ChildProcess {
  started.add(child);
  child.once('exit', () => started.delete(child));
  return child;
}

/** Resolves when the child exits; SIGTERMs then SIGKILLs its group if it takes longer than `ms`. */
export async function stopGroup(child: ChildProcess, ms = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/** Runs a command to completion, returning its stdout (stderr is appended on failure). */
export async function runGroup(cmd: string, args: string[], timeoutMs: number): Promise<string> {
  const child = spawnGroup(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${err || out}`);
  return out;
}

/** A TCP port free on 127.0.0.1 a moment ago (for opentracker, which cannot report its own). */
export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}
