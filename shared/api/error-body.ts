/**
 * The JSON body of every error the catalogue answers: `{error: {code, message, hint?}}`. The
 * server's error edge builds it; the client base decodes it back into a SeedbankError.
 */
import { z } from 'zod';

/** The error body schema. */
export const errorBodySchema = z.object({
  error: z.object({ code: z.string().min(1).max(100), message: z.string(), hint: z.string().optional() }),
});
/** The JSON body of every error the catalogue answers. */
export type ErrorBody = z.output<typeof errorBodySchema>;
