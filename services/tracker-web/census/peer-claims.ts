/**
 * The pieces a peer says it has, from its bitfield, `have`, and BEP 6 `have all`/`have none`
 * messages, checked against the torrent: a bitfield of the wrong length, with spare bits set,
 * sent twice, or a `have` beyond the last piece is a protocol violation (BEP 3 says to drop the
 * connection). Kept apart from the Wire's own `peerPieces`, which grows to fit whatever arrives.
 */

export class PeerClaims {
  private bits: Buffer | null = null;
  private count = 0;
  private readonly byteLength: number;

  constructor(readonly pieceCount: number) {
    this.byteLength = Math.ceil(pieceCount / 8);
  }

  /** True once the peer has said anything about its pieces. */
  get known(): boolean {
    return this.bits !== null;
  }

  get havePieces(): number {
    return this.count;
  }

  get complete(): boolean {
    return this.pieceCount > 0 && this.count === this.pieceCount;
  }

  /** Records a bitfield message; returns the violation, or null. */
  applyBitfield(raw: Uint8Array): string | null {
    if (this.bits) return 'peer sent a bitfield after it had already announced pieces';
    if (raw.length !== this.byteLength) {
      return `peer sent a ${raw.length}-byte bitfield; ${this.pieceCount} pieces need ${this.byteLength}`;
    }
    const spare = this.byteLength * 8 - this.pieceCount;
    if (spare > 0 && (raw[this.byteLength - 1]! & ((1 << spare) - 1)) !== 0) return 'peer set spare bits at the end of its bitfield';
    this.bits = Buffer.from(raw);
    this.count = 0;
    for (const byte of this.bits) this.count += popcount(byte);
    return null;
  }

  /** Records a `have all` (BEP 6); returns the violation, or null. */
  applyHaveAll(): string | null {
    if (this.bits) return 'peer sent have-all after it had already announced pieces';
    this.bits = Buffer.alloc(this.byteLength);
    for (let i = 0; i < this.pieceCount; i++) this.set(i);
    return null;
  }

  /** Records a `have none` (BEP 6); returns the violation, or null. */
  applyHaveNone(): string | null {
    if (this.bits) return 'peer sent have-none after it had already announced pieces';
    this.bits = Buffer.alloc(this.byteLength);
    return null;
  }

  /** Records a `have`; returns the violation, or null. */
  applyHave(index: number): string | null {
    if (!Number.isInteger(index) || index < 0 || index >= this.pieceCount) {
      return `peer announced piece ${index}; the torrent has ${this.pieceCount}`;
    }
    this.bits ??= Buffer.alloc(this.byteLength);
    this.set(index);
    return null;
  }

  has(index: number): boolean {
    return this.bits !== null && index >= 0 && index < this.pieceCount && (this.bits[index >> 3]! & (0x80 >> (index & 7))) !== 0;
  }

  /** A copy of the claimed pieces as a BEP 3 bitfield, or null when the peer said nothing. */
  toBuffer(): Buffer | null {
    return this.bits ? Buffer.from(this.bits) : null;
  }

  /** A claimed piece chosen uniformly with `random()` in [0, 1), or null when none is claimed. */
  pick(random: () => number): number | null {
    if (!this.bits || this.count === 0) return null;
    const r = random();
    // Clamp: a caller's random() returning 1, a negative or NaN must still give a claimed piece.
    const k = Number.isFinite(r) ? Math.min(this.count - 1, Math.max(0, Math.floor(r * this.count))) : 0;
    let seen = 0;
    for (let i = 0; i < this.pieceCount; i++) {
      if (this.has(i) && seen++ === k) return i;
    }
    return null;
  }

  private set(index: number): void {
    const mask = 0x80 >> (index & 7);
    const byte = this.bits![index >> 3]!;
    if ((byte & mask) !== 0) return;
    this.bits![index >> 3] = byte | mask;
    this.count++;
  }
}

function popcount(byte: number): number {
  let n = 0;
  for (let b = byte; b; b &= b - 1) n++;
  return n;
}
