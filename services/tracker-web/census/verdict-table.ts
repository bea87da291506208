/**
 * The census's standing verdict per (volume, peer), kept compact: the catalogue holds one for
 * every peer of every volume, so this is what its memory grows with (volumes × peers per
 * volume). A verdict is one small fixed-shape object of numbers: hosts and operator keys are
 * numbers into tables that grow with hosts, not volumes; a bitfield is a latin1 string (one
 * byte a byte), and none at all for a peer that claims every piece (most seeders), which is
 * rebuilt from its piece count. Info hashes and hosts are copied flat when first seen, so a
 * key does not keep alive the record it was decoded from (msgpack decodes short strings as
 * slices of one string holding the whole record).
 *
 * What is kept is what the store keeps of an observation (the verdict survives a restart as
 * it is), plus the audited piece and the error of a verdict reached in this process; traffic,
 * failure phase and operator proof errors belong to the round that counted them.
 */
import { detachedString } from '../../../shared/detached-string.ts';
import type { PeerAuditResult } from './audit-types.ts';
import { Hash53, sumValue, type Hash53Sum } from './signature.ts';

const REACHABLE = 1;
const AUDITED = 2;
const OK = 4;
const COMPLETE = 8;
const BLOCK_CHECK = 16;
const PIECE_CHECK = 32;

/** One peer's standing verdict on one volume. */
class Verdict {
  constructor(
    public host: number,
    public port: number,
    public flags: number,
    public havePieces: number,
    /** Operator key id; 0: none proved. */
    public key: number,
    public at: number,
    /** The audited piece (-1 when restored from the store, which does not keep it). */
    public piece: number,
    /** The claimed bitfield as latin1; null for none, or rebuilt from `havePieces` when `WHOLE` is true. */
    public bits: string | null,
    public whole: boolean,
    public error: string | undefined,
  ) {}
}

/** Interns strings that repeat across volumes (hosts, operator keys) as numbers from 1. */
class StringTable {
  private readonly ids = new Map<string, number>();
  private readonly names: string[] = [''];

  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.names.length;
      const copy = detachedString(s);
      this.names.push(copy);
      this.ids.set(copy, id);
    }
    return id;
  }

  /** The id of a string already seen, or undefined. */
  find(s: string): number | undefined {
    return this.ids.get(s);
  }

  name(id: number): string {
    return this.names[id]!;
  }
}

/** A bitfield whose first `pieces` bits are set and spare bits clear. */
function wholeBitfield(pieces: number): Buffer {
  const out = Buffer.alloc(Math.ceil(pieces / 8), 0xff);
  if (pieces % 8 !== 0) out[out.length - 1] = (0xff << (8 - (pieces % 8))) & 0xff;
  return out;
}

/**
 * Whole bitfields by piece count, shared by every result that claims every piece: the copy
 * index keeps each volume's holders for a round, and most holders are whole. Readers never
 * write into a result's bitfield (census/copies.ts copies before a union); one per distinct
 * piece count, so this grows with the largest volume, not with volumes.
 */
const wholeBitfields = new Map<number, Buffer>();

function sharedWholeBitfield(pieces: number): Buffer {
  let b = wholeBitfields.get(pieces);
  if (!b) wholeBitfields.set(pieces, (b = wholeBitfield(pieces)));
  return b;
}

/** Whether a bitfield is exactly `wholeBitfield(pieces)`. */
function isWhole(bits: Uint8Array, pieces: number): boolean {
  // Compared in place: a new whole bitfield per verdict was most of the restore's garbage at start.
  const bytes = Math.ceil(pieces / 8);
  if (bits.length !== bytes) return false;
  for (let i = 0; i < bytes - 1; i++) if (bits[i] !== 0xff) return false;
  const last = pieces % 8 === 0 ? 0xff : (0xff << (8 - (pieces % 8))) & 0xff;
  return bits[bytes - 1] === last;
}

/** The audit of a restored verdict (the store does not keep the piece): shared, never written. */
const RESTORED_OK = Object.freeze({ ok: true, piece: -1 });
const RESTORED_FAILED = Object.freeze({ ok: false, piece: -1 });

/** What a verdict is made of, for the store-restore path (an observation read back). */
export interface RestoredVerdict {
  host: string;
  port: number;
  havePieces: number;
  complete: boolean;
  bitfield: Uint8Array | null;
  ok: boolean;
  at: number;
  operatorKey: string | null;
}

/** The standing verdicts of every volume's peers. */
export class VerdictTable {
  private readonly volumes = new Map<string, Verdict[]>();
  private readonly hosts = new StringTable();
  private readonly keys = new StringTable();

  /** Volumes with at least one verdict. */
  get size(): number {
    return this.volumes.size;
  }

  /** The info hashes of the volumes with at least one verdict. */
  volumeKeys(): IterableIterator<string> {
    return this.volumes.keys();
  }

  private find(infoHash: string, host: string, port: number): Verdict | undefined {
    const id = this.hosts.find(host);
    if (id === undefined) return undefined;
    // A volume has a handful of peers: a scan is cheaper than a map per volume.
    for (const v of this.volumes.get(infoHash) ?? []) if (v.host === id && v.port === port) return v;
    return undefined;
  }

  private put(infoHash: string, v: Verdict): void {
    let list = this.volumes.get(infoHash);
    if (!list) this.volumes.set(detachedString(infoHash), (list = []));
    const i = list.findIndex((x) => x.host === v.host && x.port === v.port);
    if (i >= 0) list[i] = v;
    else list.push(v);
  }

  private verdictOf(r: { host: string; port: number; havePieces: number; complete: boolean; bitfield: Uint8Array | null; at: number; operatorKey?: string | null }, reachable: boolean, audit: { ok: boolean; piece: number; check?: 'piece' | 'block' } | null, error: string | undefined): Verdict {
    let flags = (reachable ? REACHABLE : 0) | (r.complete ? COMPLETE : 0);
    if (audit) flags |= AUDITED | (audit.ok ? OK : 0) | (audit.check === 'block' ? BLOCK_CHECK : audit.check === 'piece' ? PIECE_CHECK : 0);
    const whole = r.bitfield !== null && r.havePieces > 0 && isWhole(r.bitfield, r.havePieces);
    const bits = r.bitfield === null || whole ? null : Buffer.from(r.bitfield.buffer, r.bitfield.byteOffset, r.bitfield.byteLength).toString('latin1');
    return new Verdict(this.hosts.id(r.host), r.port, flags, r.havePieces, r.operatorKey ? this.keys.id(r.operatorKey) : 0, r.at, audit?.piece ?? -1, bits, whole, error === undefined ? undefined : detachedString(error));
  }

  /** Records an audit result as the peer's standing verdict (the caller decided it replaces the last: keepsVerdict). */
  set(r: PeerAuditResult): void {
    this.put(r.infoHash, this.verdictOf(r, r.reachable, r.audited, r.error));
  }

  /** Records a verdict read back from the store at start-up. */
  restore(infoHash: string, o: RestoredVerdict): void {
    // No spread copy per verdict: 88,000 of them at 10M files, all garbage at start.
    this.put(infoHash, this.verdictOf(o, true, o.ok ? RESTORED_OK : RESTORED_FAILED, undefined));
  }

  /** The peer's standing verdict as an audit result, or undefined. */
  get(infoHash: string, host: string, port: number): PeerAuditResult | undefined {
    const v = this.find(infoHash, host, port);
    return v ? this.result(infoHash, v) : undefined;
  }

  /** When the peer's standing verdict was reached, if it has one (an audit, not only a connection). */
  verdictAt(infoHash: string, host: string, port: number): number | undefined {
    const v = this.find(infoHash, host, port);
    return v && v.flags & AUDITED ? v.at : undefined;
  }

  /** Whether the peer's standing verdict is a passed audit. */
  passed(infoHash: string, host: string, port: number): boolean {
    const v = this.find(infoHash, host, port);
    return v !== undefined && (v.flags & (AUDITED | OK)) === (AUDITED | OK);
  }

  /** Every standing verdict of a volume as audit results (made on demand: callers keep what they derive, not these). */
  results(infoHash: string): PeerAuditResult[] {
    return (this.volumes.get(infoHash) ?? []).map((v) => this.result(infoHash, v));
  }

  /** The passing verdicts of a volume as host, whether it claims every piece, time and operator key, without making results. */
  *passing(infoHash: string): Generator<{ host: string; complete: boolean; at: number; operatorKey: string | null }> {
    for (const v of this.volumes.get(infoHash) ?? []) {
      if ((v.flags & (AUDITED | OK)) !== (AUDITED | OK)) continue;
      yield { host: this.hosts.name(v.host), complete: (v.flags & COMPLETE) !== 0, at: v.at, operatorKey: v.key ? this.keys.name(v.key) : null };
    }
  }

  /**
   * A signature of a volume's passing verdicts that `counts` admits (host, when reached): each
   * one's host, port, claimed pieces and operator key, hashed and summed so the order verdicts
   * were recorded or restored in does not matter. Makes no result objects: the copy figures'
   * warm-up asks it of every volume (redundancy/figure-basis.ts).
   */
  passingSignature(infoHash: string, counts: (host: string, at: number) => boolean): number {
    const sum: Hash53Sum = { a: 0, b: 0 };
    const h = this.scratch;
    for (const v of this.volumes.get(infoHash) ?? []) {
      if ((v.flags & (AUDITED | OK)) !== (AUDITED | OK)) continue;
      const host = this.hosts.name(v.host);
      if (!counts(host, v.at)) continue;
      h.reset();
      h.text(host);
      h.text(String(v.port));
      if (v.whole) h.text(`whole ${v.havePieces}`);
      else if (v.bits === null) h.text('none');
      else h.latin1(v.bits);
      h.text(v.key ? this.keys.name(v.key) : '');
      h.addInto(sum);
    }
    return sumValue(sum);
  }

  private readonly scratch = new Hash53();

  private result(infoHash: string, v: Verdict): PeerAuditResult {
    const audited = v.flags & AUDITED;
    const check = v.flags & BLOCK_CHECK ? 'block' : v.flags & PIECE_CHECK ? 'piece' : undefined;
    return {
      host: this.hosts.name(v.host),
      port: v.port,
      infoHash,
      reachable: (v.flags & REACHABLE) !== 0,
      havePieces: v.havePieces,
      complete: (v.flags & COMPLETE) !== 0,
      bitfield: v.whole ? sharedWholeBitfield(v.havePieces) : v.bits === null ? null : Buffer.from(v.bits, 'latin1'),
      audited: audited ? { piece: v.piece, ok: (v.flags & OK) !== 0, ms: 0, ...(check ? { check } : {}) } : null,
      ms: 0,
      at: v.at,
      operatorKey: v.key ? this.keys.name(v.key) : null,
      ...(v.error !== undefined ? { error: v.error } : {}),
    };
  }
}
