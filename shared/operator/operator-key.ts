/**
 * A seeder's operator key: one ed25519 key per storage folder, created on the first
 * `seedbank seed` and kept in STORAGE/.seedbank/operator-key (mode 0600). Its public half
 * (64 hex) is the seeder's identity towards a catalogue: the census counts one copy per
 * operator key, catalogue operators approve keys, and anything a seeder signs for a
 * catalogue (operator proofs now, seeder reports next) is signed with it, each kind of
 * message under its own domain prefix so a signature for one can never pass as another.
 */
import path from 'node:path';
import { loadOrCreateKeyFile, signBytes, verifyBytes, type SetKey } from '../signing.ts';

/** The key file's name inside STORAGE/.seedbank. */
export const OPERATOR_KEY_FILE = 'operator-key';
/** The bookkeeping folder inside a storage folder (the seeder's META_DIR). */
const META_DIR = '.seedbank';
/** An operator key as people and JSON see it: the raw public key in lower-case hex. */
export const OPERATOR_KEY_HEX = /^[0-9a-f]{64}$/;

/** An operator's key pair; `publicKeyHex` is the operator key. */
export type OperatorKey = SetKey;

/** Where the operator key of a storage folder lives. */
export function operatorKeyPath(storage: string): string {
  return path.join(storage, META_DIR, OPERATOR_KEY_FILE);
}

/** Loads the storage folder's operator key, creating it (0600) on first use. */
export function loadOrCreateOperatorKey(storage: string): Promise<OperatorKey> {
  return loadOrCreateKeyFile(
    operatorKeyPath(storage),
    'restore it from your backup; a new key is a new operator, which catalogues must approve again',
  );
}

/** Signs `body` under a domain prefix (a short ASCII tag naming the kind of message). */
export function signAsOperator(key: OperatorKey, domain: string, body: Uint8Array): Buffer {
  return signBytes(key, Buffer.concat([Buffer.from(domain, 'latin1'), body]));
}

/** Checks a signature made by signAsOperator. */
export function verifyOperatorSignature(operatorKeyHex: string, domain: string, body: Uint8Array, signature: Uint8Array): boolean {
  if (!OPERATOR_KEY_HEX.test(operatorKeyHex)) return false;
  return verifyBytes(operatorKeyHex, Buffer.concat([Buffer.from(domain, 'latin1'), body]), signature);
}
