/**
 * Audits one peer for one torrent over the BitTorrent peer protocol (plain TCP, no
 * encryption): handshake, read what it claims, get unchoked, download one random claimed
 * piece in full and check it against the torrent's piece hash (or, with a cache of verified
 * pieces, one random block of a cached piece the peer claims, compared byte for byte:
 * verified-pieces.ts); meanwhile, when the peer offers
 * it, ask for its operator key (operator-proof.ts). The peer is untrusted: every
 * byte passes a FrameGuard before bittorrent-protocol parses it, every phase has a deadline,
 * and misbehaviour becomes a field of the result, never an exception.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import Wire from 'bittorrent-protocol';
import { SeedbankError } from '../../../shared/errors.ts';
import { FrameGuard, MAX_EXTENDED_MESSAGE_BYTES } from '../../../shared/torrent/frame-guard.ts';
import { CensusOperatorExtension, CensusOperatorProof, OPERATOR_PROOF_WAIT_MS } from './operator-proof.ts';
import { PeerClaims } from './peer-claims.ts';
import { AuditFailure, AuditWaits } from './audit-waits.ts';
import { BLOCK_BYTES, PieceFetch } from './piece-fetch.ts';
import type { AuditCheck } from './verified-pieces.ts';
import type { AuditOptions, AuditPhase, AuditTarget, FailureKind, PeerAddress, PeerAuditResult } from './audit-types.ts';

import { censusPeerId } from './audit-types.ts';

export { censusPeerId } from './audit-types.ts';
export type { AuditOptions, AuditPhase, AuditTarget, FailureKind, PeerAddress, PeerAuditResult } from './audit-types.ts';

/** Covers a full unchoke wait plus a piece download. */
export const DEFAULT_AUDIT_TIMEOUT_MS = 45_000;
/** Connect and handshake together: an honest peer answers within a few round trips. */
export const DEFAULT_HANDSHAKE_TIMEOUT_MS = 4_000;
/** Time for the bitfield (or haves) after the handshake; a peer with no pieces may send none. */
const CLAIMS_TIMEOUT_MS = 3_000;
/** Transmission and libtorrent decide whom to unchoke every 10 s (15 s for some); three rounds of that. */
export const DEFAULT_UNCHOKE_TIMEOUT_MS = 30_000;
/** One piece once unchoked: 4 MiB at 2 Mbit/s, a slow uplink. */
const PIECE_TIMEOUT_MS = 20_000;
/** Requests kept outstanding: 512 KiB at 16 KiB blocks, well under any client's queue limit. */
const MAX_IN_FLIGHT_BLOCKS = 32;
const MAX_PORT = 65_535;
const SHA1_BYTES = 20;
const HAVE_MESSAGE_BYTES = 9;
/** Headroom for the handshake, extension messages, keep-alives and repeats of what we asked for. */
const PROTOCOL_ALLOWANCE_BYTES = 4 * MAX_EXTENDED_MESSAGE_BYTES;

/** Throws when the target itself is inconsistent: that is the caller's bug, not the peer's. */
function checkTarget(t: AuditTarget): number {
  const count = Math.ceil(t.totalBytes / t.pieceLength);
  if (!/^[0-9a-fA-F]{40}$/.test(t.infoHash) || !Number.isSafeInteger(t.pieceLength) || t.pieceLength <= 0
    || !Number.isSafeInteger(t.totalBytes) || t.totalBytes <= 0 || t.pieces.length !== count * SHA1_BYTES) {
    throw new SeedbankError('CENSUS_BAD_TARGET', `audit target ${t.infoHash} is inconsistent: ${t.totalBytes} bytes in ${t.pieceLength}-byte pieces need ${count} hashes, got ${t.pieces.length / SHA1_BYTES}`, {
      hint: 'build the target from parseVolumeTorrent()',
    });
  }
  return count;
}

/** Audits one peer for one torrent; always resolves, with what was learned and what went wrong. */
export async function auditPeer(peer: PeerAddress, target: AuditTarget, opts: AuditOptions = {}): Promise<PeerAuditResult> {
  return new AuditSession(peer, target, checkTarget(target), opts).run();
}

class AuditSession {
  private readonly started = performance.now();
  private readonly waits: AuditWaits;
  private readonly infoHash: string;
  private readonly claims: PeerClaims;
  private readonly guard: FrameGuard;
  private readonly proof: CensusOperatorProof;
  private socket: net.Socket | null = null;
  private wire: Wire | null = null;
  private connected = false;
  private handshaken = false;
  private fetch: PieceFetch | null = null;
  private settled = false;
  private phase: AuditPhase = 'connect';
  private releaseSlot: (() => void) | null = null;
  private readonly slotAbort = new AbortController();

  constructor(private readonly peer: PeerAddress, private readonly target: AuditTarget, private readonly pieceCount: number, private readonly opts: AuditOptions) {
    this.waits = new AuditWaits(this.started, opts.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS, (kind, message) => this.fail(kind, message));
    this.infoHash = target.infoHash.toLowerCase();
    this.claims = new PeerClaims(pieceCount);
    this.proof = new CensusOperatorProof(this.infoHash, (id, payload) => this.sendExtended(id, payload));
    const bitfieldBytes = Math.ceil(pieceCount / 8);
    this.guard = new FrameGuard({
      pieceCount,
      maxBlockBytes: BLOCK_BYTES,
      maxTotalBytes: PROTOCOL_ALLOWANCE_BYTES + 2 * bitfieldBytes + 2 * HAVE_MESSAGE_BYTES * pieceCount + 2 * target.pieceLength,
      onExtended: (body) => {
        if (!this.settled && !this.waits.failure) this.proof.onExtended(body);
      },
    });
  }

  async run(): Promise<PeerAuditResult> {
    let audited: PeerAuditResult['audited'] = null;
    const abort = () => this.fail('aborted', `audit aborted: ${String(this.opts.signal?.reason ?? 'signal')}`);
    this.opts.signal?.addEventListener('abort', abort, { once: true });
    try {
      if (this.opts.signal?.aborted) abort();
      if (!Number.isInteger(this.peer.port) || this.peer.port < 1 || this.peer.port > MAX_PORT) {
        this.fail('unreachable', `port ${this.peer.port} is not a TCP port`);
      }
      if (this.waits.failure) throw this.waits.failure;
      const wire = this.open();
      const handshakeBy = this.started + (this.opts.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS);
      await this.waits.until('a TCP connection', handshakeBy - performance.now(), () => this.connected);
      this.phase = 'handshake';
      wire.handshake(this.infoHash, this.opts.peerId ?? censusPeerId(), { dht: false, fast: true });
      await this.waits.until('the handshake', handshakeBy - performance.now(), () => this.handshaken);
      this.opts.onHandshake?.();
      this.phase = 'claims';
      // BEP 6: with the fast extension on both sides, a peer must say what it has; we have nothing.
      if (wire.hasFast) wire.haveNone();
      // Not earlier: webtorrent looks up the torrent asynchronously after the handshake and
      // drops an `interested` that arrives before it has subscribed, leaving us choked.
      wire.interested();
      await this.waits.until('a bitfield or have message', CLAIMS_TIMEOUT_MS, () => this.claims.known);
      if (this.claims.havePieces === 0) return this.result(null);
      const focus = this.focusClaimed();
      if (focus?.length === 0) return this.result(null, 'nothing to audit: the peer claims none of the pieces that hold files a newer volume changed');
      // An idle socket while the peer's choker comes round: it holds no transfer slot.
      this.phase = 'unchoke';
      await this.waits.until('an unchoke', this.opts.unchokeTimeoutMs ?? DEFAULT_UNCHOKE_TIMEOUT_MS, () => !wire.peerChoking || this.allowedFastPieces().length > 0);
      this.phase = 'slot';
      const random = this.opts.random ?? Math.random;
      // Still choked means the peer offered allowed-fast pieces (BEP 6): audit one of those now
      // rather than wait out its choker. The peer picks that set (from our address), so such a
      // verdict is weaker than a uniformly random piece; an unchoked peer always gets the latter.
      const fast = wire.peerChoking ? this.allowedFastPieces() : [];
      const among = fast.length > 0 ? fast : focus;
      const pickClaimed = () => among ? among[Math.min(among.length - 1, Math.max(0, Math.floor(random() * among.length) || 0))]! : this.claims.pick(random)!;
      // A focused audit (double claims) hashes one of the conflicting pieces in full.
      const check: AuditCheck = this.opts.verified && this.opts.blockChallenge !== false && !focus
        ? this.opts.verified.choose(this.infoHash, (p) => fast.length > 0 ? fast.includes(p) : this.claims.has(p), pickClaimed, random, (p) => this.pieceLengthOf(p))
        : { kind: 'piece', piece: pickClaimed() };
      const piece = check.piece;
      const acquire = this.opts.acquireTransferSlot;
      if (acquire) {
        await this.waits.offTheClock('a transfer slot', acquire(this.slotAbort.signal).then((release) => {
          if (this.settled) release();
          else this.releaseSlot = release;
        }));
      }
      const throttle = this.opts.throttle;
      if (throttle) await this.waits.offTheClock('the census rate budget', throttle(check.kind === 'piece' ? this.pieceLengthOf(piece) : check.expected.length, this.slotAbort.signal));
      this.phase = 'transfer';
      const fetchStarted = performance.now();
      const length = this.pieceLengthOf(piece);
      this.fetch = new PieceFetch(piece, length, check.kind === 'piece'
        ? { sha1: this.target.pieces.subarray(piece * SHA1_BYTES, (piece + 1) * SHA1_BYTES) }
        : { offset: check.offset, bytes: check.expected });
      this.requestBlocks();
      try {
        await this.waits.until(check.kind === 'piece' ? `all blocks of piece ${piece}` : `block ${check.offset} of piece ${piece}`, PIECE_TIMEOUT_MS, () => this.fetch!.complete);
      } catch (err) {
        if (err instanceof AuditFailure && err.kind === 'bad-data') audited = { piece, ok: false, ms: performance.now() - fetchStarted, check: check.kind };
        throw err;
      }
      const ok = this.fetch.verify();
      audited = { piece, ok, ms: performance.now() - fetchStarted, check: check.kind };
      if (ok && check.kind === 'piece') this.opts.verified?.put(this.infoHash, piece, this.fetch.data);
      // The proof usually came with the first round trip; a slow one gets a short, bounded wait.
      await this.proof.settled(Math.min(OPERATOR_PROOF_WAIT_MS, this.waits.deadline - performance.now()));
      const wrong = check.kind === 'piece'
        ? `piece ${piece} does not match its hash in the torrent`
        : `block ${check.offset} of piece ${piece} differs from the bytes the census verified against the piece hash`;
      return this.result(audited, ok ? undefined : wrong);
    } catch (err) {
      if (!(err instanceof AuditFailure)) throw err; // our own bug: let it surface
      return this.result(audited, err.message, err.kind);
    } finally {
      this.opts.signal?.removeEventListener('abort', abort);
      this.close();
    }
  }

  /** Connects and joins socket and Wire through the guard; all outcomes arrive as events. */
  private open(): Wire {
    const wire = new Wire('tcpOutgoing');
    this.wire = wire;
    wire.use(CensusOperatorExtension); // so our extension handshake offers sb_operator
    const socket = net.connect({ host: this.peer.host, port: this.peer.port, localAddress: this.opts.localAddress });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.waits.poke();
    });
    socket.on('error', (err) => this.fail(this.connected ? 'closed' : 'unreachable', `${this.connected ? 'connection error' : 'cannot connect'}: ${err.message}`));
    socket.on('close', () => this.fail(this.connected ? 'closed' : 'unreachable', 'peer closed the connection'));
    socket.on('data', (chunk: Buffer) => {
      if (this.settled || this.waits.failure) return;
      const { pass, problem } = this.guard.filter(chunk);
      if (problem !== undefined) this.fail('protocol', problem);
      else if (pass.length > 0) wire.write(pass);
    });
    // The Wire emits each message separately (16+ requests per piece); one write per burst
    // saves a syscall per message, a tenth of the census's CPU on loopback.
    let outgoing: Uint8Array[] = [];
    const flush = () => {
      if (!socket.destroyed) socket.write(outgoing.length === 1 ? outgoing[0]! : Buffer.concat(outgoing));
      outgoing = [];
    };
    wire.on('data', (chunk) => {
      if (outgoing.push(chunk) === 1) queueMicrotask(flush);
    });
    wire.on('error', (err) => this.fail('protocol', `protocol error: ${err.message}`));
    // The Wire ends itself on some violations (e.g. BEP 6 messages without the fast extension).
    wire.on('finish', () => this.fail('protocol', 'peer broke the protocol (connection ended by the parser)'));
    wire.on('handshake', (infoHash) => {
      if (this.waits.failure || this.settled) return;
      if (infoHash.toLowerCase() !== this.infoHash) return this.fail('protocol', `peer answered for info hash ${infoHash}, not ${this.infoHash}`);
      this.handshaken = true;
      queueMicrotask(() => this.releaseExtended());
      this.waits.poke();
    });
    wire.on('bitfield', (bf) => this.claimed(() => this.claims.applyBitfield(bf.buffer)));
    wire.on('have', (index) => this.claimed(() => this.claims.applyHave(index)));
    wire.on('have-all', () => this.claimed(() => this.claims.applyHaveAll()));
    wire.on('have-none', () => this.claimed(() => this.claims.applyHaveNone()));
    wire.on('unchoke', () => {
      this.requestBlocks();
      this.waits.poke();
    });
    wire.on('allowed-fast', () => this.waits.poke());
    wire.on('piece', (index, offset, block) => {
      if (this.settled) return;
      if (!this.fetch) return this.fail('protocol', `peer sent a block of piece ${index} that was never requested`);
      const problem = this.fetch.accept(index, offset, block);
      if (problem) return this.fail('bad-data', problem);
      this.requestBlocks();
      this.waits.poke();
    });
    return wire;
  }

  private heldExtended: Array<[number, Buffer]> | null = [];

  /**
   * Sends a BEP 10 message, but never before our own extension handshake: the peer's arrives
   * with its handshake, often in the same packet, so the guard hands it over before the Wire
   * has even parsed the handshake, and a challenge sent then would reach a peer that does not
   * yet know our extension ids.
   */
  private sendExtended(id: number, payload: Buffer): void {
    if (this.heldExtended) this.heldExtended.push([id, payload]);
    else if (!this.settled) this.wire?.extended(id, payload);
  }

  /** Our extension handshake is out (the Wire sends it right after the 'handshake' event): release what was held. */
  private releaseExtended(): void {
    const held = this.heldExtended ?? [];
    this.heldExtended = null;
    for (const [id, payload] of held) this.sendExtended(id, payload);
  }

  /** Applies a claim unless the peer already failed (the Wire goes on parsing the rest of a chunk). */
  private claimed(apply: () => string | null): void {
    if (this.waits.failure || this.settled) return;
    const problem = apply();
    if (problem) this.fail('protocol', problem);
    else this.waits.poke();
  }

  /** Claimed pieces the peer lets us fetch while it chokes us (BEP 6 allowed-fast), within the focus when there is one. */
  private allowedFastPieces(): number[] {
    const wire = this.wire;
    if (!wire?.hasFast) return [];
    const focus = this.opts.focusPieces ? new Set(this.opts.focusPieces) : null;
    return wire.peerAllowedFastSet.filter((i) => this.claims.has(i) && (!focus || focus.has(i)));
  }

  /** The focus pieces the peer claims, in order; null when the audit has no focus. */
  private focusClaimed(): number[] | null {
    if (!this.opts.focusPieces) return null;
    return [...new Set(this.opts.focusPieces)].filter((i) => this.claims.has(i)).sort((a, b) => a - b);
  }

  /** This torrent's length of piece `index` (the last piece is shorter). */
  private pieceLengthOf(index: number): number {
    return Math.min(this.target.pieceLength, this.target.totalBytes - index * this.target.pieceLength);
  }

  /** Keeps up to MAX_IN_FLIGHT_BLOCKS requests out while the peer lets us ask. */
  private requestBlocks(): void {
    const wire = this.wire;
    const fetch = this.fetch;
    if (!wire || !fetch || this.settled || this.waits.failure) return;
    if (wire.peerChoking && !(wire.hasFast && wire.peerAllowedFastSet.includes(fetch.index))) return;
    for (const block of fetch.take(MAX_IN_FLIGHT_BLOCKS)) {
      const send = () => {
        wire.request(fetch.index, block.offset, block.length, (err) => {
          // Success is handled by the 'piece' event, which also sees blocks nobody asked for.
          if (!err || this.settled) return;
          const problem = fetch.refused(block.offset, err.message);
          if (problem) this.fail('protocol', problem);
          else this.requestBlocks();
        });
      };
      send();
    }
  }

  /** Records the first failure (later ones are consequences of it) and wakes the waiter. */
  private fail(kind: FailureKind, message: string): void {
    if (this.settled) return;
    this.proof.abandon(`connection ended before an operator proof: ${message}`);
    this.waits.fail(kind, message);
  }

  private close(): void {
    this.settled = true;
    this.waits.close();
    this.slotAbort.abort();
    this.releaseSlot?.();
    this.releaseSlot = null;
    this.socket?.destroy();
    this.wire?.destroy();
  }

  private result(audited: PeerAuditResult['audited'], error?: string, kind?: FailureKind): PeerAuditResult {
    const r: PeerAuditResult = {
      host: this.peer.host,
      port: this.peer.port,
      infoHash: this.infoHash,
      reachable: this.connected,
      havePieces: this.claims.havePieces,
      complete: this.claims.complete,
      bitfield: this.claims.toBuffer(),
      audited,
      ms: performance.now() - this.started,
      at: Date.now(),
      traffic: { in: this.socket?.bytesRead ?? 0, out: this.socket?.bytesWritten ?? 0 },
    };
    if (error !== undefined) r.error = error;
    r.operatorKey = this.proof.operatorKey;
    if (this.proof.error !== undefined) r.operatorError = this.proof.error;
    if (kind !== undefined) r.failure = { kind, phase: this.phase };
    return r;
  }
}
