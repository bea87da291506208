/**
 * The blocks of the one piece an audit downloads: which are still to request, which are on
 * their way, which arrived. A block that does not match a block of this piece (other piece,
 * offset off the block grid, wrong length) is the peer answering the audit with bytes that
 * cannot be right, so it fails the audit just as a wrong hash does.
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

export class PieceFetch {
  private readonly blocks: Block[] = [];
  /** Blocks are copied straight into place: one allocation per audit, not one per block. */
  private readonly bytes: Buffer;
  private received = 0;
  private inFlight = 0;

  /** `length` is this piece's own length (the last piece of a torrent is shorter). */
  constructor(readonly index: number, readonly length: number, private readonly expectedSha1: Uint8Array) {
    this.bytes = Buffer.allocUnsafe(length);
    for (let offset = 0; offset < length; offset += BLOCK_BYTES) {
      this.blocks.push({ offset, length: Math.min(BLOCK_BYTES, length - offset), state: 'pending', attempts: 0 });
    }
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
    const block = offset % BLOCK_BYTES === 0 ? this.blocks[offset / BLOCK_BYTES] : undefined;
    if (!block) return `peer sent a block at offset ${offset} of piece ${index}, which has no block there`;
    if (data.length !== block.length) return `peer sent ${data.length} bytes for the ${block.length}-byte block at offset ${offset} of piece ${index}`;
    // A late answer to a request cancelled by a choke is still the right block: keep it once.
    if (block.state === 'received') return null;
    if (block.state === 'requested') this.inFlight--;
    block.state = 'received';
    this.bytes.set(data, offset);
    this.received++;
    return null;
  }

  /** Puts a refused request back in line; returns why the audit must give up, or null. */
  refused(offset: number, reason: string): string | null {
    const block = this.blocks[offset / BLOCK_BYTES];
    if (!block || block.state !== 'requested') return null;
    this.inFlight--;
    block.state = 'pending';
    if (block.attempts >= MAX_BLOCK_ATTEMPTS) {
      return `peer refused the block at offset ${offset} of piece ${this.index} ${block.attempts} times (${reason})`;
    }
    return null;
  }

  /** True when the received piece hashes to the torrent's piece hash. */
  verify(): boolean {
    if (!this.complete) return false;
    return createHash('sha1').update(this.bytes).digest().equals(this.expectedSha1);
  }
}
