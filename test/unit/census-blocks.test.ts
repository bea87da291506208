/**
 * Block challenges and the census rate budget, against scripted peers speaking the real peer
 * protocol on loopback: a piece verified once lets the census check other peers with one
 * 16 KiB block of it, a peer that lies about that block fails, and a round with a rate cap
 * takes at least as long as its bytes at that rate.
 */
import { createHash, randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { auditPeer, runCensus, VerifiedPieces, type AuditTarget } from '../../services/tracker-web/census/index.ts';
import { BLOCK_BYTES } from '../../services/tracker-web/census/piece-fetch.ts';
import { startFakePeer, type FakeBehaviour, type FakePeer } from '../helpers/peers/fake-peer.ts';

const PIECE = 256 * 1024;
const PIECES = 8;
const data = randomBytes(PIECE * PIECES - 1000); // a short last piece
const pieceHashes = Buffer.concat(Array.from({ length: PIECES }, (_, i) => createHash('sha1').update(data.subarray(i * PIECE, (i + 1) * PIECE)).digest()));
const infoHash = createHash('sha1').update(data).digest('hex'); // any 40-hex id: the fake peer answers for it
const target: AuditTarget = { infoHash, pieceLength: PIECE, totalBytes: data.length, pieces: pieceHashes };

const peers: FakePeer[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function peer(behaviour: FakeBehaviour = 'honest', claims?: (piece: number) => boolean): Promise<FakePeer> {
  const p = await startFakePeer({ infoHash, pieceLength: PIECE, data, behaviour, claims });
  peers.push(p);
  return p;
}

/** The length of piece `i` (the last one is shorter). */
const pieceBytes = (i: number) => Math.min(PIECE, data.length - i * PIECE);

/** A random source that returns the given values in turn, then 0.5. */
function scripted(...values: number[]): () => number {
  return () => values.shift() ?? 0.5;
}

describe('block challenges', () => {
  it('verifies a whole piece first, then checks another peer with one block of it', async () => {
    const verified = new VerifiedPieces(16 * PIECE, 0);
    // A full-length piece (0.3 of 8 pieces: piece 2), so the byte counts below are exact.
    const first = await auditPeer(await peer(), target, { verified, timeoutMs: 10_000, random: () => 0.3 });
    expect(first.audited).toMatchObject({ ok: true, check: 'piece' });
    expect(verified.bytes).toBe(pieceBytes(first.audited!.piece));
    expect(first.audited!.piece).toBe(2);
    expect(first.traffic!.in).toBeGreaterThan(PIECE);

    const second = await auditPeer(await peer(), target, { verified, timeoutMs: 10_000 });
    expect(second.audited).toMatchObject({ ok: true, check: 'block', piece: first.audited!.piece });
    // One block and the protocol around it: far less than the piece.
    expect(second.traffic!.in).toBeLessThan(BLOCK_BYTES + 4096);
    expect(second.traffic!.in).toBeGreaterThanOrEqual(BLOCK_BYTES);
  });

  it('fails a peer whose block differs from the verified bytes', async () => {
    const verified = new VerifiedPieces(16 * PIECE, 0);
    expect((await auditPeer(await peer(), target, { verified })).audited?.ok).toBe(true);
    const liar = await auditPeer(await peer('corrupt-block'), target, { verified });
    expect(liar.audited).toMatchObject({ ok: false, check: 'block' });
    expect(liar.error).toMatch(/differs from the bytes the census verified/);
  });

  it('audits a whole piece when the peer does not claim any cached piece', async () => {
    const verified = new VerifiedPieces(16 * PIECE, 0);
    // First peer holds only piece 0, second only piece 5: nothing cached is claimed by the second.
    expect((await auditPeer(await peer('honest', (i) => i === 0), target, { verified })).audited).toMatchObject({ ok: true, piece: 0 });
    const other = await auditPeer(await peer('honest', (i) => i === 5), target, { verified });
    expect(other.audited).toMatchObject({ ok: true, check: 'piece', piece: 5 });
    expect(verified.bytes).toBe(2 * PIECE);
  });

  it('still audits a whole random piece for the configured share of audits', async () => {
    const verified = new VerifiedPieces(16 * PIECE, 1 / 8);
    expect((await auditPeer(await peer(), target, { verified })).audited?.check).toBe('piece');
    // 0.05 < 1/8: this audit is one of the whole-piece share although a block challenge was possible.
    const whole = await auditPeer(await peer(), target, { verified, random: scripted(0.05) });
    expect(whole.audited?.check).toBe('piece');
    const block = await auditPeer(await peer(), target, { verified, random: scripted(0.9) });
    expect(block.audited?.check).toBe('block');
  });

  it('challenges the last, shorter piece with a block inside it', async () => {
    const verified = new VerifiedPieces(16 * PIECE, 0);
    const last = PIECES - 1;
    expect((await auditPeer(await peer('honest', (i) => i === last), target, { verified })).audited).toMatchObject({ ok: true, piece: last });
    // 0.999 picks the last block of the short piece.
    const r = await auditPeer(await peer('honest', (i) => i === last), target, { verified, random: scripted(0.999, 0.999) });
    expect(r.audited).toMatchObject({ ok: true, check: 'block', piece: last });
  });

  it('keeps within its byte bound, dropping the least recently used piece', () => {
    const verified = new VerifiedPieces(2 * PIECE, 0);
    for (let i = 0; i < 3; i++) verified.put(infoHash, i, data.subarray(i * PIECE, (i + 1) * PIECE));
    expect(verified.bytes).toBe(2 * PIECE);
    // Piece 0 went: a peer claiming only piece 0 gets a whole-piece audit.
    const check = verified.choose(infoHash, (p) => p === 0, () => 0, () => 0.5, () => PIECE);
    expect(check.kind).toBe('piece');
    expect(verified.choose(infoHash, (p) => p === 2, () => 2, () => 0.5, () => PIECE)).toMatchObject({ kind: 'block', piece: 2 });
  });
});

describe('census rate budget', () => {
  it('a capped round takes at least its bytes at the cap, and every honest peer still passes', async () => {
    const honest = await Promise.all(Array.from({ length: 6 }, () => peer()));
    const rate = 1024 * 1024; // 1 MiB/s
    const started = performance.now();
    const results = await runCensus([{ target, peers: honest.map((p) => ({ host: p.host, port: p.port })) }], { maxBytesPerSecond: rate, concurrency: 6 });
    const seconds = (performance.now() - started) / 1000;
    expect(results.every((r) => r.audited?.ok)).toBe(true);
    const bytes = results.reduce((s, r) => s + (r.audited ? Math.min(PIECE, data.length - r.audited.piece * PIECE) : 0), 0);
    // The bucket lets 0.1 s of burst through at once; the rest waits for the cap.
    expect(seconds).toBeGreaterThanOrEqual(bytes / rate - 0.1 - 0.05);
  });
});

describe('who gets a block challenge', () => {
  it('a peer not allowed one gets a whole piece, and what it verifies is still cached', async () => {
    const verified = new VerifiedPieces(16 * PIECE, 0);
    const first = await auditPeer(await peer(), target, { verified, blockChallenge: false });
    expect(first.audited).toMatchObject({ ok: true, check: 'piece' });
    expect(verified.bytes).toBe(pieceBytes(first.audited!.piece));
    const again = await auditPeer(await peer(), target, { verified, blockChallenge: false });
    expect(again.audited?.check).toBe('piece');
  });

  it('runCensus asks the caller per peer', async () => {
    const verified = new VerifiedPieces(16 * PIECE, 0);
    const [a, b] = [await peer(), await peer()];
    expect((await auditPeer(a, target, { verified })).audited?.ok).toBe(true);
    const results = await runCensus([{ target, peers: [a, b].map((p) => ({ host: p.host, port: p.port })) }], {
      verified, mayChallengeBlock: (_ih, p) => p.port === a.port,
    });
    expect(results.find((r) => r.port === a.port)?.audited?.check).toBe('block');
    expect(results.find((r) => r.port === b.port)?.audited?.check).toBe('piece');
  });
});
