import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { SeedbankError } from './errors.ts';
import { writeFileAtomic } from './fs/index.ts';

/** Length of the raw ed25519 public key inside its SPKI DER encoding (the last 32 bytes). */
const ED25519_RAW_KEY_BYTES = 32;
/** The fixed SPKI DER prefix of an ed25519 public key, so raw keys can be imported. */
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
/** Mode of a private key file: readable by its owner only. */
const PRIVATE_KEY_MODE = 0o600;

/** A set's signing key pair. */
export interface SetKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The raw 32-byte public key, hex: what manifests and BEP 44 items carry. */
  publicKeyHex: string;
}

/** The raw 32-byte public key of an ed25519 key object. */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - ED25519_RAW_KEY_BYTES);
}

/** An ed25519 public key object from its raw 32 bytes. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== ED25519_RAW_KEY_BYTES) {
    throw new SeedbankError('KEY_INVALID', `an ed25519 public key has 32 bytes, got ${raw.length}`);
  }
  return createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/**
 * Loads the set's key from `keysDir/<setId>.pem`, creating it (mode 0600) on first use.
 * The private half never leaves that file; manifests carry the public half.
 */
export async function loadOrCreateSetKey(keysDir: string, setId: string): Promise<SetKey> {
  return loadOrCreateKeyFile(path.join(keysDir, `${setId}.pem`), 'restore it from your backup; a new key would make every catalogue refuse this set');
}

/**
 * Loads an ed25519 key from a PEM file, creating it (mode 0600, folder 0700) on first use;
 * `hintWhenDamaged` tells a person what a damaged file means for this key.
 */
export async function loadOrCreateKeyFile(file: string, hintWhenDamaged: string): Promise<SetKey> {
  const keysDir = path.dirname(file);
  let pem: string | null = null;
  try {
    pem = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  let privateKey: KeyObject;
  if (pem === null) {
    await mkdir(keysDir, { recursive: true, mode: 0o700 });
    privateKey = generateKeyPairSync('ed25519').privateKey;
    const out = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    // Exclusive: refuses to overwrite a key another build created a moment ago; atomic: a crash
    // here leaves no key rather than a truncated one that would read as damaged.
    await writeFileAtomic(file, out, { mode: PRIVATE_KEY_MODE, exclusive: true });
    await chmod(file, PRIVATE_KEY_MODE);
  } else {
    try {
      privateKey = createPrivateKey(pem);
    } catch (err) {
      throw new SeedbankError('KEY_INVALID', `the key file ${file} cannot be read as an ed25519 private key`, {
        hint: hintWhenDamaged,
        cause: err,
      });
    }
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyHex: rawPublicKey(publicKey).toString('hex') };
}

/** An ed25519 signature over the given bytes. */
export function signBytes(key: SetKey, data: Uint8Array): Buffer {
  return sign(null, data, key.privateKey);
}

/** Checks an ed25519 signature against a raw public key. */
export function verifyBytes(publicKeyHex: string, data: Uint8Array, signature: Uint8Array): boolean {
  try {
    return verify(null, data, publicKeyFromRaw(Buffer.from(publicKeyHex, 'hex')), signature);
  } catch {
    return false;
  }
}
