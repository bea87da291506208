// The error table: every code the source names is in it, every row is complete, the catalogue's
// HTTP edge and the CLI edge take their statuses from it, production code throws only table
// codes, and errors are logged as objects (stack, code and context kept).
import { closeSync, openSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERRORS, EXIT, errorSpec, exitCodeOf, isErrorCode, SeedbankError, type ErrorCode } from '../../shared/errors.ts';
import { createLogger, silentLogger } from '../../shared/log.ts';
import { errorHandler, notFound } from '../../services/tracker-web/web/error-handler.ts';
import { REPO_ROOT, runCli } from '../helpers/run-cli.ts';

const CODES = Object.keys(ERRORS) as ErrorCode[];
const TABLE_FILE = 'shared/error-codes.ts';

/** Every tracked source file (TypeScript and the plain-JS hash worker), with its text. */
function sources(): Array<{ file: string; text: string }> {
  const files = execFileSync('git', ['ls-files', '*.ts', '*.mjs'], { cwd: REPO_ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);
  return files.map((file) => ({ file, text: readFileSync(path.join(REPO_ROOT, file), 'utf8') }));
}

/** Files that ship: not tests, not benchmarks, not the local stand-in wiki the demo starts. */
function isProduction(file: string): boolean {
  return /^(shared|services|clients|bin)\//.test(file) && !file.endsWith('.test.ts') && !file.includes('/testing/');
}

/**
 * Where the source names an error code: the constructor, the code checks, the small
 * per-module helpers that build SeedbankErrors (bad, badInput, hostile, JobError), and the
 * tests' expectations on thrown errors and API bodies.
 */
const CODE_USES = [
  /new SeedbankError\(\s*'([A-Z][A-Z0-9_]*)'/g,
  /isSeedbankError\([^,()]+,\s*'([A-Z][A-Z0-9_]*)'/g,
  /\b(?:bad|badInput|hostile|JobError)\(\s*'([A-Z][A-Z0-9_]*)'/g,
  /\berr(?:or)?\??\.code === '([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g,
  /expectCode\([^,]+,\s*'([A-Z][A-Z0-9_]*)'/g,
  /\bcode: '([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g,
  /\.code\)\.toBe\('([A-Z][A-Z0-9_]*)'\)/g,
  /\.code\]\)\.toEqual\(\[\d{3}, '([A-Z][A-Z0-9_]*)'\]/g,
];

describe('the error table', () => {
  const all = sources();

  it('holds every code the source names', () => {
    const unknown: string[] = [];
    let uses = 0;
    for (const { file, text } of all) {
      for (const re of CODE_USES) {
        for (const m of text.matchAll(re)) {
          uses++;
          if (!isErrorCode(m[1])) unknown.push(`${file}: ${m[1]}`);
        }
      }
    }
    expect(uses, 'the scan found no code at all: the patterns no longer match the source').toBeGreaterThan(100);
    expect(unknown, 'codes used in the source but missing from shared/error-codes.ts').toEqual([]);
  });

  it('has no code nothing uses', () => {
    const text = all.filter((s) => s.file !== TABLE_FILE && !s.file.endsWith('.test.ts')).map((s) => s.text).join('\n');
    const unused = CODES.filter((code) => !text.includes(`'${code}'`));
    expect(unused, 'codes in the table that no production file names').toEqual([]);
  });

  it('gives every code a one-line hint, an error HTTP status and a sysexits exit status', () => {
    const exits = new Set<number>(Object.values(EXIT));
    for (const code of CODES) {
      const spec = errorSpec(code);
      expect(code, 'codes are UPPER_SNAKE').toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/);
      expect(spec.hint.trim().length, `${code} has a hint`).toBeGreaterThan(10);
      expect(spec.hint, `${code}'s hint is one line`).not.toMatch(/\n/);
      expect(spec.http >= 400 && spec.http <= 599, `${code}: HTTP ${spec.http} is an error status`).toBe(true);
      expect(exits.has(spec.exit), `${code}: exit ${spec.exit} is one of EXIT`).toBe(true);
      expect([undefined, 'unavailable', 'integrity', 'internal'], `${code}: kind`).toContain(spec.kind);
    }
  });

  it('uses the table hint unless the throw site knows better', () => {
    expect(new SeedbankError('RATE_LIMITED', 'slow down').hint).toBe(ERRORS.RATE_LIMITED.hint);
    expect(new SeedbankError('RATE_LIMITED', 'slow down', { hint: 'wait 5 s' }).describe()).toBe('slow down\n  → wait 5 s');
  });

  it('knows its own codes from strings off the wire, and nothing else', () => {
    expect(isErrorCode('KEY_MISMATCH')).toBe(true);
    expect(isErrorCode('key_mismatch')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(undefined)).toBe(false);
  });

  it('maps exit statuses from the table, and anything unknown to EX_SOFTWARE', () => {
    for (const code of CODES) expect(exitCodeOf(new SeedbankError(code, 'x'))).toBe(ERRORS[code].exit);
    expect(exitCodeOf(new Error('boom'))).toBe(70);
    expect(exitCodeOf('a string')).toBe(70);
  });
});

describe('production code', () => {
  const prod = sources().filter((s) => isProduction(s.file));

  it('throws SeedbankErrors with table codes, never a bare Error', () => {
    const bare = prod.flatMap(({ file, text }) =>
      text.split('\n').flatMap((line, i) => (/\bthrow new (Type|Range)?Error\(/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
    );
    expect(bare, 'a plain Error reaches the user as "unexpected error", exit 70: give it a code in shared/error-codes.ts').toEqual([]);
  });

  it('logs errors as { err } objects, not as strings that lose the stack', () => {
    const flattened = prod.flatMap(({ file, text }) =>
      text.split('\n').flatMap((line, i) =>
        /\.(trace|debug|info|warn|error|fatal)\(\{[^}]*\berr: (String\(|errorMessage\(|err\??\.message)/.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [],
      ),
    );
    expect(flattened).toEqual([]);
  });

  it('chooses no HTTP status at a throw site', () => {
    const statuses = prod.filter(({ text }) => /new SeedbankError\([^;]*\bstatus: \d{3}/s.test(text.replace(/\n\s*/g, ' ')));
    expect(statuses.map((s) => s.file)).toEqual([]);
  });
});

describe("the catalogue's error edge", () => {
  let server: ReturnType<express.Express['listen']>;
  let base = '';

  beforeAll(async () => {
    const app = express();
    app.get('/throw/:code', (req) => {
      const code = req.params.code;
      if (!isErrorCode(code)) throw new Error(`not a code: ${code}`);
      throw new SeedbankError(code, `thrown ${code}`);
    });
    app.get('/bug', () => {
      throw new TypeError('undefined is not a function');
    });
    app.use(notFound());
    app.use(errorHandler(silentLogger));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('answers every code with the status and default hint of its row', async () => {
    for (const code of CODES) {
      const res = await fetch(`${base}/throw/${code}`);
      const body = (await res.json()) as { error: { code: string; message: string; hint?: string } };
      expect([res.status, body.error.code], code).toEqual([ERRORS[code].http, code]);
      expect(body.error).toMatchObject({ message: `thrown ${code}`, hint: ERRORS[code].hint });
    }
  });

  it('answers an unknown path with NOT_FOUND and a bug with a bare INTERNAL 500', async () => {
    const missing = await fetch(`${base}/nothing/here`);
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([ERRORS.NOT_FOUND.http, 'NOT_FOUND']);
    const bug = await fetch(`${base}/bug`);
    const body = (await bug.json()) as { error: { code: string; message: string } };
    expect([bug.status, body.error.code]).toEqual([ERRORS.INTERNAL.http, 'INTERNAL']);
    expect(body.error.message, 'no internals leak to the client').not.toMatch(/undefined is not a function/);
  });
});

describe('the CLI edge', () => {
  it('exits with the table status of the error and prints its message and hint', async () => {
    const r = await runCli(['build', 'sets/there-is-no-such-recipe.yaml', '--data', os.tmpdir()], { timeoutMs: 60_000 });
    expect(r.code).toBe(ERRORS.RECIPE_NOT_FOUND.exit);
    expect(r.stderr).toContain('there-is-no-such-recipe.yaml');
    expect(r.stderr).toContain(ERRORS.RECIPE_NOT_FOUND.hint);
  });
});

describe('logging', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-errors-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps the code, context and stack of an error logged as { err }', async () => {
    const file = path.join(dir, 'log.jsonl');
    const fd = openSync(file, 'w');
    try {
      const err = new SeedbankError('TORRENT_INFO_HASH_MISMATCH', 'served the wrong torrent', { context: { expected: 'aa', served: 'bb' } });
      createLogger({ fd }).error({ err }, 'refused');
    } finally {
      closeSync(fd);
    }
    const line = JSON.parse((await readFile(file, 'utf8')).trim()) as { err: { code: string; context: unknown; stack: string; hint: string } };
    expect(line.err).toMatchObject({ code: 'TORRENT_INFO_HASH_MISMATCH', context: { expected: 'aa', served: 'bb' }, hint: ERRORS.TORRENT_INFO_HASH_MISMATCH.hint });
    expect(line.err.stack).toMatch(/errors\.test\.ts/);
  });
});
