/**
 * How much memory and time the catalogue store's putVersion takes for one large version, fed
 * as a split (/3) version's per-volume lists (read from disk a volume at a time, merged in
 * title order) or as one array of every file (what a whole /1-/2 manifest hands it). Runs one
 * mode per process so each peak RSS is its own:
 *   node bin/run-ts.js bench/split-publish/store-input.bench.ts --files 1000000 --volumes 100 --mode split|array
 * Volume torrents are stand-ins (the index then records no offsets), so this measures the
 * store's input side alone; the publish checks are exercised by test/integration/catalogue-split.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { commonsPath } from '../../shared/commons-path.ts';
import type { ManifestFile } from '../../shared/formats/manifest.ts';
import { ListWriter, listFileName } from '../../shared/formats/split-manifest.ts';
import { nameBits } from '../../shared/formats/volume-rule.ts';
import { CatalogueStore, publishedFileOf, type VersionRecord } from '../../services/tracker-web/store/catalogue-store.ts';
import type { PublishedFile } from '../../services/tracker-web/store/set-files.ts';
import { listRecordsSync } from '../../services/tracker-web/store/version-parts.ts';

const MIB = 1024 * 1024;
const { values } = parseArgs({ options: { files: { type: 'string', default: '200000' }, volumes: { type: 'string', default: '20' }, mode: { type: 'string', default: 'split' } } });
const files = Number(values.files);
const volumeCount = Number(values.volumes);
const bitsPerVolume = Math.ceil(Math.log2(volumeCount));
const SHA = 'ab'.repeat(32);

/** The synthetic file i: a Commons-like name, its path, and the volume its MD5 bits give. */
function fileOf(i: number, volumes: string[]): ManifestFile {
  const name = `Photo_${String(i).padStart(8, '0')}_of_Saint-Étienne_from_the_south.jpg`;
  const bits = nameBits(name).slice(0, bitsPerVolume);
  return {
    title: `File:${name.replace(/_/g, ' ')}`, path: commonsPath(name), size: 1000 + (i % 5000), sha1: (i.toString(16).padStart(8, '0') + '0'.repeat(32)).slice(0, 40),
    mime: 'image/jpeg', uploadTimestamp: '2020-01-01T00:00:00Z', pageId: i, revisionId: i, license: i % 3 ? 'CC BY-SA 4.0' : 'Public domain', author: `Author ${i % 977}`,
    categories: [`Category ${i % 101}`], coordinates: null, volume: volumes[parseInt(bits, 2) % volumes.length]!,
  };
}

const work = await mkdtemp(path.join(os.tmpdir(), 'split-store-bench-'));
try {
  const volumes = Array.from({ length: volumeCount }, (_, i) => (i + 1).toString(16).padStart(40, '0'));
  const store = CatalogueStore.open(path.join(work, 'catalogue'));
  const sha256 = 'cd'.repeat(32);
  const record: VersionRecord = {
    setId: 'big', version: 1, manifestSha256: sha256, publishedAt: 0, builtAt: '2026-12-05T00:00:00Z', metadataInfoHash: 'ee'.repeat(20),
    pointer: { k: SHA, salt: 'big', seq: 1, ih: 'ee'.repeat(20), sig: 'ab'.repeat(64) } as unknown as VersionRecord['pointer'],
    volumes, totals: { files, bytes: 0 }, changes: { added: files, removed: 0, changed: 0, renamed: 0, pagesUpdated: 0 }, parent: null,
  };
  const common = {
    set: { id: 'big', title: 'Big', description: '', tags: [], publicKey: SHA, copyTarget: 3 }, record, manifestText: '{}', signatureText: '', metadataTorrent: new Uint8Array(1),
    volumes: volumes.map((infoHash) => ({ infoHash, prefix: '', size: 0, files: 0, pieceLength: 262144, pieces: 0, torrent: new Uint8Array(1) })),
  };
  let t0: number;
  if (values.mode === 'split') {
    // The parts folder as a publish leaves it: one sorted list per volume.
    const byVolume = new Map(volumes.map((v) => [v, [] as number[]]));
    for (let i = 0; i < files; i++) byVolume.get(fileOf(i, volumes).volume)!.push(i);
    for (const v of volumes) {
      const w = await ListWriter.open(store.parts.dir(sha256), v);
      const sorted = byVolume.get(v)!.map((i) => fileOf(i, volumes)).sort((a, b) => (a.title < b.title ? -1 : 1));
      for (const f of sorted) await w.add(f);
      await w.close();
      byVolume.set(v, []);
    }
    globalThis.gc?.();
    const before = process.memoryUsage().rss;
    t0 = performance.now();
    store.putVersion({ ...common, lists: { files: (ih) => map(listRecordsSync(store.parts.file(sha256, listFileName(ih)), ih), (f) => publishedFileOf('big', 1, f)) }, changesExcerpt: { added: [], removed: [], changed: [], renamed: [], pagesUpdated: [] } });
    report(before, t0);
  } else {
    const before = process.memoryUsage().rss;
    t0 = performance.now();
    const all: PublishedFile[] = [];
    for (let i = 0; i < files; i++) all.push(publishedFileOf('big', 1, fileOf(i, volumes)));
    store.putVersion({ ...common, pagesGz: new Uint8Array(0), files: all });
    report(before, t0);
  }
  await store.close();
} finally {
  await rm(work, { recursive: true, force: true });
}

function* map<A, B>(xs: Iterable<A>, f: (a: A) => B): Generator<B> {
  for (const x of xs) yield f(x);
}

function report(rssBefore: number, t0: number): void {
  const ms = performance.now() - t0;
  const peak = process.resourceUsage().maxRSS * 1024;
  console.log(`${values.mode}: ${files} files in ${volumeCount} volumes: putVersion ${(ms / 1000).toFixed(1)} s, ${Math.round(files / (ms / 1000))} files/s; RSS before ${(rssBefore / MIB).toFixed(0)} MiB, peak ${(peak / MIB).toFixed(0)} MiB`);
}
