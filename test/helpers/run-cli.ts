import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The repository root, for running the real `seedbank` command in tests. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
const SEEDBANK = path.join(REPO_ROOT, 'bin', 'seedbank.js');

/** What a finished command printed. */
export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts `seedbank ARGS` as a real process; the caller owns it. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [SEEDBANK, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SEEDBANK_LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

/** Runs `seedbank ARGS` to the end, killing it (and failing) after timeoutMs. */
export async function runCli(args: string[], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  const { child, done } = startCli(args, options.env);
  const timeoutMs = options.timeoutMs ?? 120_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  try {
    const result = await done;
    if (result.signal === 'SIGKILL') throw new Error(`seedbank ${args.join(' ')} did not finish within ${timeoutMs} ms\n${result.stderr.slice(-2000)}`);
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** Runs any program to the end with a time limit; rejects with its output when it fails. */
export async function runTool(cmd: string, args: string[], options: { timeoutMs?: number; cwd?: string } = {}): Promise<{ stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timeoutMs = options.timeoutMs ?? 60_000;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c, s) => resolve([c, s]));
  }).finally(() => clearTimeout(timer));
  if (signal === 'SIGKILL') throw new Error(`${cmd} did not finish within ${timeoutMs} ms`);
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${stderr.slice(-2000)}${stdout.slice(-2000)}`);
  return { stdout, stderr };
}

/** Polls a condition with a bounded loop; fails saying what did not happen. */
export async function waitFor<T>(what: string, check: () => Promise<T | null | undefined | false>, timeoutMs = 30_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
