/** What an audit of one peer for one torrent is given and what it finds (peer-audit.ts runs it). */
import { randomBytes } from 'node:crypto';
import type { VerifiedPieces } from './verified-pieces.ts';

const PEER_ID_PREFIX = '-SB0001-';
const PEER_ID_BYTES = 20;

/** A peer id in Azureus style for this census client. */
export function censusPeerId(): Buffer {
  return Buffer.concat([Buffer.from(PEER_ID_PREFIX, 'latin1'), randomBytes(PEER_ID_BYTES - PEER_ID_PREFIX.length)]);
}


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
  /** The verdict on the piece (or, `check: 'block'`, the one block of it) downloaded; null when no verdict was reached (see `error`). */
  audited: { piece: number; ok: boolean; ms: number; check?: 'piece' | 'block' } | null;
  /** Bytes this audit read from and wrote to the peer's socket, protocol overhead included. */
  traffic?: { in: number; out: number };
  /** Why the audit stopped short, or what the peer did wrong. */
  error?: string;
  /** Wall time of the whole audit. */
  ms: number;
  /** When the audit ended, ms since the epoch: copy counts only trust recent audits. */
  at: number;
  /** The operator key (64 hex) the peer proved on this connection (a relay proves the key of whoever it forwards to); null: none. */
  operatorKey?: string | null;
  /** Why a peer that offered an operator proof did not prove a key. */
  operatorError?: string;
  /** Why and where the audit stopped short, for scheduling (retry later, back off a host). */
  failure?: { kind: FailureKind; phase: AuditPhase };
}

export interface AuditOptions {
  /** 20 bytes; default a fresh `-SB0001-` id. A census reuses one id for all its connections. */
  peerId?: Buffer;
  /** Budget for the whole audit; default 45 s. Each phase also has its own shorter limit. */
  timeoutMs?: number;
  /** Connect plus handshake; default 4 s. What a peer that accepts and never answers costs. */
  handshakeTimeoutMs?: number;
  /** Wait for an unchoke (or an allowed-fast piece); default 30 s, longer than clients' 10 s rechoke. */
  unchokeTimeoutMs?: number;
  /**
   * Called once the peer lets us download, before the first request: resolves with a release
   * function once a transfer slot is free. The census bounds transfers this way, so that peers
   * still in the handshake or waiting to unchoke us hold an idle socket and no slot.
   */
  acquireTransferSlot?: (signal: AbortSignal) => Promise<() => void>;
  /** Called when the peer completes its handshake (it is alive, whatever follows). */
  onHandshake?: () => void;
  /** Chooses the audited piece; default Math.random. */
  random?: () => number;
  /**
   * Audit one of these pieces (those the peer claims) instead of any claimed piece: the pieces
   * of an older volume holding files a newer volume rewrote on disk (census/double-claims.ts).
   * A peer claiming none of them gets no verdict.
   */
  focusPieces?: readonly number[];
  signal?: AbortSignal;
  /** Local address to connect from. */
  localAddress?: string;
  /** Verified pieces to challenge with single blocks, and to keep pieces this audit verifies. */
  verified?: VerifiedPieces;
  /** With `verified`: whether this audit may be a block challenge (default true); false still caches what it verifies. */
  blockChallenge?: boolean;
  /** Resolves once the census's rate budget allows fetching `bytes` (waited for after the transfer slot, off the audit's clock). */
  throttle?: (bytes: number, signal: AbortSignal) => Promise<void>;
}

/** `closed`: the peer closed or reset a working connection (clients drop quick reconnects that way). */
export type FailureKind = 'unreachable' | 'protocol' | 'closed' | 'timeout' | 'bad-data' | 'aborted';
/** How far an audit got. */
export type AuditPhase = 'connect' | 'handshake' | 'claims' | 'unchoke' | 'slot' | 'transfer';

