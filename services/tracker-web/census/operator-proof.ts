/**
 * The census's side of the operator proof (shared/operator/operator-proof.ts). The peer is
 * untrusted, so BEP 10 messages never reach bittorrent-protocol's Wire (whose bencode
 * decoder a peer can freeze): the frame guard hands each one over as bytes, the extension
 * handshake is decoded by the strict decoder, and only `sb_operator` is read. When the peer
 * advertises it, a fresh nonce is sent; the answer is checked against that nonce, the audited
 * info hash and the census clock. Anything wrong becomes `error`, never an exception.
 */
import { decodeTorrent, type BValue } from '../../../shared/torrent/bencode-strict.ts';
import { encodeChallenge, newNonce, OPERATOR_EXTENSION, PROOF_MAX_SKEW_MS, verifyProof } from '../../../shared/operator/index.ts';

/** The id our own extension handshake gives `sb_operator` (the only extension the census lists). */
export const CENSUS_OPERATOR_EXTENSION_ID = 1;
/** How long the census waits for a proof after the audit itself is done. */
export const OPERATOR_PROOF_WAIT_MS = 2_000;
/** The largest id BEP 10 allows in a single byte. */
const MAX_EXTENSION_ID = 255;

/** What `wire.use()` needs so our extension handshake lists `sb_operator`; messages reach us through the guard instead. */
export class CensusOperatorExtension {
  onMessage(): void {}
}
(CensusOperatorExtension.prototype as unknown as { name: string }).name = OPERATOR_EXTENSION;

/** Where a proof stands on one audit connection. */
export type ProofState = 'not-offered' | 'challenged' | 'proven' | 'failed';

/** Runs the challenge on one audit connection. */
export class CensusOperatorProof {
  state: ProofState = 'not-offered';
  /** The proven operator key (64 hex), once proven. */
  operatorKey: string | null = null;
  /** Why no key was proven although the peer offered the extension. */
  error: string | undefined;
  private nonce: Buffer | null = null;
  private readonly waiters: Array<() => void> = [];

  constructor(
    private readonly infoHash: string,
    /** Sends an extended message (id 20) with this extension id and payload. */
    private readonly send: (extensionId: number, payload: Buffer) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** True while a challenge is out and unanswered. */
  get pending(): boolean {
    return this.state === 'challenged';
  }

  /** One extension message from the peer: id byte, then payload. */
  onExtended(body: Buffer): void {
    const id = body[0];
    const payload = body.subarray(1);
    if (id === 0) return this.onExtensionHandshake(payload);
    if (id !== CENSUS_OPERATOR_EXTENSION_ID || this.state !== 'challenged') return; // other extensions, repeats
    const verdict = verifyProof(payload, { nonce: this.nonce!, infoHash: this.infoHash, nowMs: this.now(), maxSkewMs: PROOF_MAX_SKEW_MS });
    if (verdict.ok) {
      this.state = 'proven';
      this.operatorKey = verdict.operatorKey;
    } else {
      this.settleFailed(verdict.reason);
    }
    this.wake();
  }

  /** The connection is over: a proof still missing will not come. */
  abandon(reason: string): void {
    if (this.state === 'challenged') this.settleFailed(reason);
    this.wake();
  }

  /** Resolves once the proof settled, or after `ms` (a missing proof never fails the audit). */
  settled(ms: number): Promise<void> {
    if (!this.pending || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending) this.settleFailed(`no operator proof within ${ms} ms`);
        resolve();
      }, ms);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private onExtensionHandshake(payload: Buffer): void {
    if (this.state !== 'not-offered') return; // one challenge per connection
    const id = offeredId(payload);
    if (id === null) return;
    this.nonce = newNonce();
    this.state = 'challenged';
    this.send(id, encodeChallenge(this.nonce));
  }

  private settleFailed(reason: string): void {
    this.state = 'failed';
    this.error = reason;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** The peer's id for `sb_operator` in its extension handshake, or null when it offers none (or the handshake is unreadable). */
function offeredId(payload: Buffer): number | null {
  let m: BValue | undefined;
  try {
    m = decodeTorrent(payload).root.get('m');
  } catch {
    return null; // not canonical bencode: the peer simply gets no challenge
  }
  if (!(m instanceof Map)) return null;
  const id = m.get(OPERATOR_EXTENSION);
  return typeof id === 'number' && Number.isInteger(id) && id > 0 && id <= MAX_EXTENSION_ID ? id : null;
}
