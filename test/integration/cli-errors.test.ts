/**
 * No command fails silently: every command, run as a new user would (no terminal on stdin,
 * no SEEDBANK_* variables), with each required setting missing and with invalid values, exits
 * non-zero with one human line on stderr naming the option, and no stack trace. These fail
 * before any network, so no wiki or catalogue is started.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statusPath, writeStatus } from '../../clients/seeder/status-file.ts';
import { REPO_ROOT } from '../helpers/run-cli.ts';

const SEEDBANK = path.join(REPO_ROOT, 'bin', 'seedbank.js');
/** A command that does not end within this is killed and the case fails saying so. */
const CASE_LIMIT_MS = 60_000;
/** Commands run at once: each is a Node process compiling TypeScript, on a shared 2-core machine. */
const PARALLEL_RUNS = 3;
/** No SEEDBANK_ catalogue on this port: nothing may be contacted, and nothing listens there. */
const NOWHERE = 'http://127.0.0.1:9';

let work = '';
let home = '';

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A small FIFO gate so the matrix runs a few commands at a time. */
let running = 0;
const queue: Array<() => void> = [];
async function gate<T>(run: () => Promise<T>): Promise<T> {
  if (running >= PARALLEL_RUNS) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await run();
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** The environment of a new user: no SEEDBANK_* settings, an empty home. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('SEEDBANK_')) env[k] = v;
  return { ...env, HOME: home, ...extra };
}

/** Runs `seedbank ARGS` with stdin not a terminal (as under systemd), in a scratch folder. */
function seedbank(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Result> {
  return gate(
    () =>
      new Promise<Result>((resolve, reject) => {
        const child = spawn(process.execPath, [SEEDBANK, ...args], { cwd: work, env: cleanEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
        child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`seedbank ${args.join(' ')} did not end within ${CASE_LIMIT_MS} ms\n${stderr}`));
        }, CASE_LIMIT_MS);
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          resolve({ code, signal, stdout, stderr });
        });
      }),
  );
}

/** Asserts a failure that says, in a line of its own and without a stack, what is wrong with `option`. */
function expectClearFailure(r: Result, option: string | RegExp, what: string): void {
  const context = `${what}\nexit ${r.code}\nstderr:\n${r.stderr}`;
  expect(r.code, context).not.toBe(0);
  expect(r.code, context).not.toBeNull();
  expect(r.stderr.trim(), `${context}\n(nothing printed)`).not.toBe('');
  if (typeof option === 'string') expect(r.stderr, context).toContain(option);
  else expect(r.stderr, context).toMatch(option);
  expect(r.stderr, `${context}\n(a stack trace reached the user)`).not.toMatch(/^\s+at .+[:(]\d+/m);
  expect(r.stderr, context).not.toMatch(/unexpected error/);
}

interface Case {
  what: string;
  args: string[];
  option: string | RegExp;
  env?: NodeJS.ProcessEnv;
}

const RECIPE = path.join(REPO_ROOT, 'sets', 'paris.yaml');
const SHA1 = 'a'.repeat(40);
const KEY = 'b'.repeat(64);

/** Every command: each required setting missing, and invalid values. */
const CASES: Case[] = [
  // builder
  { what: 'build without a recipe', args: ['build', '--data', 'd'], option: 'recipe' },
  { what: 'build without --data', args: ['build', RECIPE], option: '--data' },
  { what: 'build with a rate without unit', args: ['build', RECIPE, '--data', 'd', '--max-rate', '25'], option: '--max-rate' },
  { what: 'build with zero connections', args: ['build', RECIPE, '--data', 'd', '--max-connections', '0'], option: '--max-connections' },
  { what: 'publish without a folder', args: ['publish', '--catalogue', NOWHERE], option: 'dir' },
  { what: 'publish without --catalogue', args: ['publish', 'd'], option: '--catalogue' },
  { what: 'verify without a version folder', args: ['verify'], option: 'version-dir' },
  // catalogue
  { what: 'serve without --data', args: ['serve'], option: '--data' },
  { what: 'serve with a port out of range', args: ['serve', '--data', 'd', '--port', '70000'], option: '--port' },
  { what: 'serve with a duration without unit', args: ['serve', '--data', 'd', '--sample-interval', '60'], option: '--sample-interval' },
  { what: 'serve with a size without unit', args: ['serve', '--data', 'd', '--max-upload', '4096'], option: '--max-upload' },
  { what: 'catalogue token create without --data', args: ['catalogue', 'token', 'create'], option: '--data' },
  { what: 'catalogue rotate-key without --data', args: ['catalogue', 'rotate-key', 'paris', KEY], option: '--data' },
  { what: 'catalogue rotate-key without the key', args: ['catalogue', 'rotate-key', 'paris', '--data', 'd'], option: 'new-key-hex' },
  { what: 'catalogue takedown add without --reason', args: ['catalogue', 'takedown', 'add', SHA1, '--data', 'd'], option: '--reason' },
  { what: 'catalogue takedown add without --data', args: ['catalogue', 'takedown', 'add', SHA1, '--reason', 'court order'], option: '--data' },
  { what: 'catalogue takedown add with a bad SHA-1', args: ['catalogue', 'takedown', 'add', 'xyz', '--reason', 'r', '--data', 'd'], option: /SHA-1/ },
  { what: 'catalogue takedown remove without --data', args: ['catalogue', 'takedown', 'remove', SHA1], option: '--data' },
  { what: 'catalogue takedown list without --data', args: ['catalogue', 'takedown', 'list'], option: '--data' },
  { what: 'catalogue token create with an unknown scope', args: ['catalogue', 'token', 'create', '--data', 'd', '--scope', 'admin'], option: '--scope' },
  { what: 'census-worker without --catalogue', args: ['census-worker', '--token', 't'], option: '--catalogue' },
  { what: 'census-worker without --token', args: ['census-worker', '--catalogue', NOWHERE], option: '--token' },
  { what: 'census-worker with a rate without unit', args: ['census-worker', '--catalogue', NOWHERE, '--token', 't', '--census-max-rate', '100'], option: '--census-max-rate' },
  // seeder
  { what: 'seed with nothing', args: ['seed'], option: '--storage' },
  { what: 'seed without --quota', args: ['seed', '--storage', 's', '--catalogue', NOWHERE, '--auto'], option: '--quota' },
  { what: 'seed without anything to host', args: ['seed', '--storage', 's', '--quota', '1GB'], option: '--catalogue' },
  { what: 'seed with a catalogue but no sets', args: ['seed', '--storage', 's', '--quota', '1GB', '--catalogue', NOWHERE], option: '--sets' },
  { what: 'seed with a quota without unit', args: ['seed', '--quota', '50'], option: '--quota' },
  { what: 'seed with a poll interval without unit', args: ['seed', '--poll-interval', '10'], option: '--poll-interval' },
  { what: 'seed with a bad rate', args: ['seed', '--max-up', 'fast'], option: '--max-up' },
  { what: 'seed with a scrub interval without unit', args: ['seed', '--scrub-interval', '60'], option: '--scrub-interval' },
  { what: 'seed with a bad config file', args: ['seed', '--config', 'missing.yaml'], option: 'missing.yaml' },
  { what: 'status without --storage', args: ['status'], option: '--storage' },
  // restore
  { what: 'restore without a set', args: ['restore', '--catalogue', NOWHERE, '--out', 'o'], option: 'set' },
  { what: 'restore without --catalogue', args: ['restore', 'paris', '--out', 'o'], option: '--catalogue' },
  { what: 'restore without --out', args: ['restore', 'paris', '--catalogue', NOWHERE], option: '--out' },
  { what: 'restore with a stall timeout without unit', args: ['restore', 'paris', '--catalogue', NOWHERE, '--out', 'o', '--stall-timeout', '30'], option: '--stall-timeout' },
  { what: 'restore with a bad layout', args: ['restore', 'paris', '--catalogue', NOWHERE, '--out', 'o', '--layout', 'flat'], option: '--layout' },
  { what: 'restore --into-wiki without --user', args: ['restore', 'paris', '--catalogue', NOWHERE, '--out', 'o', '--into-wiki', NOWHERE], option: '--user' },
  { what: 'drill without --catalogue', args: ['drill'], option: '--catalogue' },
  { what: 'drill with an interval without unit', args: ['drill', '--catalogue', NOWHERE, '--every', '6'], option: '--every' },
  { what: 'drill with a zero sample', args: ['drill', '--catalogue', NOWHERE, '--sample', '0'], option: '--sample' },
  { what: 'copies without a file', args: ['copies', '--catalogue', NOWHERE], option: 'file' },
  { what: 'copies without --catalogue', args: ['copies', 'File:A.jpg'], option: '--catalogue' },
  { what: 'coverage without --catalogue', args: ['coverage', '--category', 'Paris'], option: '--catalogue' },
  { what: 'coverage with neither --category nor --image-dump', args: ['coverage', '--catalogue', NOWHERE], option: '--image-dump' },
  { what: 'coverage with both --category and --image-dump', args: ['coverage', '--catalogue', NOWHERE, '--category', 'P', '--image-dump', 'x.sql'], option: '--image-dump' },
  // demo and the dispatcher
  { what: 'demo with a bad port', args: ['demo', '--port', 'eighty'], option: '--port' },
  { what: 'an unknown command', args: ['sede'], option: /sede/ },
  { what: 'an unknown option', args: ['status', '--storge', 's'], option: '--storge' },
  { what: 'a bad SEEDBANK_LOG_LEVEL', args: ['status', '--storage', 's'], option: 'SEEDBANK_LOG_LEVEL', env: { SEEDBANK_LOG_LEVEL: 'loud' } },
];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'cli-errors-'));
  home = path.join(work, 'home');
  await mkdir(home);
});

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('seedbank fails with a reason naming the option', () => {
  for (const c of CASES) {
    it.concurrent(c.what, async () => {
      expectClearFailure(await seedbank(c.args, c.env), c.option, `seedbank ${c.args.join(' ')}`);
    });
  }

  it.concurrent('a missing --image-dump file is named before the catalogue is asked, and leaves no missing list', async () => {
    const r = await seedbank(['coverage', '--catalogue', NOWHERE, '--image-dump', 'nowhere-image.sql.gz']);
    expectClearFailure(r, /--image-dump nowhere-image\.sql\.gz: no such file/, 'coverage with a missing dump');
    expect(existsSync(path.join(work, 'uncovered-files.tsv'))).toBe(false);
  });

  it.concurrent('an unusable --storage is one STORAGE line, not a raw mkdir error', async () => {
    // Running as root makes permission bits moot, so a file stands in the folder's way.
    await writeFile(path.join(work, 'a-file'), 'not a folder');
    const r = await seedbank(['seed', '--storage', path.join(work, 'a-file', 'storage'), '--quota', '1GB', '--torrent', 'x.torrent']);
    expectClearFailure(r, /cannot use --storage .*a-file\/storage/, 'seed with a storage below a file');
    expect(r.stderr).not.toMatch(/EPERM|mkdir '/);
  });

  it.concurrent('token create refuses a --data folder without a catalogue store, and creates one only with --init', async () => {
    const wrong = path.join(work, 'not-a-catalogue');
    const r = await seedbank(['catalogue', 'token', 'create', '--data', wrong]);
    expectClearFailure(r, /not-a-catalogue holds no catalogue store[\s\S]*--init/, 'token create with a wrong --data');
    expect(r.code).toBe(66);
    expect(existsSync(wrong)).toBe(false);
    const init = await seedbank(['catalogue', 'token', 'create', '--data', wrong, '--init']);
    expect(init.code, init.stderr).toBe(0);
    expect(init.stdout.trim().split('\n').at(-1)).toMatch(/^sbk_/);
    expect((await seedbank(['catalogue', 'token', 'create', '--data', wrong])).code).toBe(0);
  });

  it.concurrent('the deprecated --scrub-interval-min still works and says what replaces it', async () => {
    const r = await seedbank(['seed', '--scrub-interval-min', '30']);
    expect(r.stderr).toContain('--scrub-interval-min is deprecated; use --scrub-interval 30m');
    expectClearFailure(r, '--storage', 'seed with only the deprecated flag');
  });
});

describe('seedbank ends quietly when its reader or its user stops it', () => {
  it('`seedbank status | head` (a reader that closes early) is not an EPIPE crash', async () => {
    const storage = path.join(work, 'status-storage');
    await mkdir(path.dirname(statusPath(storage)), { recursive: true });
    await writeStatus(storage, {
      storage, port: 6881, listening: [{ protocol: 'tcp', address: '::', port: 6881, purpose: 'peers' }], operatorKey: '0'.repeat(64), quotaBytes: 1e9, diskUseBytes: 0, freeBytes: 1e12, downloading: false,
      downloadBytesPerSecond: 0, uploadBytesPerSecond: 0, openFiles: 0, volumes: [],
      pid: process.pid, startedAt: new Date().toISOString(), updatedAt: new Date().toISOString(),
    });
    const r = await new Promise<Result>((resolve, reject) => {
      const child = spawn(process.execPath, [SEEDBANK, 'status', '--storage', storage, '--json'], { cwd: work, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
      // The reader goes away before the first byte, as `head -0` would.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('status did not end after its reader closed'))), CASE_LIMIT_MS);
      child.on('close', (code, signal) => (clearTimeout(timer), resolve({ code, signal, stdout: '', stderr })));
    });
    expect(r.stderr, r.stderr).not.toMatch(/EPIPE|^\s+at /m);
    expect(r.code, r.stderr).toBe(0);
  });

  const hasScript = existsSync('/usr/bin/script');
  it.runIf(hasScript)('Ctrl-C at the first-run wizard (on a real terminal) exits 130 without a stack', async () => {
    // util-linux `script` gives the command a real pseudo-terminal, so the wizard starts.
    const child = spawn('script', ['-qec', `${process.execPath} ${SEEDBANK} seed`, '/dev/null'], { cwd: work, env: cleanEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let sent = false;
    const onData = (d: Buffer) => {
      out += d.toString();
      if (!sent && out.includes('Catalogue URL')) {
        sent = true;
        child.stdin.write('\x03');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error(`the wizard did not end after Ctrl-C (sent: ${sent})\n${out}`))), CASE_LIMIT_MS);
      child.on('close', (c) => (clearTimeout(timer), resolve(c)));
    });
    expect(sent, `the wizard never asked for the catalogue URL:\n${out}`).toBe(true);
    expect(out).not.toMatch(/unexpected error|^\s+at /m);
    expect(code, out).toBe(130);
    expect(existsSync(path.join(home, '.config', 'seedbank', 'seeder.yaml'))).toBe(false);
  });
});
