/**
 * A 53-bit hash of a stream of bytes and strings: what the copy figures' basis sums a volume's
 * holders up in (redundancy/figure-basis.ts), from the holders or straight from the verdict table.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const FNV_OFFSET_B = 0x2f6b7a1d;

/** Two FNV-1a hashes of one stream (different offsets), folded into one 53-bit number: a collision (a change missed for a round) is about one in 2^53. */
export class Hash53 {
  private a = FNV_OFFSET;
  private b = FNV_OFFSET_B;

  /** Starts a new stream (one object hashes many). */
  reset(): this {
    this.a = FNV_OFFSET;
    this.b = FNV_OFFSET_B;
    return this;
  }

  byte(x: number): void {
    this.a = Math.imul(this.a ^ x, FNV_PRIME) >>> 0;
    this.b = Math.imul(this.b ^ x, 0x0100019d) >>> 0;
  }

  text(s: string): void {
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      this.byte(c & 0xff);
      this.byte(c >>> 8);
    }
    // A separator, so that ("ab", "c") and ("a", "bc") differ.
    this.byte(0xff);
    this.byte(0xfe);
  }

  /** A string of bytes (latin1, as the verdict table keeps bitfields), length first. */
  latin1(s: string): void {
    this.text(String(s.length));
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i) & 0xff);
  }

  bytes(u: Uint8Array): void {
    this.text(String(u.length));
    for (let i = 0; i < u.length; i++) this.byte(u[i]!);
  }

  value(): number {
    return (this.a & 0x1fffff) * 2 ** 32 + this.b;
  }

  /** Adds this stream's hash into `sum` lane by lane (mod 2^32 each): a sum over items does not depend on their order. */
  addInto(sum: Hash53Sum): void {
    sum.a = (sum.a + this.a) >>> 0;
    sum.b = (sum.b + this.b) >>> 0;
  }
}

/** An order-free sum of item hashes (Hash53.addInto); `sumValue` folds it as `value` does. */
export interface Hash53Sum {
  a: number;
  b: number;
}

export function sumValue(sum: Hash53Sum): number {
  return (sum.a & 0x1fffff) * 2 ** 32 + sum.b;
}
