/** Validation of the path and query values the catalogue's routes take (zod, 400 on anything else). */
import { z } from 'zod';
import { SeedbankError } from '../../../shared/errors.ts';

/** A set id: the recipe's slug rule. */
export const setIdSchema = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a set id is a slug: lower-case letters, digits and hyphens');
/** A version number in a path: "3" (or "v3"). */
export const versionSchema = z
  .string()
  .regex(/^v?[1-9][0-9]{0,8}$/, 'a version is a whole number from 1')
  .transform((s) => Number(s.replace(/^v/, '')));
/** A v1 info hash, hex (either case, normalised to lower). */
export const infoHashSchema = z
  .string()
  .regex(/^[0-9a-fA-F]{40}$/, 'an info hash is 40 hexadecimal digits')
  .transform((s) => s.toLowerCase());
/** A file SHA-1, hex. */
export const sha1Schema = infoHashSchema;

/** Parses a value with a schema, turning failure into a 400 that names the field. */
export function parseParam<S extends z.ZodType>(schema: S, value: unknown, field: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new SeedbankError('BAD_REQUEST', `${field}: ${r.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value)})`);
  }
  return r.data;
}
