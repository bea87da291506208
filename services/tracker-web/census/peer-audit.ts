/**
 * Audits one peer for one torrent over the BitTorrent peer protocol (plain TCP, no
 * encryption): handshake, read what it claims, get unchoked, download one random claimed
 * piece in full and check it against the torrent's piece hash. The peer is untrusted: every
 * byte passes a FrameGuard before bittorrent-protocol parses it, every phase has a deadline,
 * and misbehaviour becomes a field of the result, never an exception.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import Wire from 'bittorrent-protocol';
import { SeedbankError } from '../../../shared/errors.ts';
import { FrameGuard, MAX_EXTENDED_MESSAGE_BYTES } from '../../../shared/torrent/frame-guard.ts';
import { PeerClaims } from './peer-claims.ts';
import { BLOCK_BYTES, PieceFetch } from './piece-fetch.ts';

export interface AuditTarget {
  /** Hex v1 info hash. */
  infoHash: string;
  pieceLength: number;
  totalBytes: number;
  /** Concatenated 20-byte SHA-1 piece hashes. */
  pieces: Buffer;
}

export interface PeerAddress {
  host: string;
  port: number;
}

export interface PeerAuditResult {
  host: string;
  port: number;
  infoHash: string;
  /** A TCP connection was established (the peer may still have spoken nonsense). */
  reachable: boolean;
  havePieces: number;
  complete: boolean;
  /** What the peer claims, as a BEP 3 bitfield (spare bits clear); null if it claimed nothing. */
  bitfield: Buffer | null;
  /** The verdict on the piece downloaded; null when no verdict was reached (see `error`). */
  audited: { piece: number; ok: boolean; ms: number } | null;
  /** Why the audit stopped short, or what the peer did wrong. */
  error?: string;
  /** Wall time of the whole audit. */
  ms: number;
  /** When the audit ended, ms since the epoch: copy counts only trust recent audits. */
  at: number;
}

export interface AuditOptions {
  /** 20 bytes; default a fresh `-SB0001-` id. A census reuses one id for all its connections. */
  peerId?: Buffer;
  /** Budget for the whole audit; default 10 s. Each phase also has its own shorter limit. */
  timeoutMs?: number;
  /** Chooses the audited piece; default Math.random. */
  random?: () => number;
  signal?: AbortSignal;
  /** Local address to connect from. */
  localAddress?: string;
}

export const DEFAULT_AUDIT_TIMEOUT_MS = 10_000;
const CONNECT_TIMEOUT_MS = 3_000;
const HANDSHAKE_TIMEOUT_MS = 3_000;
/** Time for the bitfield (or haves) after the handshake; a peer with no pieces may send none. */
const CLAIMS_TIMEOUT_MS = 3_000;
const UNCHOKE_TIMEOUT_MS = 5_000;
/** Requests kept outstanding: 512 KiB at 16 KiB blocks, well under any client's queue limit. */
const MAX_IN_FLIGHT_BLOCKS = 32;
const MAX_PORT = 65_535;
const PEER_ID_PREFIX = '-SB0001-';
const PEER_ID_BYTES = 20;
const SHA1_BYTES = 20;
const HAVE_MESSAGE_BYTES = 9;
/** Headroom for the handshake, extension messages, keep-alives and repeats of what we asked for. */
const PROTOCOL_ALLOWANCE_BYTES = 4 * MAX_EXTENDED_MESSAGE_BYTES;

type FailureKind = 'unreachable' | 'protocol' | 'timeout' | 'bad-data' | 'aborted';

class AuditFailure extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}

interface Waiter {
  ready: () => boolean;
  resolve: () => void;
  reject: (err: AuditFailure) => void;
}

/** A peer id in Azureus style for this census client. */
export function censusPeerId(): Buffer {
  return Buffer.concat([Buffer.from(PEER_ID_PREFIX, 'latin1'), randomBytes(PEER_ID_BYTES - PEER_ID_PREFIX.length)]);
}

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
  private readonly deadline: number;
  private readonly infoHash: string;
  private readonly claims: PeerClaims;
  private readonly guard: FrameGuard;
  private socket: net.Socket | null = null;
  private wire: Wire | null = null;
  private connected = false;
  private handshaken = false;
  private fetch: PieceFetch | null = null;
  private failure: AuditFailure | null = null;
  private waiter: Waiter | null = null;
  private settled = false;

  constructor(private readonly peer: PeerAddress, private readonly target: AuditTarget, private readonly pieceCount: number, private readonly opts: AuditOptions) {
    this.deadline = this.started + (opts.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS);
    this.infoHash = target.infoHash.toLowerCase();
    this.claims = new PeerClaims(pieceCount);
    const bitfieldBytes = Math.ceil(pieceCount / 8);
    this.guard = new FrameGuard({
      pieceCount,
      maxBlockBytes: BLOCK_BYTES,
      maxTotalBytes: PROTOCOL_ALLOWANCE_BYTES + 2 * bitfieldBytes + 2 * HAVE_MESSAGE_BYTES * pieceCount + 2 * target.pieceLength,
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
      if (this.failure) throw this.failure;
      const wire = this.open();
      await this.until('a TCP connection', CONNECT_TIMEOUT_MS, () => this.connected);
      wire.handshake(this.infoHash, this.opts.peerId ?? censusPeerId(), { dht: false, fast: true });
      await this.until('the handshake', HANDSHAKE_TIMEOUT_MS, () => this.handshaken);
      // Not earlier: webtorrent looks up the torrent asynchronously after the handshake and
      // drops an `interested` that arrives before it has subscribed, leaving us choked.
      wire.interested();
      await this.until('a bitfield or have message', CLAIMS_TIMEOUT_MS, () => this.claims.known);
      if (this.claims.havePieces === 0) return this.result(null);
      await this.until('an unchoke', UNCHOKE_TIMEOUT_MS, () => !wire.peerChoking);
      const piece = this.claims.pick(this.opts.random ?? Math.random)!;
      const fetchStarted = performance.now();
      const length = Math.min(this.target.pieceLength, this.target.totalBytes - piece * this.target.pieceLength);
      this.fetch = new PieceFetch(piece, length, this.target.pieces.subarray(piece * SHA1_BYTES, (piece + 1) * SHA1_BYTES));
      this.requestBlocks();
      try {
        await this.until(`all blocks of piece ${piece}`, Infinity, () => this.fetch!.complete);
      } catch (err) {
        if (err instanceof AuditFailure && err.kind === 'bad-data') audited = { piece, ok: false, ms: performance.now() - fetchStarted };
        throw err;
      }
      const ok = this.fetch.verify();
      audited = { piece, ok, ms: performance.now() - fetchStarted };
      return this.result(audited, ok ? undefined : `piece ${piece} does not match its hash in the torrent`);
    } catch (err) {
      if (!(err instanceof AuditFailure)) throw err; // our own bug: let it surface
      return this.result(audited, err.message);
    } finally {
      this.opts.signal?.removeEventListener('abort', abort);
      this.close();
    }
  }

  /** Connects and joins socket and Wire through the guard; all outcomes arrive as events. */
  private open(): Wire {
    const wire = new Wire('tcpOutgoing');
    this.wire = wire;
    const socket = net.connect({ host: this.peer.host, port: this.peer.port, localAddress: this.opts.localAddress });
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.connected = true;
      this.poke();
    });
    socket.on('error', (err) => this.fail(this.connected ? 'protocol' : 'unreachable', `${this.connected ? 'connection error' : 'cannot connect'}: ${err.message}`));
    socket.on('close', () => this.fail(this.connected ? 'protocol' : 'unreachable', 'peer closed the connection'));
    socket.on('data', (chunk: Buffer) => {
      if (this.settled || this.failure) return;
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
      if (this.failure || this.settled) return;
      if (infoHash.toLowerCase() !== this.infoHash) return this.fail('protocol', `peer answered for info hash ${infoHash}, not ${this.infoHash}`);
      this.handshaken = true;
      this.poke();
    });
    wire.on('bitfield', (bf) => this.claimed(() => this.claims.applyBitfield(bf.buffer)));
    wire.on('have', (index) => this.claimed(() => this.claims.applyHave(index)));
    wire.on('have-all', () => this.claimed(() => this.claims.applyHaveAll()));
    wire.on('have-none', () => this.claimed(() => this.claims.applyHaveNone()));
    wire.on('unchoke', () => {
      this.requestBlocks();
      this.poke();
    });
    wire.on('piece', (index, offset, block) => {
      if (this.settled) return;
      if (!this.fetch) return this.fail('protocol', `peer sent a block of piece ${index} that was never requested`);
      const problem = this.fetch.accept(index, offset, block);
      if (problem) return this.fail('bad-data', problem);
      this.requestBlocks();
      this.poke();
    });
    return wire;
  }

  /** Applies a claim unless the peer already failed (the Wire goes on parsing the rest of a chunk). */
  private claimed(apply: () => string | null): void {
    if (this.failure || this.settled) return;
    const problem = apply();
    if (problem) this.fail('protocol', problem);
    else this.poke();
  }

  /** Keeps up to MAX_IN_FLIGHT_BLOCKS requests out while the peer lets us ask. */
  private requestBlocks(): void {
    const wire = this.wire;
    const fetch = this.fetch;
    if (!wire || !fetch || this.settled || this.failure || wire.peerChoking) return;
    for (const block of fetch.take(MAX_IN_FLIGHT_BLOCKS)) {
      wire.request(fetch.index, block.offset, block.length, (err) => {
        // Success is handled by the 'piece' event, which also sees blocks nobody asked for.
        if (!err || this.settled) return;
        const problem = fetch.refused(block.offset, err.message);
        if (problem) this.fail('protocol', problem);
        else this.requestBlocks();
      });
    }
  }

  /** Waits until `ready()` holds, failing on the first peer failure or after `phaseMs` (bounded by the total budget). */
  private until(what: string, phaseMs: number, ready: () => boolean): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (ready()) return Promise.resolve();
    const left = Math.max(0, this.deadline - performance.now());
    const ms = Math.min(phaseMs, left);
    const limit = ms === phaseMs ? `${Math.round(ms)} ms` : `the audit's ${this.opts.timeoutMs ?? DEFAULT_AUDIT_TIMEOUT_MS} ms budget`;
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => this.fail('timeout', `timed out waiting for ${what} (limit: ${limit})`), ms);
      const done = () => clearTimeout(timer);
      this.waiter = {
        ready,
        resolve: () => { done(); resolve(); },
        reject: (e) => { done(); reject(e); },
      };
    });
  }

  /** Re-evaluates the current wait after any event. */
  private poke(): void {
    const w = this.waiter;
    if (!w) return;
    if (this.failure) {
      this.waiter = null;
      w.reject(this.failure);
    } else if (w.ready()) {
      this.waiter = null;
      w.resolve();
    }
  }

  /** Records the first failure (later ones are consequences of it) and wakes the waiter. */
  private fail(kind: FailureKind, message: string): void {
    if (this.settled) return;
    this.failure ??= new AuditFailure(kind, message);
    this.poke();
  }

  private close(): void {
    this.settled = true;
    this.waiter = null;
    this.socket?.destroy();
    this.wire?.destroy();
  }

  private result(audited: PeerAuditResult['audited'], error?: string): PeerAuditResult {
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
    };
    if (error !== undefined) r.error = error;
    return r;
  }
}
