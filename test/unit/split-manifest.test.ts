import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseManifest, type ManifestFile } from '../../shared/formats/manifest.ts';
import {
  CHANGES_FILE,
  checkPartFile,
  parseSplitManifest,
  serializeSplitManifest,
  writeChanges,
  writeList,
  type SplitManifest,
} from '../../shared/formats/split-manifest.ts';
import { collect, openVersionManifest } from '../../shared/formats/version-manifest.ts';
import { checkManifestSignature, signManifestText } from '../../shared/formats/signature.ts';
import { loadOrCreateSetKey } from '../../shared/signing.ts';

const VOL_A = 'a'.repeat(40);
const VOL_B = 'b'.repeat(40);

function file(title: string, volume: string, size = 10): ManifestFile {
  return {
    title,
    path: `a/ab/${title}`,
    size,
    sha1: '0'.repeat(40),
    mime: 'image/jpeg',
    uploadTimestamp: '2026-01-01T00:00:00Z',
    pageId: 1,
    revisionId: 2,
    license: 'cc-by-4.0',
    author: null,
    categories: ['Paris'],
    coordinates: null,
    volume,
  };
}

let dir: string;
let top: SplitManifest;
let publicKey: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'split-manifest-'));
  const key = await loadOrCreateSetKey(path.join(dir, 'keys'), 'paris');
  publicKey = key.publicKeyHex;
  const filesA = [file('Zebra.jpg', VOL_A), file('Ant.jpg', VOL_A), file('Émile.jpg', VOL_A)];
  const filesB = [file('Bee.jpg', VOL_B, 5)];
  const listA = await writeList(dir, VOL_A, filesA);
  const listB = await writeList(dir, VOL_B, filesB);
  const changes = await writeChanges(dir, { added: ['Ant.jpg', 'Bee.jpg'], removed: [], changed: ['Zebra.jpg'], renamed: [{ from: 'Old.jpg', to: 'Émile.jpg' }], pagesUpdated: [] });
  const pages = (ih: string) => ({ file: `pages/${ih}.xml.gz`, sha256: '1'.repeat(64), size: 1, count: 1 });
  const volume = (ih: string, list: typeof listA, size: number) => ({
    infoHash: ih, prefix: ih === VOL_A ? '0' : '1', pieceLength: 16384, pieces: 1, size, files: list.count, torrent: `volumes/${ih}.torrent`, portable: true, list, pages: pages(ih),
  });
  top = {
    format: 'seedbank-manifest/3',
    set: { id: 'paris', title: 'Paris', description: '', tags: [], copyTarget: 3, publicKey },
    version: 1,
    recipe: {},
    source: { wiki: 'http://127.0.0.1/api.php', siteName: 'W', generator: 'MediaWiki', uploadBase: 'http://127.0.0.1/images', articleUrl: 'http://127.0.0.1/wiki/$1' },
    snapshot: { builtAt: '2026-12-05T00:00:00Z', maxRevisionId: 9, maxLogId: 9, dumpRun: '20261201' },
    parent: null,
    volumes: [volume(VOL_A, listA, 30), volume(VOL_B, listB, 5)],
    volumeLayout: ['0', '1'],
    changes,
    skipped: [],
    totals: { files: 4, bytes: 35 },
  };
  const text = serializeSplitManifest(top);
  await writeFile(path.join(dir, 'manifest.json'), text);
  await writeFile(path.join(dir, 'manifest.sig'), JSON.stringify(signManifestText(text, publicKey, key)));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('split manifest (seedbank-manifest/3)', () => {
  it('round-trips the top manifest and streams each volume in title order', async () => {
    const text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    expect(serializeSplitManifest(parseSplitManifest(text))).toBe(text);
    expect(checkManifestSignature(text, await readFile(path.join(dir, 'manifest.sig'), 'utf8'), publicKey)).toBeNull();
    const v = await openVersionManifest(dir);
    expect(v.split?.version).toBe(1);
    expect(v.whole).toBeNull();
    expect(v.head.volumes.map((x) => Object.keys(x).includes('list'))).toEqual([false, false]);
    const a = await collect(v.filesOf(VOL_A));
    expect(a.map((f) => f.title)).toEqual(['Ant.jpg', 'Zebra.jpg', 'Émile.jpg']);
    expect(a.every((f) => f.volume === VOL_A)).toBe(true);
    expect((await collect(v.files())).length).toBe(4);
    const changes = await v.changes();
    expect(changes.renamed).toEqual([{ from: 'Old.jpg', to: 'Émile.jpg' }]);
    expect(changes.added).toEqual(['Ant.jpg', 'Bee.jpg']);
  });

  it('a whole-manifest reader refuses a split manifest with a clear reason', async () => {
    const text = await readFile(path.join(dir, 'manifest.json'), 'utf8');
    expect(() => parseManifest(text)).toThrow(/split manifest/);
  });

  it('refuses a list whose bytes differ from what the signed top manifest gives', async () => {
    const listFile = path.join(dir, `lists/${VOL_B}.ndjson`);
    const original = await readFile(listFile, 'utf8');
    try {
      await writeFile(listFile, original.replace('"size":5', '"size":6'));
      expect(await checkPartFile(dir, top.volumes[1]!.list)).toMatch(/SHA-256/);
      const v = await openVersionManifest(dir);
      await expect(collect(v.filesOf(VOL_B))).rejects.toThrow(/SHA-256/);
      await writeFile(listFile, `${original}${original}`);
      await expect(collect(v.filesOf(VOL_B))).rejects.toThrow(/out of title order|longer/);
    } finally {
      await writeFile(listFile, original);
    }
  });

  it('refuses a top manifest whose counts do not add up or whose parts are misnamed', () => {
    const bad = structuredClone(top);
    bad.totals.files = 5;
    expect(() => parseSplitManifest(serializeSplitManifest(bad))).toThrow(/totals say 5/);
    const misnamed = structuredClone(top);
    misnamed.volumes[0]!.list.file = '../../etc/passwd';
    expect(() => parseSplitManifest(serializeSplitManifest(misnamed))).toThrow(/expected lists\//);
    const changes = structuredClone(top);
    changes.changes.list.file = 'other.ndjson';
    expect(() => parseSplitManifest(serializeSplitManifest(changes))).toThrow(new RegExp(`expected ${CHANGES_FILE}`));
  });
});
