import { z } from 'zod';
import { canonicalJson } from '../canonical-json.ts';
import { signBytes, verifyBytes, type SetKey } from '../signing.ts';

/**
 * The catalogue's signed takedown list: files under a legal takedown, by SHA-1. Seeders
 * verify it against the catalogue's key and delete the listed files everywhere. Unlike a
 * deletion on the wiki (which old versions keep), a takedown reaches every version.
 */
export const takedownEntrySchema = z.strictObject({
  sha1: z.string().regex(/^[0-9a-f]{40}$/),
  title: z.string().optional(),
  reason: z.string().min(1).max(500),
  addedAt: z.string(),
});

export const takedownListSchema = z.strictObject({
  format: z.literal('seedbank-takedown/1'),
  issuedAt: z.string(),
  /** Increases with every change, so a seeder never goes back to an older list. */
  serial: z.number().int().nonnegative(),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  entries: z.array(takedownEntrySchema),
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

export type TakedownEntry = z.output<typeof takedownEntrySchema>;
export type TakedownList = z.output<typeof takedownListSchema>;

function signedPart(list: Omit<TakedownList, 'signature'>): Buffer {
  return Buffer.from(canonicalJson(list), 'utf8');
}

/** Signs a takedown list with the catalogue's key. */
export function signTakedownList(key: SetKey, entries: TakedownEntry[], serial: number, issuedAt: Date): TakedownList {
  const sorted = [...entries].sort((a, b) => (a.sha1 < b.sha1 ? -1 : a.sha1 > b.sha1 ? 1 : 0));
  const body = { format: 'seedbank-takedown/1' as const, issuedAt: issuedAt.toISOString(), serial, publicKey: key.publicKeyHex, entries: sorted };
  return { ...body, signature: signBytes(key, signedPart(body)).toString('hex') };
}

/** Checks a takedown list from an untrusted source against the catalogue key the seeder trusts. */
export function verifyTakedownList(value: unknown, trustedPublicKey: string): { ok: true; list: TakedownList } | { ok: false; reason: string } {
  const parsed = takedownListSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: 'not a seedbank-takedown/1 document' };
  const { signature, ...body } = parsed.data;
  if (body.publicKey !== trustedPublicKey) return { ok: false, reason: 'signed by another key than the catalogue this seeder trusts' };
  if (!verifyBytes(body.publicKey, signedPart(body), Buffer.from(signature, 'hex'))) return { ok: false, reason: 'the signature does not match' };
  return { ok: true, list: parsed.data };
}
