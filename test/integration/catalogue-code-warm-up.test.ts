/**
 * A start answers sample lookups to itself before the catalogue listens (web/code-warm-up.ts),
 * so that the first visitors meet compiled code. On a real store (six-sets.ts) and a real
 * catalogue on loopback: the warm-up's requests reach the app and are answered, nobody's rate
 * limit counts them, and its temporary server is gone before the catalogue serves. Beside it,
 * the warm-up against a handler that fails, cuts connections and never answers.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/log.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { CatalogueStore } from '../../services/tracker-web/store/catalogue-store.ts';
import { START_SOFT_LIMIT_MS, WARM_UP_BUDGET_MS, warmUpBudgetMs, warmUpCode, warmUpPaths } from '../../services/tracker-web/web/code-warm-up.ts';
import { SIX_SET_SHA1S, sixSetCatalogue } from '../helpers/six-sets.ts';

const at = sixSetCatalogue('seedbank-code-warm-');

/** A catalogue on the six sets whose log lines and start phases the test reads. */
async function start(warmUpRequests: number, rateLimits = { readPerMinute: 5, pagesPerMinute: 5 }) {
  const lines: Array<Record<string, unknown>> = [];
  const phases: string[] = [];
  const logger = createLogger({ format: 'json', sink: { write: (text) => void lines.push(JSON.parse(text) as Record<string, unknown>), isTTY: false } });
  const server = await startCatalogueServer({ dataDir: at.dataDir, port: 0, host: '127.0.0.1', census: { autoStart: false }, copyWarmUpOnWorker: false, logger, rateLimits, warmUpRequests, onStartPhase: (p) => phases.push(p) });
  return { server, lines, phases };
}

async function closed(server: CatalogueServer, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } finally {
    await server.close();
  }
}

describe('the store sample the warm-up looks up', () => {
  it('is files of the store, spread over the key space, each once', async () => {
    const store = CatalogueStore.open(at.dataDir);
    try {
      expect(store.lookup.sampleSha1s(1000)).toEqual(SIX_SET_SHA1S);
      // Four steps (0, 1/4, 1/2, 3/4 of the key space): every SHA-1 here begins with 0-5, so the
      // first key and the first at or past 0x40 only.
      const two = store.lookup.sampleSha1s(4);
      expect(two).toEqual([SIX_SET_SHA1S[0], SIX_SET_SHA1S.find((s) => s >= '4')]);
      for (const sha1 of two) expect(store.filesBySha1(sha1).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    const empty = await mkdtemp(path.join(os.tmpdir(), 'seedbank-code-warm-empty-'));
    const none = CatalogueStore.open(empty);
    try {
      expect(none.lookup.sampleSha1s(100)).toEqual([]);
    } finally {
      await none.close();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('gives each kind of lookup in turn, over the files', () => {
    expect(warmUpPaths(['a1', 'b2'], 7)).toEqual(['/api/view/files?q=a1', '/files?q=a1', '/api/copies/file/a1', '/api/view/files?q=b2', '/files?q=b2', '/api/copies/file/b2', '/api/view/files?q=a1']);
    expect(warmUpPaths([], 100)).toEqual([]);
  });
});

describe('a start answers its own lookups before it listens', () => {
  it('through the app, outside every rate limit, on a server closed before the catalogue serves', async () => {
    const { server, lines, phases } = await start(90);
    await closed(server, async () => {
      const done = lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('answered its own lookups'));
      expect(done, JSON.stringify(lines)).toMatchObject({ requests: 90, failed: 0 });
      // The catalogue listens first (requests wait at the gate), warms, then serves.
      expect(phases.indexOf('listen')).toBeGreaterThan(-1);
      expect(phases.indexOf('listen')).toBeLessThan(phases.indexOf('code warm-up before serving'));
      expect(phases.indexOf('code warm-up before serving')).toBeLessThan(phases.indexOf('serving'));
      // Its server is closed: nothing answers on its port any more.
      const port = Number(done!.port);
      expect(port).toBeGreaterThan(0);
      expect(port).not.toBe(server.port);
      await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
      // 90 requests went through the app, yet a visitor from the same address has the whole
      // allowance of 5 API requests and 5 pages a minute: the sixth of each is refused.
      const sha1 = SIX_SET_SHA1S[0]!;
      const api = [];
      for (let i = 0; i < 6; i++) api.push((await fetch(`${server.url}/api/view/files?q=${sha1}`)).status);
      expect(api).toEqual([200, 200, 200, 200, 200, 429]);
      const pages = [];
      for (let i = 0; i < 6; i++) pages.push((await fetch(`${server.url}/files?q=${sha1}`)).status);
      expect(pages).toEqual([200, 200, 200, 200, 200, 429]);
    });
  });

  it('makes no request when told none', async () => {
    const { server, lines, phases } = await start(0);
    await closed(server, async () => {
      expect(lines.some((l) => typeof l.msg === 'string' && /own lookups/.test(l.msg))).toBe(false);
      expect(phases).toContain('serving');
      expect((await fetch(`${server.url}/api/view/files?q=${SIX_SET_SHA1S[1]}`)).status).toBe(200);
    });
  });
});

describe('the warm-up against a handler that misbehaves', () => {
  it('counts errors, cut connections and a request that never ends as failed, stops at its budget, and closes its server', async () => {
    const seen: string[] = [];
    const listener = (req: IncomingMessage, res: ServerResponse) => {
      seen.push(req.url ?? '');
      if (req.url === '/ok') res.end('fine');
      else if (req.url === '/error') res.writeHead(500).end('broken');
      else if (req.url === '/cut') req.socket.destroy();
      // '/hang': never answered.
    };
    const budgetMs = 1_000;
    const t0 = performance.now();
    const r = await warmUpCode(listener, {}, () => ['/ok', '/error', '/cut', '/ok', '/hang', '/ok', '/ok'], budgetMs);
    const took = performance.now() - t0;
    expect(seen).toEqual(['/ok', '/error', '/cut', '/ok', '/hang']);
    expect(r).toMatchObject({ requests: 5, failed: 3 });
    // The hanging request is given up when the budget ends, not later.
    expect(took).toBeGreaterThanOrEqual(budgetMs - 50);
    expect(took).toBeLessThan(budgetMs + 3_000);
    await expect(fetch(`http://127.0.0.1:${r.port}/ok`, { signal: AbortSignal.timeout(5_000) })).rejects.toThrow();
  });

  it('starts no server for no paths, and reads none without a budget', async () => {
    expect(await warmUpCode(() => undefined, {}, () => [])).toEqual({ requests: 0, failed: 0, ms: 0, port: 0 });
    let asked = 0;
    const none = await warmUpCode(() => undefined, {}, () => (asked++, ['/ok']), 0);
    expect([none.requests, asked]).toEqual([0, 0]);
  });

  it('gets a shorter budget, or none, the longer the start has taken', () => {
    expect(warmUpBudgetMs(0)).toBe(WARM_UP_BUDGET_MS);
    expect(warmUpBudgetMs(START_SOFT_LIMIT_MS - 500)).toBe(500);
    expect(warmUpBudgetMs(START_SOFT_LIMIT_MS + 1_000)).toBe(0);
  });
});
