import { z } from 'zod';
import { SeedbankError } from '../errors.ts';
import { signBytes, verifyBytes, type SetKey } from '../signing.ts';
import { sha256Hex } from '../canonical-json.ts';
import { serializeManifest, type Manifest } from './manifest.ts';

/** The detached signature file written beside each manifest (`manifest.sig`). */
export const manifestSignatureSchema = z.strictObject({
  format: z.literal('seedbank-signature/1'),
  algorithm: z.literal('ed25519'),
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  manifestSha256: z.string().regex(/^[0-9a-f]{64}$/),
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});
export type ManifestSignature = z.output<typeof manifestSignatureSchema>;

/** Signs the manifest's canonical bytes with the set's key. */
export function signManifest(manifest: Manifest, key: SetKey): ManifestSignature {
  if (manifest.set.publicKey !== key.publicKeyHex) {
    throw new SeedbankError('KEY_MISMATCH', `manifest of ${manifest.set.id} names another public key than the signing key`);
  }
  return signManifestText(serializeManifest(manifest), manifest.set.publicKey, key);
}

/**
 * Signs a manifest's exact bytes (any format: a split top manifest is signed this way) with the
 * set's key, after checking the manifest names that key.
 */
export function signManifestText(text: string, publicKeyInManifest: string, key: SetKey): ManifestSignature {
  if (publicKeyInManifest !== key.publicKeyHex) throw new SeedbankError('KEY_MISMATCH', 'the manifest names another public key than the signing key');
  const bytes = Buffer.from(text, 'utf8');
  return {
    format: 'seedbank-signature/1',
    algorithm: 'ed25519',
    publicKey: key.publicKeyHex,
    manifestSha256: sha256Hex(bytes),
    signature: signBytes(key, bytes).toString('hex'),
  };
}

/**
 * Checks a signature against the exact manifest bytes and the expected key (the key the
 * set was registered with); returns a reason string when it fails, null when it holds.
 */
export function checkManifestSignature(manifestText: string, signatureText: string, expectedPublicKey?: string): string | null {
  let sig: ManifestSignature;
  try {
    sig = manifestSignatureSchema.parse(JSON.parse(signatureText));
  } catch {
    return 'manifest.sig is not a seedbank-signature/1 document';
  }
  if (expectedPublicKey !== undefined && sig.publicKey !== expectedPublicKey) {
    return `signed by key ${sig.publicKey.slice(0, 16)}…, but the set's key is ${expectedPublicKey.slice(0, 16)}…`;
  }
  const bytes = Buffer.from(manifestText, 'utf8');
  if (!verifyBytes(sig.publicKey, bytes, Buffer.from(sig.signature, 'hex'))) return 'the signature does not match the manifest';
  return null;
}
