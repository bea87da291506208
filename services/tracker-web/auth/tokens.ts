/**
 * Publishing tokens: random bearer secrets of which the catalogue keeps only the SHA-256, so a
 * copy of the database does not let anyone publish.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CatalogueStore } from '../store/catalogue-store.ts';

/** Random bytes in a token: 256 bits, beyond guessing. */
const TOKEN_RANDOM_BYTES = 32;
/** A recognisable prefix, so a leaked token is easy to spot in logs and secret scanners. */
const TOKEN_PREFIX = 'sbk_';

/** The SHA-256 (hex) under which a token is stored. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What a token may do: publish sets (and report drills), or census work only (it cannot publish). */
export const TOKEN_SCOPES = ['publish', 'census'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Makes a new token, stores its hash with a label and scope, and returns the token (shown once, never stored). */
export async function createToken(store: CatalogueStore, label: string, now = Date.now(), scope: TokenScope = 'publish'): Promise<string> {
  const token = `${TOKEN_PREFIX}${randomBytes(TOKEN_RANDOM_BYTES).toString('base64url')}`;
  await store.tokens.add(hashToken(token), { label, createdAt: now, scope });
  return token;
}

/** A token record's scope (records from before scopes could publish). */
export function scopeOf(record: { scope?: TokenScope }): TokenScope {
  return record.scope ?? 'publish';
}
