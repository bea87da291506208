import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SeedbankError } from '../errors.ts';
import { readJson, readJsonIfExists } from './read-json.ts';

const stateSchema = z.object({
  version: z.number().int(),
  volumes: z.array(z.object({ infoHash: z.string().regex(/^[0-9a-f]{40}$/), size: z.number().nonnegative() })),
  note: z.string().default(''),
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'seedbank-readjson-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function caught(p: Promise<unknown>): Promise<SeedbankError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SeedbankError);
  return err as SeedbankError;
}

describe('readJson', () => {
  it('returns the parsed value with the schema applied (defaults filled in)', async () => {
    const file = path.join(dir, 'state.json');
    await writeFile(file, JSON.stringify({ version: 2, volumes: [{ infoHash: 'a'.repeat(40), size: 5 }] }));
    expect(await readJson(file, stateSchema)).toEqual({ version: 2, volumes: [{ infoHash: 'a'.repeat(40), size: 5 }], note: '' });
  });

  it('names the file when it is missing', async () => {
    const file = path.join(dir, 'nope.json');
    const err = await caught(readJson(file, stateSchema));
    expect(err.code).toBe('FILE_MISSING');
    expect(err.message).toContain(file);
  });

  it('names the file when it was cut short', async () => {
    const file = path.join(dir, 'cut.json');
    await writeFile(file, '{"version": 2, "volu');
    const err = await caught(readJson(file, stateSchema));
    expect(err.code).toBe('FILE_NOT_JSON');
    expect(err.message).toContain(file);
    expect(err.hint).toContain('backup');
  });

  it('names the file and the bad field when the content does not match', async () => {
    const file = path.join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ version: 2, volumes: [{ infoHash: 'a'.repeat(40), size: 1 }, { infoHash: 'zz', size: 1 }] }));
    const err = await caught(readJson(file, stateSchema));
    expect(err.code).toBe('FILE_INVALID');
    expect(err.message).toContain(file);
    expect(err.message).toContain('volumes.1.infoHash');
    expect(err.context.fields).toEqual(['volumes.1.infoHash']);
  });

  it('says how many more problems there are beyond the first few', async () => {
    const file = path.join(dir, 'many.json');
    await writeFile(file, JSON.stringify({ version: 'x', volumes: [{}, {}] }));
    const err = await caught(readJson(file, stateSchema));
    expect(err.message).toMatch(/version: .*and 2 more/);
  });
});

describe('readJsonIfExists', () => {
  it('gives undefined for a missing file but still refuses a corrupt one', async () => {
    expect(await readJsonIfExists(path.join(dir, 'first-run.json'), stateSchema)).toBeUndefined();
    const file = path.join(dir, 'corrupt.json');
    await writeFile(file, 'not json');
    expect((await caught(readJsonIfExists(file, stateSchema))).code).toBe('FILE_NOT_JSON');
  });
});
