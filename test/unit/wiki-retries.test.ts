import { createServer } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WikiApi } from '../../services/set-builder/listing/wiki-api.ts';
import { createLogger } from '../../shared/log.ts';

/** A loopback port with nothing listening on it: bind port 0, note it, close. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('an unreachable wiki', () => {
  afterEach(() => vi.restoreAllMocks());

  it('gives one short warn line per retry and prints nothing on stdout', async () => {
    const consoleLog = vi.spyOn(console, 'log');
    const stdout = vi.spyOn(process.stdout, 'write');
    const lines: string[] = [];
    const logger = createLogger({ sink: { isTTY: false, write: (t) => void lines.push(t) } });
    const api = new WikiApi({ apiUrl: `http://127.0.0.1:${await closedPort()}/w/api.php`, userAgent: 'seedbank-test', logger, retryPauseMs: 1 });
    await expect(api.siteFacts()).rejects.toThrow(/cannot reach the wiki/);
    expect(consoleLog, 'mwn dumped the failed request with console.log').not.toHaveBeenCalled();
    expect(stdout).not.toHaveBeenCalled();
    const warns = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(warns.length).toBeGreaterThan(0);
    for (const w of warns) {
      expect(w.level).toBe(40);
      expect(w.msg).toMatch(/^wiki request failed \(connect ECONNREFUSED 127\.0\.0\.1:\d+\); retrying in 0\.001 s$/);
    }
  });
});
