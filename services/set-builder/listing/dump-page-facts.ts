/**
 * What a dump listing keeps of each wanted file's description page once its XML is in the page
 * store: revision id, license, author and coordinates, by slot, in typed arrays (licenses and
 * authors by number: a few hundred licenses, and an uploader's name once however many files).
 */
import type { PageFacts } from './selection.ts';

/** Page facts by slot. */
export class PageFactsTable {
  private readonly seen: Uint8Array;
  private readonly revisionId: Float64Array;
  private readonly license: Int32Array;
  private readonly author: Int32Array;
  private readonly lat: Float64Array;
  private readonly lon: Float64Array;
  /** Distinct license and author strings; number 0 is null. */
  private readonly strings: Array<string | null> = [null];
  private readonly stringNumber = new Map<string, number>();
  /** Slots with a page. */
  count = 0;

  constructor(slots: number) {
    this.seen = new Uint8Array(slots);
    this.revisionId = new Float64Array(slots);
    this.license = new Int32Array(slots);
    this.author = new Int32Array(slots);
    this.lat = new Float64Array(slots).fill(NaN);
    this.lon = new Float64Array(slots).fill(NaN);
  }

  private number(s: string | null): number {
    if (s === null) return 0;
    let n = this.stringNumber.get(s);
    if (n === undefined) {
      this.stringNumber.set(s, (n = this.strings.length));
      this.strings.push(s);
    }
    return n;
  }

  /** Keeps the facts of a slot's page (a later page of the same slot replaces them). */
  set(slot: number, f: PageFacts): void {
    if (!this.seen[slot]) this.count++;
    this.seen[slot] = 1;
    this.revisionId[slot] = f.revisionId;
    this.license[slot] = this.number(f.license);
    this.author[slot] = this.number(f.author);
    this.lat[slot] = f.coordinates?.lat ?? NaN;
    this.lon[slot] = f.coordinates?.lon ?? NaN;
  }

  /** Says whether a page was seen for the slot. */
  has(slot: number): boolean {
    return this.seen[slot] === 1;
  }

  /** The facts of a slot's page. */
  get(slot: number): PageFacts {
    const lat = this.lat[slot]!;
    return {
      revisionId: this.revisionId[slot]!,
      license: this.strings[this.license[slot]!]!,
      author: this.strings[this.author[slot]!]!,
      coordinates: Number.isNaN(lat) ? null : { lat, lon: this.lon[slot]! },
    };
  }
}
