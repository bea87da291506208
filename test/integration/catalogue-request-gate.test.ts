/**
 * A start listens first and holds the requests that come before it is done (web/request-gate.ts):
 * a proxy's connections are accepted, not refused, and the requests are answered in order once
 * the start has served nothing else. On a real store (six-sets.ts) and a real catalogue on
 * loopback; the start's `onListening` hook sends requests while the start waits for it. Hostile:
 * more requests than the gate holds get 503 at once, and a start that fails answers what it held.
 */
import { describe, expect, it } from 'vitest';
import { startCatalogueServer, type CatalogueServerOptions } from '../../services/tracker-web/server.ts';
import { sixSetCatalogue, sixSetSha1 } from '../helpers/six-sets.ts';
import { waitFor } from '../helpers/run-cli.ts';

const at = sixSetCatalogue('seedbank-request-gate-');
const SHA1 = sixSetSha1(0, 0);

interface Answer {
  status: number;
  retryAfter: string | null;
  code?: string;
  /** The start's phases when the answer arrived. */
  phases: string[];
}

/** Starts a catalogue whose `onListening` runs `during` with a request sender; returns the server or the start's error, and every answer. */
async function startWith(during: (send: () => void, held: () => number, answers: Answer[]) => Promise<void>, o: Partial<CatalogueServerOptions> = {}) {
  const phases: string[] = [];
  const answers: Answer[] = [];
  const pending: Array<Promise<void>> = [];
  const start = startCatalogueServer({
    dataDir: at.dataDir, port: 0, host: '127.0.0.1', census: { autoStart: false }, copyWarmUpOnWorker: false, warmUpRequests: 30, ...o,
    onStartPhase: (p) => phases.push(p),
    onListening: async (port, held) => {
      const send = () => {
        pending.push(
          fetch(`http://127.0.0.1:${port}/api/view/files?q=${SHA1}`, { signal: AbortSignal.timeout(30_000) }).then(async (res) => {
            const body = (await res.json()) as { error?: { code?: string } };
            answers.push({ status: res.status, retryAfter: res.headers.get('retry-after'), code: body.error?.code, phases: [...phases] });
          }),
        );
      };
      await during(send, held, answers);
    },
  });
  const server = await start.catch((err: unknown) => err as Error);
  await Promise.all(pending);
  return { server, answers };
}

describe('requests during a start', () => {
  it('are held, then answered once the start is done', async () => {
    const { server, answers } = await startWith(async (send, held) => {
      for (let i = 0; i < 3; i++) send();
      await waitFor('the three requests to wait at the gate', async () => held() === 3, 10_000, 5);
    });
    if (server instanceof Error) throw server;
    try {
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
      // None was answered before the start had served: not beside the warm-ups.
      for (const a of answers) expect(a.phases).toContain('serving');
    } finally {
      await server.close();
    }
  });

  it('past the gate\'s limit, get 503 with Retry-After at once', async () => {
    const { server, answers } = await startWith(
      async (send, held, got) => {
        for (let i = 0; i < 5; i++) send();
        // Three are refused while the start still waits here; two are held.
        await waitFor('two requests held and three refused', async () => held() === 2 && got.length === 3, 10_000, 5);
      },
      { maxHeldRequests: 2 },
    );
    if (server instanceof Error) throw server;
    try {
      const refused = answers.filter((a) => a.status === 503);
      expect(refused).toHaveLength(3);
      for (const a of refused) {
        expect(a).toMatchObject({ code: 'CATALOGUE_STARTING', retryAfter: '5' });
        expect(a.phases).not.toContain('serving');
      }
      expect(answers.filter((a) => a.status === 200)).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('are answered 503 when the start fails', async () => {
    const { server, answers } = await startWith(async (send, held) => {
      send();
      send();
      await waitFor('two requests to wait at the gate', async () => held() === 2, 10_000, 5);
      throw new Error('a start that fails after it listened');
    });
    expect(server).toBeInstanceOf(Error);
    expect(answers.map((a) => [a.status, a.code])).toEqual([
      [503, 'CATALOGUE_STARTING'],
      [503, 'CATALOGUE_STARTING'],
    ]);
  });
});
