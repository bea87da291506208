import bencode from 'bencode';
import { z } from 'zod';
import { signBytes, verifyBytes, type SetKey } from '../signing.ts';

/**
 * A set's latest-version pointer as a BEP 44 mutable item (BEP 46 layout): key = the set's
 * ed25519 public key, salt = the set id, seq = the version, v = { ih: metadata info hash }.
 * Anyone holding this JSON can put it into the DHT; nobody can forge a newer one.
 */
export const pointerSchema = z.strictObject({
  format: z.literal('seedbank-pointer/1'),
  k: z.string().regex(/^[0-9a-f]{64}$/),
  salt: z.string().min(1).max(64),
  seq: z.number().int().positive(),
  /** The metadata torrent's info hash (hex), the `ih` of the BEP 46 value. */
  ih: z.string().regex(/^[0-9a-f]{40}$/),
  sig: z.string().regex(/^[0-9a-f]{128}$/),
});
export type SetPointer = z.output<typeof pointerSchema>;

/** The bencoded value `v` of the BEP 46 item: `{ ih: <20 bytes> }`. */
export function pointerValue(infoHashHex: string): Uint8Array {
  return bencode.encode({ ih: Buffer.from(infoHashHex, 'hex') });
}

/** The bytes BEP 44 signs: `4:salt<len>:<salt>3:seqi<seq>e1:v<bencoded v>`. */
export function bep44SignedBytes(salt: string, seq: number, encodedValue: Uint8Array): Buffer {
  const saltBytes = Buffer.from(salt, 'utf8');
  return Buffer.concat([
    Buffer.from(`4:salt${saltBytes.length}:`),
    saltBytes,
    Buffer.from(`3:seqi${seq}e1:v`),
    encodedValue,
  ]);
}

/** Makes the signed pointer for a set version. */
export function makePointer(key: SetKey, setId: string, version: number, metadataInfoHash: string): SetPointer {
  const sig = signBytes(key, bep44SignedBytes(setId, version, pointerValue(metadataInfoHash)));
  return { format: 'seedbank-pointer/1', k: key.publicKeyHex, salt: setId, seq: version, ih: metadataInfoHash, sig: sig.toString('hex') };
}

/** True when the pointer's signature holds for its key, salt, seq and value. */
export function verifyPointer(p: SetPointer): boolean {
  return verifyBytes(p.k, bep44SignedBytes(p.salt, p.seq, pointerValue(p.ih)), Buffer.from(p.sig, 'hex'));
}
