/**
 * GET /api/copies/export: every file the catalogue knows (by SHA-1, once, across every set
 * and version) with its verified copy count, as NDJSON (`{"sha1":"…","copies":2}` per line),
 * streamed with back-pressure so a large catalogue never builds the whole answer in memory.
 * Whole-wiki coverage reports load this once instead of asking file by file.
 */
import { once } from 'node:events';
import { Router } from 'express';
import type { CopiesExportLine } from '../../../shared/api/copies-schemas.ts';
import { routes } from '../../../shared/api/routes.ts';
import type { CopyIndex } from '../redundancy/copy-index.ts';
import type { CatalogueStore } from '../store/catalogue-store.ts';

/** Lines gathered before each write: few syscalls, small buffers. */
const LINES_PER_WRITE = 1000;
/** Files read per range read of a version's file list (store.setFiles), whatever the manifest format. */
const FILES_PER_READ = 1000;

/** A version's files from the store's own per-version list, a page at a time (a split version is never read whole). */
function* versionFiles(store: CatalogueStore, setId: string, version: number): Generator<{ sha1: string }> {
  for (let offset = 0; ; offset += FILES_PER_READ) {
    const page = store.setFiles.page(setId, version, offset, FILES_PER_READ);
    yield* page;
    if (page.length < FILES_PER_READ) return;
  }
}

/** Builds the router of the copy-count export. */
export function copiesExportRouter(src: { store: CatalogueStore; copies: CopyIndex }): Router {
  const router = Router();
  router.get(routes.copiesExport.pattern, async (_req, res) => {
    res.type('application/x-ndjson').set('Cache-Control', 'no-cache');
    const seen = new Set<string>();
    let lines = '';
    let pending = 0;
    for (const row of src.store.listSets()) {
      for (const version of src.store.getVersions(row.id)) {
        for (const f of versionFiles(src.store, row.id, version.version)) {
          if (seen.has(f.sha1)) continue;
          seen.add(f.sha1);
          const line: CopiesExportLine = { sha1: f.sha1, copies: src.copies.file(f.sha1).copies };
          lines += `${JSON.stringify(line)}\n`;
          if (++pending < LINES_PER_WRITE) continue;
          if (!res.write(lines)) await once(res, 'drain');
          if (res.destroyed) return;
          lines = '';
          pending = 0;
        }
      }
    }
    res.end(lines);
  });
  return router;
}
