/**
 * The values the catalogue's paths and queries carry (set id, version, info hash, SHA-1), as
 * zod schemas shared by the server's routes (which validate them) and the clients (which build
 * paths from them).
 */
import { z } from 'zod';

/** A set id: the recipe's slug rule. */
export const setIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a set id is a slug: lower-case letters, digits and hyphens');
/** A version number in a path: "3" (or "v3"). */
export const versionParamSchema = z
  .string()
  .regex(/^v?[1-9][0-9]{0,8}$/, 'a version is a whole number from 1')
  .transform((s) => Number(s.replace(/^v/, '')));
/** A version number in a JSON body. */
export const versionNumberSchema = z.number().int().positive();
/** A v1 info hash in a path, hex (either case, normalised to lower). */
export const infoHashParamSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{40}$/, 'an info hash is 40 hexadecimal digits')
  .transform((s) => s.toLowerCase());
/** A file SHA-1 in a path or query, hex. */
export const sha1ParamSchema = infoHashParamSchema;
/** A lower-case hex info hash (or SHA-1) in a JSON body. */
export const hex40Schema = z.string().regex(/^[0-9a-f]{40}$/, 'expected 40 lower-case hexadecimal digits');
/** A lower-case hex SHA-256 or ed25519 public key in a JSON body. */
export const hex64Schema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hexadecimal digits');
/** A count or size in a JSON body. */
export const countSchema = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
/** Unix milliseconds in a JSON body. */
export const unixMsSchema = z.number().nonnegative();
/** Unix milliseconds in a query string ("?since=1700000000000"). */
export const unixMsQuerySchema = z.coerce.number().int().nonnegative().optional();
