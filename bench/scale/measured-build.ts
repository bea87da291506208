/**
 * Runs `seedbank build` in a child process under GNU time, so its peak resident set is the
 * kernel's own figure (ru_maxrss of the child and everything it waited for), and reads the
 * build's figures from its output: files, volumes, API requests, files downloaded. A failed
 * build is a result too: its exit code, peak RSS and last log lines say how far it got.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { killGroup, spawnGroup } from '../catalogue/processes.ts';

const REPO = path.resolve(import.meta.dirname, '..', '..');
const GNU_TIME = '/usr/bin/time';
/** Log lines kept from the child (the end of its stderr) for the report of a failure. */
const KEPT_LOG_LINES = 40;
/** How often the build's resident set is sampled for the milestones (the peak itself is GNU time's). */
const RSS_SAMPLE_MS = 500;
/** Log messages that mark a phase of the build (services/set-builder): the RSS reached is noted at each. */
const MILESTONES = /^(dump run verified|dump read|dump listing done|listing the selection|listing done|media taken from the local mirror|built |no preview)/;
/** Longest a build may take before it is stopped (a 100k API build takes minutes, not hours). */
export const BUILD_TIMEOUT_MS = 90 * 60 * 1000;

/** What one measured build did. */
export interface MeasuredBuild {
  exitCode: number | null;
  signal: string | null;
  wallMs: number;
  peakRssBytes: number | null;
  /** User + system CPU seconds of the build (a figure a loaded machine changes less than wall time). */
  cpuSeconds: number | null;
  stdout: string;
  /** The last log messages (JSON lines' msg, or raw lines). */
  lastLog: string[];
  /** Figures read from the build's summary: files, volumes, apiRequests, downloaded, skipped. */
  figures: Record<string, number>;
  /** Each `dump read` log line: dump → items and ms. */
  dumpReads: Array<{ dump: string; items: number; ms: number }>;
  /** The highest RSS sampled up to each phase's log line, in order (where the memory goes). */
  milestones: Array<{ msg: string; atMs: number; rssBytes: number }>;
}

/** VmRSS of a process in bytes, or 0 when it is gone. */
function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid of the build under GNU time (its only child), once it exists. */
function childPid(timePid: number): number | null {
  try {
    const first = readFileSync(`/proc/${timePid}/task/${timePid}/children`, 'utf8').trim().split(' ')[0];
    return first ? Number(first) : null;
  } catch {
    return null;
  }
}

/** Fails early, with what to do, when GNU time is missing. */
export function requireGnuTime(): void {
  if (!existsSync(GNU_TIME)) throw new Error(`${GNU_TIME} is missing: the scale bench measures peak RSS with GNU time (Debian: apt-get install time)`);
}

/** Reads the figures of the build's summary lines (services/set-builder/cli.ts). */
function summaryFigures(stdout: string): Record<string, number> {
  const figures: Record<string, number> = {};
  const grab = (key: string, re: RegExp) => {
    const m = re.exec(stdout);
    if (m) figures[key] = Number(m[1]!.replace(/,/g, ''));
  };
  grab('files', /v\d+: ([\d,]+) files/);
  grab('volumes', /, ([\d,]+) volumes/);
  grab('apiRequests', /([\d,]+) API requests/);
  grab('downloaded', /downloaded ([\d,]+) files/);
  grab('skipped', /([\d,]+) skipped/);
  return figures;
}

/** Runs `seedbank build ARGS` from the repository root; never throws for a failed build. */
export async function measuredBuild(args: string[], opts: { workDir: string; env?: NodeJS.ProcessEnv; onLog?: (msg: string) => void; timeoutMs?: number }): Promise<MeasuredBuild> {
  requireGnuTime();
  const timeFile = path.join(opts.workDir, `time-${process.hrtime.bigint()}.txt`);
  const started = performance.now();
  const child = spawnGroup(GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, process.execPath, '--expose-gc', 'bin/seedbank.js', 'build', ...args], {
    cwd: REPO,
    env: { ...process.env, SEEDBANK_LOG_LEVEL: 'info', SEEDBANK_LOG_FORMAT: 'json', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const lastLog: string[] = [];
  const dumpReads: MeasuredBuild['dumpReads'] = [];
  const milestones: MeasuredBuild['milestones'] = [];
  let buildPid: number | null = null;
  let rssPeak = 0;
  const sample = () => {
    buildPid ??= child.pid === undefined ? null : childPid(child.pid);
    if (buildPid !== null) rssPeak = Math.max(rssPeak, rssOf(buildPid));
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      let msg = line;
      try {
        const rec = JSON.parse(line) as { msg?: string; dump?: string; items?: number; ms?: number; err?: { message?: string } } & Partial<Record<'rssMB' | 'heapUsedMB' | 'externalMB' | 'arrayBuffersMB' | 'liveHeapMB' | 'liveExternalMB' | 'rssAnonMB' | 'rssFileMB', number>>;
        msg = `${rec.msg ?? ''}${rec.err?.message ? `: ${rec.err.message}` : ''}`;
        if (rec.msg === 'dump read' && rec.dump) {
          dumpReads.push({ dump: rec.dump, items: rec.items ?? 0, ms: rec.ms ?? 0 });
          msg = `dump read: ${rec.dump}, ${rec.items} items in ${rec.ms} ms`;
          // The listing's own account of its memory at the phase's end (live: after a forced full GC).
          if (rec.heapUsedMB !== undefined) msg += `; heap ${rec.heapUsedMB} MB, external ${rec.externalMB} MB (array buffers ${rec.arrayBuffersMB}), live heap ${rec.liveHeapMB ?? '?'} MB, live external ${rec.liveExternalMB ?? '?'} MB, rss anon ${rec.rssAnonMB ?? '?'} MB, rss file ${rec.rssFileMB ?? '?'} MB`;
        }
      } catch {
        // not a log record (a crash's stack trace, GNU time's own line): keep it as it is
      }
      lastLog.push(msg);
      if (lastLog.length > KEPT_LOG_LINES) lastLog.shift();
      if (MILESTONES.test(msg)) {
        sample();
        milestones.push({ msg, atMs: performance.now() - started, rssBytes: rssPeak });
      }
      opts.onLog?.(msg);
    }
  });
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), opts.timeoutMs ?? BUILD_TIMEOUT_MS);
  const [exitCode, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  clearInterval(sampler);
  if (partial.trim() !== '') lastLog.push(partial);
  const wallMs = performance.now() - started;
  // GNU time writes "Command exited with non-zero status N" before the figures when the build failed.
  const timeText = await readFile(timeFile, 'utf8').catch(() => '');
  const [kib, user, system] = (timeText.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return {
    exitCode,
    signal,
    wallMs,
    peakRssBytes: kib !== undefined && Number.isFinite(kib) && kib > 0 ? kib * 1024 : null,
    cpuSeconds: user !== undefined && system !== undefined && Number.isFinite(user + system) ? user + system : null,
    stdout,
    lastLog,
    figures: summaryFigures(stdout),
    dumpReads,
    milestones,
  };
}
