/**
 * The seeder's side of the operator proof (shared/operator): a BEP 10 extension for
 * bittorrent-protocol's Wire that answers a census challenge with a proof signed by the
 * operator key. The same extension is used on the seed server's connections and on
 * webtorrent's (volumes still downloading), so a census proves the key whichever part of
 * the seeder answers it.
 */
import { decodeChallenge, OPERATOR_EXTENSION, signProof, type OperatorKey } from '../../../shared/operator/index.ts';

/** Challenges answered per connection: a census needs one; more only burns CPU on signatures. */
const MAX_PROOFS_PER_CONNECTION = 4;

/** The slice of bittorrent-protocol's Wire the extension needs. */
interface ExtensionWire {
  extended(ext: string | number, payload: Uint8Array): void;
  readonly peerExtendedMapping: Record<string, number>;
  /** Set by the Wire's handshake: bytes, or hex after an MSE handshake. */
  readonly _infoHash?: Uint8Array | string | null;
}

/** A Wire extension class, as `wire.use()` takes it. */
export type WireExtension = new (wire: ExtensionWire) => {
  onHandshake(infoHash: string): void;
  onExtendedHandshake(): void;
  onMessage(buf: Uint8Array): void;
};

/** The `sb_operator` extension class for `wire.use()`, answering with `key`. */
export function operatorExtension(key: OperatorKey): WireExtension {
  class OperatorProofExtension {
    private infoHash: string | null = null;
    private answered = 0;
    /** A challenge that came before the peer's extension handshake (we cannot address it yet). */
    private early: Buffer | null = null;

    constructor(private readonly wire: ExtensionWire) {}

    /** The peer's handshake names the volume a proof is about (webtorrent adds us after it: then the Wire's own field). */
    onHandshake(infoHash: string): void {
      this.infoHash = String(infoHash).toLowerCase();
    }

    /** The peer's extension ids are known now: answer a challenge that came early. */
    onExtendedHandshake(): void {
      const early = this.early;
      this.early = null;
      if (early) this.onMessage(early);
    }

    onMessage(buf: Uint8Array): void {
      const nonce = decodeChallenge(buf);
      // Anything else is ignored, not fatal: a peer that speaks another version loses only the proof.
      const infoHash = this.infoHash ?? infoHashOf(this.wire);
      if (!nonce || !infoHash || this.answered >= MAX_PROOFS_PER_CONNECTION) return;
      if (!this.wire.peerExtendedMapping[OPERATOR_EXTENSION]) {
        this.early = Buffer.from(buf);
        return;
      }
      this.answered++;
      this.wire.extended(OPERATOR_EXTENSION, signProof(key, nonce, infoHash));
    }
  }
  // bittorrent-protocol reads the extension's name from the prototype.
  (OperatorProofExtension.prototype as unknown as { name: string }).name = OPERATOR_EXTENSION;
  return OperatorProofExtension;
}

/** The info hash the Wire has handshaken for, hex, or null before the handshake. */
function infoHashOf(wire: ExtensionWire): string | null {
  const ih = wire._infoHash;
  if (typeof ih === 'string') return /^[0-9a-f]{40}$/i.test(ih) ? ih.toLowerCase() : null;
  return ih && ih.length === 20 ? Buffer.from(ih).toString('hex') : null;
}

/** Gives every webtorrent connection the extension: each torrent's wires as they come. */
export function useOperatorExtensionOnClient(
  client: { on(event: 'add', listener: (torrent: { on(event: 'wire', listener: (wire: { use(ext: unknown): void }) => void): unknown }) => void): unknown },
  key: OperatorKey,
): void {
  const ext = operatorExtension(key);
  // webtorrent emits 'wire' before it sends its handshake, so the extended handshake lists sb_operator.
  client.on('add', (torrent) => void torrent.on('wire', (wire) => wire.use(ext)));
}
