/** A binary min-heap of timed events: the simulator's clock jumps from one to the next. */
export class EventQueue<T> {
  private readonly at: number[] = [];
  private readonly items: T[] = [];
  private seq = 0;
  private readonly order: number[] = [];

  get size(): number {
    return this.items.length;
  }

  /** Adds an event due at `at` (ties keep insertion order). */
  push(at: number, item: T): void {
    this.at.push(at);
    this.items.push(item);
    this.order.push(this.seq++);
    let i = this.items.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(i, p)) break;
      this.swap(i, p);
      i = p;
    }
  }

  /** Removes and returns the earliest event due by `now`, or undefined. */
  popDue(now: number): T | undefined {
    if (this.items.length === 0 || this.at[0]! > now) return undefined;
    const top = this.items[0]!;
    const last = this.items.length - 1;
    this.swap(0, last);
    this.at.pop();
    this.items.pop();
    this.order.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < this.items.length && this.less(l, m)) m = l;
      if (r < this.items.length && this.less(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
    return top;
  }

  private less(a: number, b: number): boolean {
    return this.at[a]! < this.at[b]! || (this.at[a] === this.at[b] && this.order[a]! < this.order[b]!);
  }

  private swap(a: number, b: number): void {
    const at = this.at[a]!;
    this.at[a] = this.at[b]!;
    this.at[b] = at;
    const item = this.items[a]!;
    this.items[a] = this.items[b]!;
    this.items[b] = item;
    const order = this.order[a]!;
    this.order[a] = this.order[b]!;
    this.order[b] = order;
  }
}
