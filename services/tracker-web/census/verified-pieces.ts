/**
 * Pieces the census downloaded and checked against their piece hash, kept so that other
 * peers claiming the same piece can be challenged with one random 16 KiB block of it and
 * their bytes compared, instead of downloading the whole piece again: at 1 MiB pieces a
 * block challenge moves 1/64 of the bytes. Bounded by bytes, least recently used out first.
 *
 * Why a mix and not block challenges only: a peer that learnt which pieces the census holds
 * could keep just those. The census holds pieces that it fetched from random positions of
 * other peers' copies, and still audits a uniformly random whole piece a share of the time
 * (`wholePieceShare`), which also keeps the cache filling with fresh pieces.
 */
import { LRUCache } from 'lru-cache';
import { BLOCK_BYTES } from './piece-fetch.ts';

/** Default bound of the cache: 64 pieces of 1 MiB, or more smaller ones. */
export const DEFAULT_VERIFIED_CACHE_BYTES = 64 * 1024 * 1024;
/** Default share of audits that fetch a uniformly random whole piece even when a block challenge is possible. */
export const DEFAULT_WHOLE_PIECE_SHARE = 1 / 8;

/** What an audit checks: a whole piece against its hash, or one block against verified bytes. */
export type AuditCheck =
  | { kind: 'piece'; piece: number }
  | { kind: 'block'; piece: number; offset: number; expected: Buffer };

export class VerifiedPieces {
  private readonly cache: LRUCache<string, Buffer>;
  /** Cached piece numbers per info hash, so choosing among them does not scan the cache. */
  private readonly byTorrent = new Map<string, Set<number>>();

  constructor(maxBytes = DEFAULT_VERIFIED_CACHE_BYTES, readonly wholePieceShare = DEFAULT_WHOLE_PIECE_SHARE) {
    this.cache = new LRUCache<string, Buffer>({
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (b) => Math.max(1, b.length),
      dispose: (_bytes, key) => {
        const [infoHash, piece] = splitKey(key);
        const set = this.byTorrent.get(infoHash);
        set?.delete(piece);
        if (set?.size === 0) this.byTorrent.delete(infoHash);
      },
    });
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.cache.calculatedSize;
  }

  /** Keeps a piece that matched its hash (a copy: the caller may reuse its buffer). */
  put(infoHash: string, piece: number, bytes: Uint8Array): void {
    const ih = infoHash.toLowerCase();
    this.cache.set(`${ih}:${piece}`, Buffer.from(bytes));
    if (!this.cache.has(`${ih}:${piece}`)) return; // larger than the whole cache
    let set = this.byTorrent.get(ih);
    if (!set) this.byTorrent.set(ih, (set = new Set()));
    set.add(piece);
  }

  /** The verified bytes of a piece, if held (without refreshing its place in the LRU order). */
  peek(infoHash: string, piece: number): Buffer | undefined {
    return this.cache.peek(`${infoHash.toLowerCase()}:${piece}`);
  }

  /**
   * Chooses what to check on a peer: with `claimed` the pieces it claims (or may fetch now),
   * a block challenge on a random cached one, unless this audit is one of the whole-piece
   * share or none is cached; then a uniformly random claimed piece in full.
   */
  choose(infoHash: string, claimed: (piece: number) => boolean, pickClaimed: () => number, random: () => number, pieceLength: (piece: number) => number): AuditCheck {
    const ih = infoHash.toLowerCase();
    const cached = this.byTorrent.get(ih);
    if (!cached || cached.size === 0 || random() < this.wholePieceShare) return { kind: 'piece', piece: pickClaimed() };
    const candidates = [...cached].filter(claimed);
    if (candidates.length === 0) return { kind: 'piece', piece: pickClaimed() };
    const piece = candidates[Math.min(candidates.length - 1, Math.floor(random() * candidates.length))]!;
    const bytes = this.cache.get(`${ih}:${piece}`)!;
    const blocks = Math.ceil(Math.min(bytes.length, pieceLength(piece)) / BLOCK_BYTES);
    const block = Math.min(blocks - 1, Math.floor(random() * blocks));
    const offset = block * BLOCK_BYTES;
    return { kind: 'block', piece, offset, expected: bytes.subarray(offset, Math.min(bytes.length, offset + BLOCK_BYTES)) };
  }
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf(':');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}
