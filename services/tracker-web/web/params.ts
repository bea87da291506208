/** Validation of the path and query values the catalogue's routes take (the shared contract's schemas, 400 on anything else). */
import type { z } from 'zod';
import { SeedbankError, type ErrorCode } from '../../../shared/errors.ts';

export { infoHashParamSchema as infoHashSchema, setIdSchema, sha1ParamSchema as sha1Schema, versionParamSchema as versionSchema } from '../../../shared/api/params.ts';

/** Parses a value with a schema, turning failure into a 400 that names the field. */
export function parseParam<S extends z.ZodType>(schema: S, value: unknown, field: string, code: ErrorCode = 'BAD_REQUEST'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new SeedbankError(code, `${field}: ${r.error.issues[0]?.message ?? 'invalid'} (got ${JSON.stringify(value)})`);
  }
  return r.data;
}

/** Parses a JSON request body with its contract schema, turning failure into a 400 that names every bad field. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown, what: string, code: ErrorCode = 'BAD_REQUEST'): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const fields = r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new SeedbankError(code, `invalid ${what}: ${fields}`);
  }
  return r.data;
}
