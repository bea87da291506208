/**
 * A gate in front of bittorrent-protocol's Wire for bytes from an untrusted peer. The Wire
 * believes every length prefix: a peer announcing a 2 GiB message makes it buffer (and
 * re-concatenate on every chunk) until memory runs out, a length with the top bit set turns
 * into a negative number, and short fixed-size messages are read past their end as zeros.
 * Worse, the Wire decodes every BEP 10 extension handshake with bencode@4, whose decoder spins
 * forever on a negative string length (`l-3:e`): one such message from a peer would freeze the
 * whole process. The guard follows the framing itself, rejects any message whose length is
 * wrong for its id and any peer that sends more bytes in total than the caller allows, and
 * removes extension messages from the stream unless asked to keep them (the census reads
 * only its own operator-proof extension, through `onExtended`; the seeder keeps them for BEP 9 metadata, behind its global bencode guard).
 * Used by the census (services/tracker-web/census) and the seeder's seed server.
 */

/** `\x13BitTorrent protocol` + 8 reserved bytes + 20-byte info hash + 20-byte peer id. */
const HANDSHAKE_BYTES = 68;
const PROTOCOL_NAME = 'BitTorrent protocol';
const PROTOCOL_PREFIX = Buffer.concat([Buffer.from([PROTOCOL_NAME.length]), Buffer.from(PROTOCOL_NAME, 'latin1')]);
const LENGTH_PREFIX_BYTES = 4;
/** Message id + piece index + begin offset, before a block's bytes. */
const PIECE_HEADER_BYTES = 9;
/** BEP 10 messages (extension handshake, ut_metadata, ut_pex) are small; this is generous. */
export const MAX_EXTENDED_MESSAGE_BYTES = 256 * 1024;
/** Messages with an id we do not know are skipped by the Wire; they may not be large either. */
const MAX_UNKNOWN_MESSAGE_BYTES = 64 * 1024;

const MSG = {
  choke: 0, unchoke: 1, interested: 2, notInterested: 3, have: 4, bitfield: 5, request: 6, piece: 7,
  cancel: 8, port: 9, suggest: 0x0d, haveAll: 0x0e, haveNone: 0x0f, reject: 0x10, allowedFast: 0x11, extended: 20,
} as const;

const NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(MSG).map(([name, id]) => [id, name]));

/** Exact body length (id included) of the fixed-size messages. */
const FIXED_LENGTH: ReadonlyMap<number, number> = new Map([
  [MSG.choke, 1], [MSG.unchoke, 1], [MSG.interested, 1], [MSG.notInterested, 1], [MSG.haveAll, 1], [MSG.haveNone, 1],
  [MSG.have, 5], [MSG.suggest, 5], [MSG.allowedFast, 5],
  [MSG.request, 13], [MSG.cancel, 13], [MSG.reject, 13],
  [MSG.port, 3],
]);

export interface FrameLimits {
  /** Pieces in the torrent: fixes the bitfield's length. */
  pieceCount: number;
  /** The largest block we ever request. */
  maxBlockBytes: number;
  /** Everything the peer may send on this connection, handshake included (Infinity: no limit). */
  maxTotalBytes: number;
  /** Pass BEP 10 extension messages on (size-limited) instead of removing them. */
  keepExtended?: boolean;
  /** Called with each removed extension message's body (extension id byte, then payload), for a caller that reads them without the Wire's bencode. */
  onExtended?: (body: Buffer) => void;
}

type State = 'handshake' | 'length' | 'id' | 'body';

/** What the Wire may parse, or why the connection must be dropped. */
export type FilterResult = { pass: Buffer; problem?: undefined } | { pass?: undefined; problem: string };

export class FrameGuard {
  private readonly bitfieldBody: number;
  private readonly maxMessage: number;
  private total = 0;
  private state: State = 'handshake';
  /** Bytes of the handshake, of the length prefix, or of the body still expected. */
  private need = HANDSHAKE_BYTES;
  private readonly lengthBytes = Buffer.alloc(LENGTH_PREFIX_BYTES);
  private messageLength = 0;
  /** The current message's body is left out of what the Wire sees. */
  private dropping = false;
  private problem: string | null = null;
  /** The body of a removed extension message being collected for `onExtended`. */
  private extendedBody: Uint8Array[] | null = null;
  private out: Uint8Array[] = [];
  /** Nothing is ever removed: bytes are only checked, and each chunk passes on as it came. */
  private readonly checkOnly: boolean;

  constructor(private readonly limits: FrameLimits) {
    this.bitfieldBody = 1 + Math.ceil(limits.pieceCount / 8);
    this.maxMessage = Math.max(this.bitfieldBody, PIECE_HEADER_BYTES + limits.maxBlockBytes, MAX_EXTENDED_MESSAGE_BYTES);
    this.checkOnly = limits.keepExtended === true;
  }

  /** Checks the next bytes from the peer; returns those the Wire may parse, or what is wrong with them. */
  filter(chunk: Uint8Array): FilterResult {
    if (this.problem) return { problem: this.problem };
    this.total += chunk.length;
    if (this.total > this.limits.maxTotalBytes) {
      return { problem: (this.problem = `peer sent more than ${this.limits.maxTotalBytes} bytes, more than this connection needs`) };
    }
    let at = 0;
    while (at < chunk.length && !this.problem) at = this.step(chunk, at);
    if (this.problem) return { problem: this.problem };
    if (this.checkOnly) return { pass: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) };
    // Usually the whole chunk passes as one piece: hand it on without a copy.
    const pass = this.out.length === 1 ? Buffer.from(this.out[0]!.buffer, this.out[0]!.byteOffset, this.out[0]!.byteLength) : Buffer.concat(this.out);
    this.out = [];
    return { pass };
  }

  /** Consumes bytes of the current state from `chunk` at `at`; returns the new position. */
  private step(chunk: Uint8Array, at: number): number {
    switch (this.state) {
      case 'handshake': {
        const done = HANDSHAKE_BYTES - this.need;
        const n = Math.min(this.need, chunk.length - at);
        for (let i = 0; i < n; i++) {
          const pos = done + i;
          if (pos < PROTOCOL_PREFIX.length && chunk[at + i] !== PROTOCOL_PREFIX[pos]) {
            this.problem = 'peer does not speak the BitTorrent protocol (bad handshake)';
            return chunk.length;
          }
        }
        if (!this.checkOnly) this.out.push(chunk.subarray(at, at + n));
        this.need -= n;
        if (this.need === 0) this.expectLength();
        return at + n;
      }
      case 'length': {
        // Held back until the id is known: a dropped message must vanish with its prefix.
        const n = Math.min(this.need, chunk.length - at);
        for (let i = 0; i < n; i++) this.lengthBytes[LENGTH_PREFIX_BYTES - this.need + i] = chunk[at + i]!;
        this.need -= n;
        if (this.need === 0) {
          this.messageLength = this.lengthBytes.readUInt32BE(0);
          if (this.messageLength > this.maxMessage) {
            this.problem = `peer announced a ${this.messageLength}-byte message (at most ${this.maxMessage} expected)`;
          } else if (this.messageLength > 0) {
            this.state = 'id';
            this.need = 1;
          } else {
            if (!this.checkOnly) this.out.push(Buffer.from(this.lengthBytes)); // keep-alive
            this.expectLength();
          }
        }
        return at + n;
      }
      case 'id': {
        const id = chunk[at]!;
        this.problem = this.checkLength(id, this.messageLength);
        this.dropping = id === MSG.extended && !this.limits.keepExtended;
        if (this.dropping && this.limits.onExtended && !this.problem) this.extendedBody = [];
        if (!this.dropping && !this.checkOnly) this.out.push(Buffer.from(this.lengthBytes), Buffer.from([id]));
        this.need = this.messageLength - 1;
        this.state = 'body';
        if (this.need === 0) this.expectLength();
        return at + 1;
      }
      case 'body': {
        const n = Math.min(this.need, chunk.length - at);
        if (!this.dropping && !this.checkOnly) this.out.push(chunk.subarray(at, at + n));
        this.extendedBody?.push(Buffer.from(chunk.subarray(at, at + n)));
        this.need -= n;
        if (this.need === 0) {
          const body = this.extendedBody;
          this.extendedBody = null;
          if (body) this.limits.onExtended!(Buffer.concat(body));
          this.expectLength();
        }
        return at + n;
      }
    }
  }

  private expectLength(): void {
    this.state = 'length';
    this.need = LENGTH_PREFIX_BYTES;
  }

  /** What is wrong with a message of this id and length (id byte included), or null. */
  private checkLength(id: number, length: number): string | null {
    const fixed = FIXED_LENGTH.get(id);
    const bad = (want: string) => `peer sent a ${NAMES[id] ?? `type-${id}`} message of ${length} bytes, id included (${want})`;
    if (fixed !== undefined) return length === fixed ? null : bad(`expected ${fixed}`);
    switch (id) {
      case MSG.bitfield:
        return length === this.bitfieldBody ? null : bad(`${this.limits.pieceCount} pieces need ${this.bitfieldBody}`);
      case MSG.piece:
        return length > PIECE_HEADER_BYTES && length <= PIECE_HEADER_BYTES + this.limits.maxBlockBytes
          ? null
          : bad(`a block is 1..${this.limits.maxBlockBytes} bytes after a ${PIECE_HEADER_BYTES}-byte header`);
      case MSG.extended:
        return length >= 2 && length <= MAX_EXTENDED_MESSAGE_BYTES ? null : bad(`at most ${MAX_EXTENDED_MESSAGE_BYTES}`);
      default:
        return length <= MAX_UNKNOWN_MESSAGE_BYTES ? null : bad(`unknown id, at most ${MAX_UNKNOWN_MESSAGE_BYTES}`);
    }
  }
}
