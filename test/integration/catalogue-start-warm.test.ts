/**
 * A start brings the copy figures up to date before the catalogue listens, within a time budget
 * (server.ts `startWarmMs`): the first requests then neither share the event loop with the
 * warm-up nor read figures kept from before the restart. Past the budget the warm-up goes on in
 * the background and the catalogue listens anyway. On a real store (six-sets.ts) and a real
 * catalogue server on loopback.
 */
import { describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { SETS, sixSetCatalogue, sixSetSha1 } from '../helpers/six-sets.ts';

const at = sixSetCatalogue('seedbank-start-warm-');

const start = (startWarmMs?: number) => startCatalogueServer({ dataDir: at.dataDir, port: 0, host: '127.0.0.1', census: { autoStart: false }, copyWarmUpOnWorker: false, startWarmMs });

async function withServer<T>(server: CatalogueServer, fn: (s: CatalogueServer) => Promise<T>): Promise<T> {
  try {
    return await fn(server);
  } finally {
    await server.close();
  }
}

describe('the copy figures at start', () => {
  it('are walked before the catalogue listens: the first request reads figures of this start, not kept ones', async () => {
    const before = await withServer(await start(), async (server) => {
      // A restart whose census has not changed: nothing walked, nothing running when it listens.
      expect(server.copies.warmingNow).toBe(false);
      expect(server.copies.warmUpSets).toEqual({ kept: SETS, walked: 0 });
      return server.copies.peekVolumeCopies(at.six.ih(0));
    });
    // While the catalogue is down the census's record gains a whole copy of set-0's volume.
    const store = CatalogueStore.open(at.dataDir);
    const now = Date.now();
    await store.observations.put(at.six.ih(0), '127.0.1.1', 6881, { lastSeen: now, complete: true, havePieces: 7, auditedAt: now, auditOk: true, bitfield: new Uint8Array([0xfe]) });
    await store.close();
    await withServer(await start(), async (server) => {
      expect(server.copies.warmingNow).toBe(false);
      expect(server.copies.warmUpSets).toEqual({ kept: SETS - 1, walked: 1 });
      expect(server.copies.peekVolumeCopies(at.six.ih(0))).toBe((before ?? 0) + 1);
      // set-0's first file: the new copy from the first request on.
      const sha1 = sixSetSha1(0, 0);
      const res = await fetch(`${server.url}/api/view/files?q=${sha1}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { file?: { sha1?: string; copies?: number } };
      expect(body.file).toMatchObject({ sha1, copies: (before ?? 0) + 1 });
    });
  });

  it('with no budget, listens at once and warms in the background to the same figures', async () => {
    const before = await withServer(await start(), async (s) => Array.from({ length: SETS }, (_, i) => s.copies.peekSet(`set-${i}`)?.min));
    await withServer(await start(0), async (server) => {
      const health = await fetch(`${server.url}/healthz`);
      expect(health.status).toBe(200);
      await server.copies.whenWarm();
      expect(server.copies.warmingNow).toBe(false);
      expect(Array.from({ length: SETS }, (_, i) => server.copies.peekSet(`set-${i}`)?.min)).toEqual(before);
    });
  });
});
