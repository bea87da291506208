import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commitTempFile, tempPathFor, writeFileAtomic } from './write-file-atomic.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('creates a file, then replaces it, leaving no temporary behind', async () => {
    const file = path.join(dir, 'state.json');
    await writeFileAtomic(file, '{"a":1}\n');
    expect(await readFile(file, 'utf8')).toBe('{"a":1}\n');
    await writeFileAtomic(file, new Uint8Array([1, 2, 3]));
    expect([...(await readFile(file))]).toEqual([1, 2, 3]);
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('applies the requested mode (a private key must never be readable by others, even briefly)', async () => {
    const file = path.join(dir, 'key');
    await writeFileAtomic(file, 'secret', { mode: 0o600 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('in exclusive mode, creates a file once and refuses to replace it', async () => {
    const file = path.join(dir, 'set.pem');
    await writeFileAtomic(file, 'first', { exclusive: true, mode: 0o600 });
    await expect(writeFileAtomic(file, 'second', { exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(file, 'utf8')).toBe('first');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['set.pem']);
  });

  it('creates the parent folder only when asked', async () => {
    const file = path.join(dir, 'a', 'b', 'c.json');
    await expect(writeFileAtomic(file, 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    await writeFileAtomic(file, 'x', { mkdir: true });
    expect(await readFile(file, 'utf8')).toBe('x');
  });

  it('keeps the old content and removes its temporary when the rename fails', async () => {
    const target = path.join(dir, 'target');
    await mkdir(target);
    await writeFile(path.join(target, 'inside'), 'old');
    // Renaming a file over a non-empty folder fails (EISDIR/ENOTEMPTY): the write must fail whole.
    await expect(writeFileAtomic(target, 'new')).rejects.toThrow();
    expect(await readFile(path.join(target, 'inside'), 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['target']);
  });

  it('gives one whole content when many writers race on the same file', async () => {
    const file = path.join(dir, 'raced.txt');
    const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000 + i));
    await Promise.all(contents.map((c) => writeFileAtomic(file, c)));
    expect(contents).toContain(await readFile(file, 'utf8'));
    expect(await readdir(dir)).toEqual(['raced.txt']);
  });
});

describe('commitTempFile', () => {
  it('moves a streamed temporary over its final name', async () => {
    const file = path.join(dir, 'upload.bin');
    const tmp = tempPathFor(file);
    expect(path.dirname(tmp)).toBe(dir);
    expect(tempPathFor(file)).not.toBe(tmp);
    await writeFile(tmp, 'streamed');
    await commitTempFile(tmp, file);
    expect(await readFile(file, 'utf8')).toBe('streamed');
    expect(await readdir(dir)).toEqual(['upload.bin']);
  });
});
