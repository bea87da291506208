/**
 * Reading a set's pointer from the DHT (BEP 44 mutable item, BEP 46 layout): the target is
 * sha1(public key + salt), the salt is the set id; the library checks the item's signature and
 * we check it again as a seedbank pointer, against the key pinned for the set.
 */
import { createHash } from 'node:crypto';
import { verifyPointer, type SetPointer } from '../../../shared/formats/pointer.ts';
import type { WTDht } from '../webtorrent-api.ts';

/** One DHT lookup may take this long. */
export const DHT_GET_TIMEOUT_MS = 15_000;

/** The pointer of `setId` signed by `publicKeyHex`, or null when the DHT has none (or a bad one). */
export async function dhtPointer(dht: WTDht, publicKeyHex: string, setId: string, timeoutMs = DHT_GET_TIMEOUT_MS): Promise<SetPointer | null> {
  const k = Buffer.from(publicKeyHex, 'hex');
  const salt = Buffer.from(setId, 'utf8');
  const target = createHash('sha1').update(Buffer.concat([k, salt])).digest();
  const item = await new Promise<{ seq?: number; v: unknown; sig?: Uint8Array } | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    dht.get(target, { salt, cache: false }, (err, value) => {
      clearTimeout(timer);
      resolve(err ? null : value);
    });
  });
  const ih = (item?.v as { ih?: Uint8Array } | undefined)?.ih;
  if (!item || typeof item.seq !== 'number' || !item.sig || !(ih instanceof Uint8Array) || ih.length !== 20) return null;
  const pointer: SetPointer = { format: 'seedbank-pointer/1', k: publicKeyHex, salt: setId, seq: item.seq, ih: Buffer.from(ih).toString('hex'), sig: Buffer.from(item.sig).toString('hex') };
  return verifyPointer(pointer) ? pointer : null;
}
