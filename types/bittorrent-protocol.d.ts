// Types for bittorrent-protocol@5, which ships none: only the parts the census, the seeder's seed
// peer and the test peers use. The library trusts the remote side (message lengths, bitfield
// sizes, indices), so every value that arrives through these events is re-validated by the caller.
declare module 'bittorrent-protocol' {
  interface WireExtensions {
    dht?: boolean;
    fast?: boolean;
  }

  interface WireBitField {
    /** The raw bytes as received: may be any length. */
    buffer: Uint8Array;
    get(index: number): boolean;
  }

  type BlockCallback = (err: Error | null, block?: Uint8Array) => void;

  /** A streamx Duplex: bytes from the socket are written in, bytes for the socket are read out. */
  class Wire {
    constructor(type?: string, peEnabled?: number);
    readonly destroyed: boolean;
    write(chunk: Uint8Array): boolean;
    peerId: string | null;
    peerChoking: boolean;
    amChoking: boolean;
    peerInterested: boolean;
    /** True once both sides offered the BEP 6 fast extension. */
    hasFast: boolean;
    /** Pieces the peer lets us request while it chokes us (BEP 6), at most the last 10 offered. */
    peerAllowedFastSet: number[];
    peerPieces: WireBitField;
    handshake(infoHash: string | Uint8Array, peerId: string | Uint8Array, extensions?: WireExtensions): void;
    interested(): void;
    uninterested(): void;
    choke(): void;
    unchoke(): void;
    have(index: number): void;
    bitfield(bitfield: Uint8Array | WireBitField): void;
    haveAll(): void;
    haveNone(): void;
    allowedFast(index: number): void;
    request(index: number, offset: number, length: number, cb?: BlockCallback): void;
    piece(index: number, offset: number, block: Uint8Array): void;
    /** Sends a BEP 10 message with the peer's id for an extension and a raw payload. */
    extended(ext: number, payload: Uint8Array): void;
    /** Adds an extension (a class with `name` on its prototype) before the handshake. */
    use(ext: new (wire: Wire) => unknown): void;
    destroy(): this;
    end(): this;

    on(event: 'handshake', listener: (infoHash: string, peerId: string, extensions: WireExtensions & { extended?: boolean }) => void): this;
    on(event: 'bitfield', listener: (bitfield: WireBitField) => void): this;
    on(event: 'have', listener: (index: number) => void): this;
    on(event: 'have-all' | 'have-none' | 'choke' | 'unchoke' | 'interested' | 'uninterested' | 'close' | 'finish' | 'end', listener: () => void): this;
    on(event: 'request', listener: (index: number, offset: number, length: number, respond: BlockCallback) => void): this;
    on(event: 'piece', listener: (index: number, offset: number, block: Uint8Array) => void): this;
    on(event: 'allowed-fast', listener: (index: number) => void): this;
    on(event: 'reject', listener: (index: number, offset: number, length: number) => void): this;
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
  }
  export default Wire;
}
