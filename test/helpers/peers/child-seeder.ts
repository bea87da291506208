/**
 * A seeder as a real process (`seedbank seed ...`, the command operators run), for what must
 * not run inside the test process: kill -9, hostile peers that could freeze an event loop, and
 * memory measured as a daemon would use it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { StatusRecord } from '../../../clients/seeder/status-file.ts';
import { statusPath } from '../../../clients/seeder/status-file.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SEEDBANK = path.join(REPO_ROOT, 'bin', 'seedbank.js');
const POLL_MS = 100;

/** A running seeder process. */
export interface ChildSeeder {
  readonly child: ChildProcess;
  /** stdout and stderr so far (for failure messages). */
  output(): string;
  /** The latest status this process wrote, or null. */
  status(): Promise<StatusRecord | null>;
  /** Polls the status until `check` passes; fails with `what` and the output after timeoutMs. */
  waitForStatus(what: string, check: (s: StatusRecord) => boolean, timeoutMs: number): Promise<StatusRecord>;
  /** Sends a signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `seedbank seed ARGS` (the storage folder must be among ARGS as --storage `storage`). */
export function startChildSeeder(storage: string, args: string[]): ChildSeeder {
  const child = spawn(process.execPath, [SEEDBANK, 'seed', '--storage', storage, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, SEEDBANK_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const status = async (): Promise<StatusRecord | null> => {
    try {
      const s = JSON.parse(await readFile(statusPath(storage), 'utf8')) as StatusRecord;
      return s.pid === child.pid ? s : null;
    } catch {
      return null;
    }
  };
  return {
    child,
    output: () => out,
    status,
    async waitForStatus(what, check, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = await status();
        if (s && check(s)) return s;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`seeder process ended while waiting for ${what}\n${out.slice(-3000)}`);
        if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${out.slice(-3000)}`);
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await closed;
    },
  };
}
