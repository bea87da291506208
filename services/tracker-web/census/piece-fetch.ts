/**
 * The blocks an audit downloads: every block of one piece (checked against the piece hash),
 * or one block of it (a challenge, compared with bytes the census verified before): which are
 * still to request, which are on their way, which arrived. A block that does not match a
 * block asked for (other piece, offset off the grid, wrong length) is the peer answering the
 * audit with bytes that cannot be right, so it fails the audit just as a wrong hash does.
 */
import { createHash } from 'node:crypto';

/** The request size every client uses (BEP 3 recommends 16 KiB; larger is often refused). */
export const BLOCK_BYTES = 16 * 1024;
/** A block refused this many times (choke, reject) makes the audit give up on the peer. */
const MAX_BLOCK_ATTEMPTS = 4;

type BlockState = 'pending' | 'requested' | 'received';

interface Block {
  offset: number;
  length: number;
  state: BlockState;
  attempts: number;
}

export interface BlockSpec {
  offset: number;
  length: number;
}

/** What the fetched bytes must match: the piece's SHA-1, or verified bytes of one block. */
export type FetchExpectation = { sha1: Uint8Array } | { offset: number; bytes: Uint8Array };

export class PieceFetch {
  private readonly blocks: Block[] = [];
  /** Blocks are copied straight into place: one allocation per audit, not one per block. */
  private readonly bytes: Buffer;
  /** Offset of the first fetched byte within the piece (0 unless one block is challenged). */
  private readonly base: number;
  private received = 0;
  private inFlight = 0;

  /** `length` is this piece's own length (the last piece of a torrent is shorter). */
  constructor(readonly index: number, readonly length: number, private readonly expected: FetchExpectation) {
    if ('sha1' in expected) {
      this.base = 0;
      this.bytes = Buffer.allocUnsafe(length);
      for (let offset = 0; offset < length; offset += BLOCK_BYTES) {
        this.blocks.push({ offset, length: Math.min(BLOCK_BYTES, length - offset), state: 'pending', attempts: 0 });
      }
    } else {
      this.base = expected.offset;
      this.bytes = Buffer.allocUnsafe(expected.bytes.length);
      this.blocks.push({ offset: expected.offset, length: expected.bytes.length, state: 'pending', attempts: 0 });
    }
  }

  /** True for a one-block challenge. */
  get isBlock(): boolean {
    return !('sha1' in this.expected);
  }

  /** The fetched bytes (the whole piece, or the one block): valid once complete. */
  get data(): Buffer {
    return this.bytes;
  }

  private blockAt(offset: number): Block | undefined {
    if (offset < this.base || (offset - this.base) % BLOCK_BYTES !== 0) return undefined;
    return this.blocks[(offset - this.base) / BLOCK_BYTES];
  }

  get complete(): boolean {
    return this.received === this.blocks.length;
  }

  /** Marks up to `maxInFlight` minus those already out as requested and returns them. */
  take(maxInFlight: number): BlockSpec[] {
    const out: BlockSpec[] = [];
    for (const b of this.blocks) {
      if (this.inFlight >= maxInFlight) break;
      if (b.state !== 'pending') continue;
      b.state = 'requested';
      b.attempts++;
      this.inFlight++;
      out.push({ offset: b.offset, length: b.length });
    }
    return out;
  }

  /** True when some block still needs to be requested. */
  get hasPending(): boolean {
    return this.blocks.some((b) => b.state === 'pending');
  }

  /** Stores a block the peer sent; returns why it cannot belong to this piece, or null. */
  accept(index: number, offset: number, data: Uint8Array): string | null {
    if (index !== this.index) return `peer sent a block of piece ${index} while piece ${this.index} was being audited`;
    const block = this.blockAt(offset);
    if (!block) return `peer sent a block at offset ${offset} of piece ${index}, which was not asked for`;
    if (data.length !== block.length) return `peer sent ${data.length} bytes for the ${block.length}-byte block at offset ${offset} of piece ${index}`;
    // A late answer to a request cancelled by a choke is still the right block: keep it once.
    if (block.state === 'received') return null;
    if (block.state === 'requested') this.inFlight--;
    block.state = 'received';
    this.bytes.set(data, offset - this.base);
    this.received++;
    return null;
  }

  /** Puts a refused request back in line; returns why the audit must give up, or null. */
  refused(offset: number, reason: string): string | null {
    const block = this.blockAt(offset);
    if (!block || block.state !== 'requested') return null;
    this.inFlight--;
    block.state = 'pending';
    if (block.attempts >= MAX_BLOCK_ATTEMPTS) {
      return `peer refused the block at offset ${offset} of piece ${this.index} ${block.attempts} times (${reason})`;
    }
    return null;
  }

  /** True when the received piece hashes to the torrent's piece hash (or the block equals the verified bytes). */
  verify(): boolean {
    if (!this.complete) return false;
    if ('sha1' in this.expected) return createHash('sha1').update(this.bytes).digest().equals(this.expected.sha1);
    return this.bytes.equals(this.expected.bytes);
  }
}
