// node bin/run-ts.js bench/build-memory.bench.ts [--files 100000] [--page-bytes 2000]
// Peak RSS of the builder's listing and manifest phases on a synthetic selection, with the
// description pages kept in memory (as before the page store) and in the LMDB page store.
// Each mode runs in its own process (peak RSS is per process): the real Collector takes API
// batches (metadata plus an XML export of ~page-bytes per page), the real volume rule cuts the
// volumes (volumeFileLimit 10,000), and the real split writer writes lists, pages archives,
// changes, the signed top manifest and the metadata torrent. No wiki, no media, no network:
// this measures what a build holds per file, not downloads or torrent hashing.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { commonsPath, originalUrl } from '../shared/commons-path.ts';
import { parseRecipe } from '../shared/formats/recipe.ts';
import { assignVolumes } from '../shared/formats/volume-rule.ts';
import { loadOrCreateSetKey } from '../shared/signing.ts';
import { memoryPageStore, openPageStore, type PageStore } from '../services/set-builder/listing/page-store.ts';
import { Collector } from '../services/set-builder/listing/selection.ts';
import type { ApiPageData } from '../services/set-builder/listing/page-batches.ts';
import { writeVersion } from '../services/set-builder/version-writer.ts';
import type { BuiltVolume } from '../services/set-builder/volumes.ts';
import { FileTable } from '../services/set-builder/listing/file-table.ts';

const { values } = parseArgs({ options: { files: { type: 'string', default: '100000' }, 'page-bytes': { type: 'string', default: '2000' }, mode: { type: 'string' } } });
const FILES = Number(values.files);
const PAGE_BYTES = Number(values['page-bytes']);
const BATCH = 500;
const UPLOAD_BASE = 'http://127.0.0.1/wikipedia/';
const HEADER = '<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">\n  <siteinfo>\n    <sitename>Bench</sitename>\n  </siteinfo>\n';

/** One API batch: metadata of `count` files and their export, as pageBatches hands them to the Collector. */
function batch(from: number, count: number): { pages: ApiPageData[]; exportXml: string } {
  const pages: ApiPageData[] = [];
  const xml: string[] = [HEADER];
  for (let i = from; i < from + count; i++) {
    const name = `Bench_photo_${String(i).padStart(8, '0')}.jpg`;
    const title = `File:${name.replace(/_/g, ' ')}`;
    const sha1 = createHash('sha1').update(name).digest('hex');
    pages.push({
      pageid: i + 1, ns: 6, title,
      imageinfo: [{ url: originalUrl(UPLOAD_BASE, commonsPath(name)), size: 1000 + (i % 5000), sha1, mime: 'image/jpeg', timestamp: '2024-01-01T00:00:00Z', extmetadata: {} }],
      categories: [{ title: 'Category:Bench' }],
    });
    const filler = 'Lorem ipsum dolor sit amet. '.repeat(Math.max(1, Math.round(PAGE_BYTES / 28)));
    xml.push(`  <page>\n    <title>${title}</title>\n    <ns>6</ns>\n    <id>${i + 1}</id>\n    <revision>\n      <id>${i + 10}</id>\n      <text xml:space="preserve">{{Information|description=${filler}}}\n{{cc-by-sa-4.0}}\n[[Category:Bench]]</text>\n    </revision>\n  </page>\n`);
  }
  xml.push('</mediawiki>\n');
  return { pages, exportXml: xml.join('') };
}

async function run(mode: 'memory' | 'lmdb'): Promise<void> {
  const work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-build-memory-'));
  const t0 = performance.now();
  let pages: PageStore | null = null;
  try {
    pages = mode === 'lmdb' ? await openPageStore(path.join(work, 'pages')) : memoryPageStore();
    const recipe = parseRecipe({ id: 'bench', title: 'Bench', selection: { categories: ['Bench'] } });
    const collector = new Collector(pages, recipe);
    for (let i = 0; i < FILES; i += BATCH) {
      const b = batch(i, Math.min(BATCH, FILES - i));
      collector.add(b.pages, b.exportXml);
      if (mode === 'lmdb' && (i / BATCH) % 20 === 0) await pages.flushed();
    }
    await pages.flushed();
    const files = [...collector.select().files];
    const tListed = performance.now();
    const leaves = assignVolumes(files, recipe.volumeSizeLimit, null, recipe.volumeFileLimit);
    const volumes: BuiltVolume[] = leaves.filter((l) => l.files.length > 0).map((l) => ({
      volume: {
        infoHash: createHash('sha1').update(l.prefix).digest('hex'), prefix: l.prefix, pieceLength: 1 << 20, pieces: 1,
        size: l.files.reduce((s, f) => s + f.size, 0), files: l.files.length, torrent: `volumes/${l.prefix}.torrent`, portable: true,
      },
      files: FileTable.from(l.files), reused: false, piecesHashed: 0,
    }));
    const key = await loadOrCreateSetKey(path.join(work, 'keys'), 'bench');
    const now = new Date('2026-01-01T00:00:00Z');
    const changes = { added: files.map((f) => f.title), removed: [], changed: [], renamed: [], pagesUpdated: [] };
    await writeVersion(path.join(work, 'v1'), 'split', {
      head: {
        set: { id: 'bench', title: 'Bench', description: '', tags: [], copyTarget: 3, publicKey: key.publicKeyHex }, version: 1, recipe: recipe as unknown as Record<string, unknown>,
        source: { wiki: 'http://127.0.0.1/api.php', siteName: 'Bench', generator: 'MediaWiki', uploadBase: UPLOAD_BASE, articleUrl: 'http://127.0.0.1/wiki/$1' },
        snapshot: { builtAt: now.toISOString(), maxRevisionId: FILES + 10, maxLogId: 0, dumpRun: '20260101' }, parent: null, volumeLayout: leaves.map((l) => l.prefix), skipped: [],
      },
      volumes, changes, exportHeader: HEADER, pages, key, builtAt: now,
    });
    const t1 = performance.now();
    console.log(JSON.stringify({ mode, files: files.length, volumes: volumes.length, listMs: Math.round(tListed - t0), writeMs: Math.round(t1 - tListed), peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024) }));
  } finally {
    await pages?.close();
    await rm(work, { recursive: true, force: true });
  }
}

if (values.mode === 'memory' || values.mode === 'lmdb') {
  await run(values.mode);
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`${FILES} files, ~${PAGE_BYTES} bytes of page text each`);
  const results: Array<{ mode: string; peakRssMiB: number; listMs: number; writeMs: number }> = [];
  for (const mode of ['memory', 'lmdb']) {
    const r = spawnSync(process.execPath, [path.join(path.dirname(self), '..', 'bin', 'run-ts.js'), self, '--files', String(FILES), '--page-bytes', String(PAGE_BYTES), '--mode', mode], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (r.status !== 0) throw new Error(`the ${mode} run failed (exit ${r.status})`);
    results.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  console.log('\n| pages kept | peak RSS | listing | writing |\n|---|---|---|---|');
  for (const r of results) console.log(`| ${r.mode === 'memory' ? 'in memory (before)' : 'LMDB page store'} | ${r.peakRssMiB} MiB | ${(r.listMs / 1000).toFixed(1)} s | ${(r.writeMs / 1000).toFixed(1)} s |`);
  console.log(`\npeak RSS, page store / in memory: ${(results[1]!.peakRssMiB / results[0]!.peakRssMiB).toFixed(2)}x`);
}
