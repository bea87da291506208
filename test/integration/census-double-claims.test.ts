// The census's focused audit of a host that claims a superseded volume and its successor
// (issue 11 §2), against peers on loopback that serve a volume whose second file was
// overwritten by a newer version's bytes while they go on claiming every piece: the focused
// audit lands on that file and fails it, where a random audit may pass.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ParsedVolumeTorrent } from '../../shared/torrent/index.ts';
import { conflictPieces, copiesPerFile, keepsVerdict, runCensus, type AuditTarget, type SupersededPair } from '../../services/tracker-web/census/index.ts';
import { startFakePeer, type FakePeer } from '../helpers/peers/fake-peer.ts';
import { makeVolumeFixture } from '../helpers/volume-fixture.ts';

const PIECE_LENGTH = 16 * 1024;
/** Kept.jpg covers pieces 0-3, Reuploaded.jpg pieces 4-6 (7 pieces). */
const FILES = [
  { path: 'a/ab/Kept.jpg', length: 65_536 },
  { path: 'c/cd/Reuploaded.jpg', length: 49_152 },
];
const ROUND_MS = 20_000;
const MAX_AGE_MS = 60 * 60 * 1000;

let work: string;
let parsed: ParsedVolumeTorrent;
let target: AuditTarget;
let content: Buffer;
let overwritten: Buffer;
let pair: SupersededPair;
const peers: FakePeer[] = [];

beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), 'seedbank-double-claims-'));
  const fixture = await makeVolumeFixture(work, FILES, PIECE_LENGTH);
  ({ content, parsed } = fixture);
  target = { infoHash: parsed.infoHash, pieceLength: parsed.pieceLength, totalBytes: parsed.totalBytes, pieces: parsed.pieces };
  // What a stock client's tree holds once the newer volume wrote its bytes at the shared path.
  overwritten = Buffer.from(content);
  for (let i = FILES[0]!.length; i < overwritten.length; i++) overwritten[i] = overwritten[i]! ^ 0x5a;
  pair = { older: { target, files: parsed.files }, newer: ['f'.repeat(40)], conflictPaths: ['c/cd/Reuploaded.jpg'] };
});

afterAll(async () => {
  for (const p of peers) await p.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function peer(data: Buffer, claims?: (piece: number) => boolean): Promise<{ host: string; port: number }> {
  const p = await startFakePeer({ infoHash: parsed.infoHash, pieceLength: PIECE_LENGTH, data, claims });
  peers.push(p);
  return { host: p.host, port: p.port };
}

describe('the census on a host that claims a superseded volume and its successor', () => {
  it('audits a piece of the conflicting file and fails a copy the newer bytes overwrote, where a random piece passes', async () => {
    const focus = conflictPieces(pair);
    expect(focus).toEqual([4, 5, 6]);
    const p = await peer(overwritten);
    // random() = 0 picks the first claimed piece: in Kept.jpg, which is intact.
    const [plain] = await runCensus([{ target, peers: [p] }], { random: () => 0, signal: AbortSignal.timeout(ROUND_MS) });
    expect(plain!.audited).toMatchObject({ piece: 0, ok: true });
    const [focused] = await runCensus([{ target, peers: [p], focusPieces: focus }], { random: () => 0, signal: AbortSignal.timeout(ROUND_MS) });
    expect(focused!.audited).toMatchObject({ piece: 4, ok: false });
    expect(focused!.error).toMatch(/does not match its hash/);
    // The failed verdict replaces the pass: the host is no copy of either file of the old volume, and flagged.
    const standing = keepsVerdict(plain, focused!) ? plain! : focused!;
    for (const c of copiesPerFile(parsed, [standing], { now: Date.now(), maxAgeMs: MAX_AGE_MS })) {
      expect(c.hosts, c.path).toEqual([]);
      expect(c.flagged, c.path).toEqual(['127.0.0.1']);
    }
  });

  it('passes a host that holds both versions correctly (as the Seedbank seeder keeps a re-upload apart)', async () => {
    const p = await peer(content);
    const [r] = await runCensus([{ target, peers: [p], focusPieces: conflictPieces(pair) }], { random: () => 0.99, signal: AbortSignal.timeout(ROUND_MS) });
    expect(r!.audited).toMatchObject({ piece: 6, ok: true });
  });

  it('gives no verdict to a host that no longer claims the conflicting pieces, so an earlier pass stops counting', async () => {
    const p = await peer(overwritten, (i) => i < 4);
    const [before] = await runCensus([{ target, peers: [p] }], { signal: AbortSignal.timeout(ROUND_MS) });
    expect(before!.audited?.ok).toBe(true);
    const [r] = await runCensus([{ target, peers: [p], focusPieces: conflictPieces(pair) }], { signal: AbortSignal.timeout(ROUND_MS) });
    expect(r!.audited).toBeNull();
    expect(r!.failure).toBeUndefined();
    expect(r!.error).toMatch(/claims none of the pieces/);
    expect(keepsVerdict(before, r!)).toBe(false);
  });
});
