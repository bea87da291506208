import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { open } from 'lmdb';
import { afterEach, describe, expect, it } from 'vitest';
import { buildVersion } from '../../bench/catalogue/synthetic.ts';
import { CatalogueBulkLoad } from '../../services/tracker-web/store/bulk-load.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { keyOrder, ROW_HEADER } from '../../services/tracker-web/store/key-order.ts';
import { LMDB_FOLDER } from '../../services/tracker-web/store/open-lmdb.ts';

const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'seedbank-bulk-load-'));
  dirs.push(d);
  return d;
};
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** Every named table of a closed store, raw: name → [key hex, value hex] in key order. */
function rawTables(dataDir: string): Map<string, Array<[string, string]>> {
  const root = open({ path: path.join(dataDir, LMDB_FOLDER), noSubdir: false, maxDbs: 64, keyEncoding: 'binary', encoding: 'binary', readOnly: true });
  try {
    const out = new Map<string, Array<[string, string]>>();
    // The root table lists the named tables (each name stored with a trailing NUL).
    const names = [...root.getKeys()].map((k) => Buffer.from(k as Uint8Array).toString('utf8').replace(/\0$/, ''));
    for (const name of names) {
      const db = root.openDB({ name, keyEncoding: 'binary', encoding: 'binary' });
      out.set(name, [...db.getRange()].map(({ key, value }) => [Buffer.from(key as Uint8Array).toString('hex'), Buffer.from(value as Uint8Array).toString('hex')]));
    }
    return out;
  } finally {
    void root.close();
  }
}

const SETS = 4;
const FILES_PER_SET = 60;
const NOW = 1_790_000_000_000;

describe('the catalogue bulk load', () => {
  it('writes every table byte for byte as publishing one version after another does', async () => {
    // Set 1 shares files (same titles and bytes) with set 0, so titles already numbered are met again.
    const versions = () => Array.from({ length: SETS }, (_, i) => ({ version: buildVersion(i, FILES_PER_SET, 0).version, now: NOW + i }));
    const directDir = await tmp();
    const direct = CatalogueStore.open(directDir);
    for (const { version, now } of versions()) direct.putVersion(version, now);
    await direct.close();

    const bulkDir = await tmp();
    const bulkStore = CatalogueStore.open(bulkDir);
    // A tiny arena forces sorted runs on disk and their merge; two batches, two transactions.
    const load = new CatalogueBulkLoad(bulkStore, 2048);
    const all = versions();
    expect(load.putBatch(all.slice(0, 1)) + load.putBatch(all.slice(1))).toBe(SETS);
    const rows = load.finish();
    expect(rows.files).toBe(SETS * FILES_PER_SET);
    await bulkStore.close();

    const a = rawTables(directDir);
    const b = rawTables(bulkDir);
    expect([...b.keys()].sort()).toEqual([...a.keys()].sort());
    // The title-id table has one row per distinct title: fewer than the files (set 1 repeats some of set 0's).
    expect(a.get('title-ids')!.length).toBeLessThan(SETS * FILES_PER_SET);
    for (const [name, rowsA] of a) expect({ name, rows: b.get(name) }).toEqual({ name, rows: rowsA });
  });

  it('refuses a batch after finish', async () => {
    const store = CatalogueStore.open(await tmp());
    const load = new CatalogueBulkLoad(store, 4096);
    load.finish();
    expect(() => load.putBatch([])).toThrow(/after finish/);
    await store.close();
  });
});

describe('key order of a bulk-load arena', () => {
  it('sorts keys bytewise, shorter first on a tie, across shared prefixes, ends and long runs', () => {
    const keys: Buffer[] = [];
    for (let i = 0; i < 3000; i++) {
      // Many keys share long prefixes (as words in the search index do), some end inside a chunk, some are equal.
      const prefix = ['', 'paris', 'paris-', 'parisian', 'a', 'ab\u0000'][i % 6]!;
      keys.push(Buffer.concat([Buffer.from(prefix, 'latin1'), randomBytes(i % 7 === 0 ? 0 : (i % 13))]));
    }
    keys.push(Buffer.alloc(0), Buffer.from([0]), Buffer.from([0, 0]), Buffer.from('paris'), Buffer.from('paris'));
    // Long equal prefixes past the native passes' depth, and long equal keys, in runs big enough to be packed.
    const long = 'x'.repeat(60);
    for (let i = 0; i < 40; i++) keys.push(Buffer.from(long), Buffer.concat([Buffer.from(long), randomBytes(3)]));
    const arena = Buffer.alloc(keys.reduce((n, k) => n + ROW_HEADER + k.length, 0));
    const starts: number[] = [];
    let at = 0;
    for (const k of keys) {
      starts.push(at);
      arena.writeUInt16BE(k.length, at);
      arena.writeUInt16BE(0, at + 2);
      k.copy(arena, at + ROW_HEADER);
      at += ROW_HEADER + k.length;
    }
    const order = keyOrder(arena, Uint32Array.from(starts));
    const sorted = [...order].map((s) => arena.subarray(s + ROW_HEADER, s + ROW_HEADER + arena.readUInt16BE(s)).toString('hex'));
    expect(sorted).toEqual([...keys].sort(Buffer.compare).map((k) => k.toString('hex')));
  });
});
