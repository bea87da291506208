/**
 * Census workers on loopback: a real catalogue hands a round's volumes out in leases over its
 * HTTP API; two workers (the real worker loop, each with its own key) and the catalogue's own
 * census audit real-protocol fake peers the tracker knows. Every (peer, volume) is audited once
 * per round and none twice; a worker killed right after taking a lease loses it when it
 * expires and its share is audited by the others. Hostile: a publishing token cannot take
 * census work, a census token cannot publish, and a worker cannot report on peers or volumes
 * it was not given, nor with another key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CatalogueApi } from '../../shared/api/catalogue-api.ts';
import { censusVerdictBytes } from '../../shared/api/census-work-schemas.ts';
import { SeedbankError } from '../../shared/errors.ts';
import { createLogger } from '../../shared/log.ts';
import { loadOrCreateKeyFile, signBytes, type SetKey } from '../../shared/signing.ts';
import { createToken } from '../../services/tracker-web/auth/tokens.ts';
import type { PeerAuditResult } from '../../services/tracker-web/census/index.ts';
import { runCensusWorker } from '../../services/tracker-web/census-work/worker.ts';
import { startCatalogueServer, type CatalogueServer } from '../../services/tracker-web/server.ts';
import { announceFrom } from '../helpers/announce.ts';
import { putHandVersion } from '../helpers/hand-version.ts';
import { startFakePeer, type FakePeer } from '../helpers/peers/fake-peer.ts';
import { makeVolumeFixture } from '../helpers/volume-fixture.ts';

const VOLUMES = 24;
const HOSTS = ['127.0.2.1', '127.0.2.2', '127.0.2.3'];
const LEASE_TTL_MS = 1_500;
const ROUND_LIMIT_MS = 60_000;

let work: string;
let catalogue: CatalogueServer;
/** One census token per worker: a token is pinned to the first key it leased with. */
const tokens: Record<'a' | 'b' | 'd', string> = { a: '', b: '', d: '' };
let publishToken: string;
const peers: FakePeer[] = [];
const volumes: string[] = [];
/** Every verdict the catalogue recorded this round, with who reached it. */
let verdicts: Array<{ key: string; taker: string }> = [];
const logger = createLogger({ level: 'silent' });

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-census-workers-'));
  catalogue = await startCatalogueServer({
    dataDir: path.join(work, 'catalogue'), port: 0, host: '127.0.0.1', dht: null,
    census: {
      autoStart: false, timeoutMs: 10_000, workers: { leaseTtlMs: LEASE_TTL_MS, leaseVolumes: 1, idleRetryMs: 50 },
      onVerdict: (r: PeerAuditResult, taker: string) => verdicts.push({ key: `${r.infoHash}|${r.host}:${r.port}`, taker }),
    },
  });
  for (let i = 0; i < VOLUMES; i++) {
    const fixture = await makeVolumeFixture(path.join(work, `v${i}`), [{ path: `a/a${i % 10}/Census_worker_${i}.bin`, length: 3 * 32 * 1024 }], 32 * 1024);
    await putHandVersion(catalogue.store, { setId: `s${i}`, keysDir: path.join(work, 'keys'), torrent: fixture.torrent, parsed: fixture.parsed, sha1s: ['0'.repeat(40)] });
    volumes.push(fixture.parsed.infoHash);
    for (const host of HOSTS) {
      const p = await startFakePeer({ infoHash: fixture.parsed.infoHash, pieceLength: 32 * 1024, data: fixture.content, host });
      peers.push(p);
      expect(await announceFrom(catalogue.url, host, fixture.parsed.infoHash, p.port)).not.toContain('failure');
    }
  }
  for (const w of ['a', 'b', 'd'] as const) tokens[w] = await createToken(catalogue.store, `census-${w}`, Date.now(), 'census');
  publishToken = await createToken(catalogue.store, 'publisher');
}, 120_000);

afterAll(async () => {
  await Promise.all(peers.map((p) => p.close()));
  await catalogue?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

const api = () => new CatalogueApi(catalogue.url, 'Seedbank-test census-workers');
const key = (name: string): Promise<SetKey> => loadOrCreateKeyFile(path.join(work, `${name}.key`), 'test key');

describe('census workers', () => {
  it('audit every (peer, volume) once per round with the catalogue, and pick up a killed worker\'s share', async () => {
    verdicts = [];
    const stopAll = new AbortController();
    const killed = new AbortController();
    let killedLease: string[] = [];
    const a = runCensusWorker({ api: api(), token: tokens.a, key: await key('a'), name: 'a', logger, signal: stopAll.signal, volumesPerLease: 1 });
    const b = runCensusWorker({
      api: api(), token: tokens.b, key: await key('b'), name: 'b', logger, signal: AbortSignal.any([stopAll.signal, killed.signal]), volumesPerLease: 2,
      // Killed right after its first lease: it never audits or reports anything.
      onLeaseTaken: ({ volumes: v }) => {
        killedLease = v;
        killed.abort(new Error('killed'));
      },
    });
    try {
      const round = await Promise.race([
        catalogue.census.runOnce(),
        new Promise<never>((_r, reject) => setTimeout(() => reject(new Error(`census round with workers did not finish in ${ROUND_LIMIT_MS} ms`)), ROUND_LIMIT_MS).unref()),
      ]);
      const expected = volumes.length * HOSTS.length;
      const keys = verdicts.map((v) => v.key);
      expect(new Set(keys).size, 'every (peer, volume) audited').toBe(expected);
      expect(keys.length, 'no (peer, volume) audited twice').toBe(expected);
      expect(round.peers).toBe(expected);
      expect(round.passed).toBe(expected);
      // Worker b took a lease and died; it expired and someone else audited those volumes.
      expect(killedLease.length, 'worker b never got a lease: the catalogue finished the round alone').toBeGreaterThan(0);
      expect(round.leasesExpired).toBeGreaterThanOrEqual(1);
      for (const ih of killedLease) {
        const by = new Set(verdicts.filter((v) => v.key.startsWith(ih)).map((v) => v.taker));
        expect([...by].some((t) => t.startsWith('census-b/'))).toBe(false);
        expect(by.size).toBe(1);
      }
      const takers = new Set(verdicts.map((v) => v.taker));
      expect(takers.has('catalogue')).toBe(true);
      expect(takers.has('census-a/a'), `worker a audited nothing (takers: ${[...takers].join(', ')})`).toBe(true);
      expect(Object.values(round.volumesBy ?? {}).reduce((s, n) => s + n, 0)).toBe(volumes.length);
    } finally {
      stopAll.abort(new Error('test over'));
      await Promise.allSettled([a, b]);
    }
  }, 90_000);

  it('refuses a publishing token, and a census token cannot publish', async () => {
    const k = await key('c');
    await expect(api().censusLease({ worker: 'c', publicKey: k.publicKeyHex }, publishToken)).rejects.toMatchObject({ code: 'TOKEN_SCOPE' });
    const res = await fetch(`${catalogue.url}/api/publish/s0/2/manifest.json`, { method: 'PUT', headers: { authorization: `Bearer ${tokens.a}` }, body: '{}' });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('TOKEN_SCOPE');
  });

  it('refuses verdicts about peers or volumes outside the lease, unsigned ones, and a second key on one token', async () => {
    const k = await key('d');
    const round = catalogue.census.runOnce();
    let leaseId = '';
    let job: { infoHash: string; peers: Array<{ host: string; port: number }> } | undefined;
    for (let i = 0; i < 200 && !job; i++) {
      const answer = await api().censusLease({ worker: 'd', publicKey: k.publicKeyHex, volumes: 1 }, tokens.d);
      if (answer.lease) {
        leaseId = answer.lease.id;
        job = answer.lease.jobs[0];
      }
    }
    expect(job, 'no lease handed out while a round was open').toBeDefined();
    const verdict = (host: string, port: number, infoHash = job!.infoHash) => ({
      host, port, infoHash, reachable: true, havePieces: 3, complete: true, bitfield: null, audited: { piece: 0, ok: true, ms: 1 }, ms: 1, at: Date.now(),
    });
    const post = (vs: ReturnType<typeof verdict>[], signer: SetKey = k) =>
      api().censusVerdicts(leaseId, { verdicts: vs, done: false, signature: signBytes(signer, censusVerdictBytes(leaseId, vs, false)).toString('hex') }, tokens.d);
    await expect(post([verdict('127.0.9.9', 6881)])).rejects.toMatchObject({ code: 'CENSUS_VERDICT_INVALID' });
    await expect(post([verdict(job!.peers[0]!.host, job!.peers[0]!.port, 'ab'.repeat(20))])).rejects.toMatchObject({ code: 'CENSUS_VERDICT_INVALID' });
    await expect(post([verdict(job!.peers[0]!.host, job!.peers[0]!.port)], await key('other'))).rejects.toMatchObject({ code: 'CENSUS_VERDICT_INVALID' });
    const second = await key('second');
    const refused = await api().censusLease({ worker: 'd2', publicKey: second.publicKeyHex }, tokens.d).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(SeedbankError);
    expect((refused as SeedbankError).code).toBe('CENSUS_WORKER_KEY');
    // Let the lease expire: the round still completes, the catalogue auditing that volume itself.
    await round;
    expect(catalogue.census.lastRound?.passed).toBe(volumes.length * HOSTS.length);
  }, 90_000);
});
