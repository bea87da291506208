// A `seedbank` command run as a real child process whose peak resident memory is measured
// two ways, the larger kept: the kernel's high-water mark (VmHWM in /proc/PID/status, sampled
// while it runs) and the process's own getrusage maxRSS, written at exit by a preload
// (a sample can miss the last instants; the preload misses a process killed outright).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const SEEDBANK = path.resolve(import.meta.dirname, '..', '..', 'bin', 'seedbank.js');
/** How often VmHWM is sampled. */
const SAMPLE_INTERVAL_MS = 200;
/** Tail of the output kept for error messages. */
const OUTPUT_TAIL_CHARS = 4000;

/** A running measured command. */
export interface MeasuredChild {
  readonly child: ChildProcess;
  /** Everything printed on stdout so far. */
  stdout(): string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Peak RSS in bytes seen so far (final once exited has resolved and the preload's line is read). */
  peakRss(): Promise<number>;
  /** Sends SIGTERM and waits for the end (SIGKILL after graceMs). */
  stop(graceMs?: number): Promise<void>;
  /** The last lines of stdout and stderr, for error messages. */
  tail(): string;
}

/** Writes the preload that records getrusage's maxRSS (kB) of every node process started under it. */
export async function writeRssPreload(dir: string): Promise<string> {
  const file = path.join(dir, 'maxrss-preload.cjs');
  await writeFile(
    file,
    `const fs = require('node:fs');
const out = process.env.SEEDBANK_BENCH_MAXRSS_FILE;
if (out) process.on('exit', () => { try { fs.appendFileSync(out, process.pid + ' ' + process.resourceUsage().maxRSS + '\\n'); } catch {} });
`,
  );
  return file;
}

function vmHwmBytes(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // already gone
  }
}

/** Starts `seedbank ARGS` with its peak RSS measured. */
export function startMeasured(args: string[], o: { preload: string; rssFile: string; env?: NodeJS.ProcessEnv }): MeasuredChild {
  const child = spawn(process.execPath, [SEEDBANK, ...args], {
    env: { ...process.env, SEEDBANK_LOG_LEVEL: 'warn', ...o.env, NODE_OPTIONS: `--require ${o.preload}`, SEEDBANK_BENCH_MAXRSS_FILE: o.rssFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-OUTPUT_TAIL_CHARS)));
  let sampled = 0;
  const sampler = setInterval(() => (sampled = Math.max(sampled, vmHwmBytes(child.pid!))), SAMPLE_INTERVAL_MS);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      clearInterval(sampler);
      resolve({ code, signal });
    }),
  );
  const tail = () => `stdout:\n${out.slice(-OUTPUT_TAIL_CHARS)}\nstderr:\n${err}`;
  return {
    child,
    stdout: () => out,
    exited,
    tail,
    async peakRss() {
      sampled = Math.max(sampled, vmHwmBytes(child.pid!));
      const lines = await readFile(o.rssFile, 'utf8').catch(() => '');
      const own = lines.split('\n').filter(Boolean).map((l) => Number(l.split(' ')[1]) * 1024);
      return Math.max(sampled, ...own);
    },
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Runs `seedbank ARGS` to the end; throws with its output when it fails or outlives timeoutMs. */
export async function runMeasured(args: string[], o: { preload: string; rssFile: string; timeoutMs: number; env?: NodeJS.ProcessEnv }): Promise<{ ms: number; peakRss: number; stdout: string }> {
  const started = performance.now();
  const c = startMeasured(args, o);
  const timer = setTimeout(() => c.child.kill('SIGKILL'), o.timeoutMs);
  const { code, signal } = await c.exited;
  clearTimeout(timer);
  const ms = performance.now() - started;
  if (signal === 'SIGKILL') throw new Error(`seedbank ${args.join(' ')} did not finish within ${o.timeoutMs} ms\n${c.tail()}`);
  if (code !== 0) throw new Error(`seedbank ${args.join(' ')} exited with ${code ?? signal}\n${c.tail()}`);
  return { ms, peakRss: await c.peakRss(), stdout: c.stdout() };
}
