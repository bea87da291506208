// The census's budgets against hosts that would stall it (issue 10, item 2): ports that accept
// and never answer (a tarpit), peers that never unchoke, a client that drops a quick reconnect,
// and a peer that offers allowed-fast pieces (BEP 6) instead of unchoking. All on loopback:
// tarpits on 127.0.0.2 and 127.0.0.3, real and fake peers on 127.0.0.1.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHashWorkers, createVolumeTorrent, parseVolumeTorrent } from '../../shared/torrent/index.ts';
import {
  DEFAULT_HANDSHAKE_TIMEOUT_MS, DEFAULT_MAX_PER_HOST, HostBackoff, runCensus, type AuditTarget, type CensusResult, type PeerAddress,
} from '../../services/tracker-web/census/index.ts';
import { startFakePeer, type FakePeer, type FakePeerOptions } from '../helpers/peers/fake-peer.ts';
import { startSeeder, type Seeder } from '../helpers/peers/webtorrent-seeder.ts';

const PIECE_LENGTH = 32 * 1024;
const PIECES = 6;
const TARPIT_PORTS = 128;
/** Timers, the seeder's audit and closing 128 sockets; far below the 12 s a round took before. */
const SLACK_MS = 2_000;

let work: string;
let content: Buffer;
let target: AuditTarget;
let torrent: Buffer;
let seeder: Seeder;
const cleanups: Array<() => Promise<void>> = [];

interface Tarpit {
  peers: PeerAddress[];
  /** Connections accepted so far, and the most open at once. */
  accepted: number;
  maxOpen: number;
}

/** `count` ports on `host` that accept a connection and never send a byte. */
async function startTarpit(host: string, count: number): Promise<Tarpit> {
  const sockets = new Set<net.Socket>();
  const servers: net.Server[] = [];
  const tarpit: Tarpit = { peers: [], accepted: 0, maxOpen: 0 };
  for (let i = 0; i < count; i++) {
    const server = net.createServer((socket) => {
      tarpit.accepted++;
      sockets.add(socket);
      tarpit.maxOpen = Math.max(tarpit.maxOpen, sockets.size);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    servers.push(server);
    tarpit.peers.push({ host, port: (server.address() as net.AddressInfo).port });
  }
  cleanups.push(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  });
  return tarpit;
}

async function fake(opts: Partial<FakePeerOptions> = {}): Promise<FakePeer> {
  const peer = await startFakePeer({ infoHash: target.infoHash, pieceLength: PIECE_LENGTH, data: content, ...opts });
  cleanups.push(() => peer.close());
  return peer;
}

const at = (results: CensusResult[], p: PeerAddress) => results.find((r) => r.host === p.host && r.port === p.port)!;

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-census-budget-'));
  content = randomBytes(PIECES * PIECE_LENGTH);
  const rel = 'a/ab/Budget.bin';
  const abs = path.join(work, 'commons', rel);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, content);
  const built = await createVolumeTorrent({ files: [{ path: rel, length: content.length, absPath: abs }], pieceLength: PIECE_LENGTH, urlList: [] });
  await closeHashWorkers();
  torrent = built.torrent;
  const t = parseVolumeTorrent(torrent);
  target = { infoHash: t.infoHash, pieceLength: t.pieceLength, totalBytes: t.totalBytes, pieces: t.pieces };
  seeder = await startSeeder({ torrent, dir: work });
  cleanups.push(() => seeder.close());
});

afterAll(async () => {
  await Promise.allSettled(cleanups.map((c) => c()));
  if (work) await rm(work, { recursive: true, force: true });
});

describe('census budgets', () => {
  it('a round over 128 tarpit ports on one address and one real seeder ends within a handshake timeout; the seeder passes', async () => {
    const tarpit = await startTarpit('127.0.0.2', TARPIT_PORTS);
    const real = { host: '127.0.0.1', port: seeder.port };
    const backoff = new HostBackoff();
    const bound = DEFAULT_HANDSHAKE_TIMEOUT_MS + SLACK_MS;

    let started = performance.now();
    let results = await runCensus([{ target, peers: [...tarpit.peers, real] }], { backoff });
    let elapsed = performance.now() - started;
    expect(elapsed, `first round took ${Math.round(elapsed)} ms`).toBeLessThan(bound);
    expect(at(results, real).audited?.ok, at(results, real).error).toBe(true);
    // One socket on the tarpit address (it never completed a handshake), then its other ports wait for the next round.
    expect(tarpit.maxOpen).toBe(1);
    expect(tarpit.accepted).toBe(1);
    const tarpitResults = tarpit.peers.map((p) => at(results, p));
    expect(tarpitResults.every((r) => r.audited === null)).toBe(true);
    const carried = tarpitResults.filter((r) => r.carried);
    expect(carried.length).toBe(TARPIT_PORTS - tarpit.accepted);
    expect(carried[0]!.error).toMatch(/not audited this round: its host did not answer/);
    expect(tarpitResults.filter((r) => !r.carried).every((r) => /timed out waiting for the handshake/.test(r.error ?? ''))).toBe(true);
    expect(backoff.level('127.0.0.2')).toBe(1);
    expect(backoff.level('127.0.0.1')).toBe(0);

    // Next round: the backed-off address gets one probe, still retried, still bounded.
    const acceptedBefore = tarpit.accepted;
    started = performance.now();
    results = await runCensus([{ target, peers: [...tarpit.peers, real] }], { backoff });
    elapsed = performance.now() - started;
    expect(elapsed, `second round took ${Math.round(elapsed)} ms`).toBeLessThan(bound);
    expect(tarpit.accepted - acceptedBefore).toBe(1);
    expect(at(results, real).audited?.ok).toBe(true);
    expect(backoff.level('127.0.0.2')).toBe(2);
  });

  it('peers that never unchoke hold no transfer slot and strike their host out like a tarpit', async () => {
    const UNCHOKE_MS = 1_500;
    const stubborn = await Promise.all(Array.from({ length: 16 }, () => fake({ host: '127.0.0.3', behaviour: 'never-unchoke' })));
    const honest = await Promise.all(Array.from({ length: 4 }, () => fake()));
    const order: string[] = [];
    const started = performance.now();
    const results = await runCensus([{ target, peers: [...stubborn, ...honest].map((p) => ({ host: p.host, port: p.port })) }], {
      concurrency: 1, unchokeTimeoutMs: UNCHOKE_MS, onResult: (r) => order.push(r.host),
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(UNCHOKE_MS + SLACK_MS);
    // With one transfer slot, the honest peers still finish first: the waiting ones hold none.
    expect(order.slice(0, 4)).toEqual(Array(4).fill('127.0.0.1'));
    expect(results.slice(16).every((r) => r.audited?.ok)).toBe(true);
    const waited = results.slice(0, 16).filter((r) => !r.carried);
    expect(waited.length).toBe(DEFAULT_MAX_PER_HOST);
    for (const r of waited) expect(r.error).toMatch(/timed out waiting for an unchoke/);
    expect(stubborn.reduce((n, p) => n + p.connections, 0)).toBe(DEFAULT_MAX_PER_HOST);
  });

  it('ends a round at its budget and carries the audits it did not finish', async () => {
    const BUDGET_MS = 500;
    const silent = await Promise.all(Array.from({ length: 3 }, (_, i) => fake({ host: `127.0.0.${20 + i}`, behaviour: 'silent' })));
    const honest = await fake();
    const started = performance.now();
    const results = await runCensus([{ target, peers: [...silent, honest].map((p) => ({ host: p.host, port: p.port })) }], {
      roundBudgetMs: BUDGET_MS, handshakeTimeoutMs: 10_000,
    });
    expect(performance.now() - started).toBeLessThan(BUDGET_MS + SLACK_MS);
    expect(results[3]!.audited?.ok).toBe(true);
    for (const r of results.slice(0, 3)) {
      expect(r.carried).toBe(true);
      expect(r.error).toMatch(/budget ran out/);
    }
  });

  it('retries a peer that drops a fresh connection later in the round, not at once', async () => {
    const RETRY_MS = 600;
    const honest = await fake();
    // Drops the first connection as soon as it arrives (as Transmission drops a quick reconnect), then relays to an honest peer.
    const connectedAt: number[] = [];
    const dropper = net.createServer((socket) => {
      connectedAt.push(performance.now());
      if (connectedAt.length === 1) return socket.destroy();
      const upstream = net.connect(honest.port, '127.0.0.1');
      socket.pipe(upstream).pipe(socket);
      socket.on('error', () => upstream.destroy());
      upstream.on('error', () => socket.destroy());
    });
    await new Promise<void>((resolve) => dropper.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => dropper.close(() => resolve())));
    const [r] = await runCensus([{ target, peers: [{ host: '127.0.0.1', port: (dropper.address() as net.AddressInfo).port }] }], { retryDelayMs: RETRY_MS });
    expect(r!.audited?.ok, r!.error).toBe(true);
    expect(connectedAt.length).toBe(2);
    expect(connectedAt[1]! - connectedAt[0]!).toBeGreaterThanOrEqual(RETRY_MS - 50);
  });

  it('audits an allowed-fast piece (BEP 6) of a peer that never unchokes, without waiting for an unchoke', async () => {
    const peer = await fake({ behaviour: 'never-unchoke', fast: true, allowedFast: [2, 4] });
    const started = performance.now();
    const [r] = await runCensus([{ target, peers: [{ host: peer.host, port: peer.port }] }], { unchokeTimeoutMs: 10_000 });
    expect(r!.audited?.ok, r!.error).toBe(true);
    expect([2, 4]).toContain(r!.audited!.piece);
    expect(performance.now() - started).toBeLessThan(SLACK_MS);
  });

  it('puts the peers of volumes under their copy target first, then the oldest verdicts', async () => {
    const peers = await Promise.all(Array.from({ length: 4 }, () => fake()));
    const [p0, p1, p2, p3] = peers.map((p) => ({ host: p.host, port: p.port }));
    const verdicts = new Map([[p1!.port, 1_000], [p0!.port, 2_000]]);
    const order: number[] = [];
    await runCensus([
      { target, peers: [p0!, p1!], margin: 2 },
      { target, peers: [p2!], margin: -1 },
      { target, peers: [p3!], margin: 0 },
    ], { concurrency: 1, maxPerHost: 1, lastVerdictAt: (_ih, p) => verdicts.get(p.port), onResult: (r) => order.push(r.port) });
    expect(order).toEqual([p2!.port, p3!.port, p1!.port, p0!.port]);
  });
});
