// Types for bencode@4, which ships none: only encoding is typed for use. Decoding untrusted data
// goes through shared/torrent/bencode-strict.ts instead (bencode@4's decoder is lenient and loops
// forever on a negative string length such as `l-3:e`).
declare module 'bencode' {
  /** A bencodable value: strings are encoded as UTF-8, Uint8Arrays as raw byte strings. */
  type BencodeValue =
    | number
    | string
    | Uint8Array
    | readonly BencodeValue[]
    | { readonly [key: string]: BencodeValue | undefined };
  const bencode: {
    encode(data: BencodeValue): Uint8Array;
    decode(data: Uint8Array, encoding?: string): unknown;
    byteLength(data: BencodeValue): number;
    encodingLength(data: BencodeValue): number;
  };
  export default bencode;
}
