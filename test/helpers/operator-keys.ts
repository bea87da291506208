/** Throwaway operator keys for tests (a real seeder keeps its key in STORAGE/.seedbank). */
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { OperatorKey } from '../../shared/operator/operator-key.ts';
import { rawPublicKey } from '../../shared/signing.ts';

/** A fresh ed25519 operator key held in memory. */
export function newOperatorKey(): OperatorKey {
  const { privateKey } = generateKeyPairSync('ed25519');
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyHex: rawPublicKey(publicKey).toString('hex') };
}
