/** GET /api/takedown (the signed list, shared/formats/takedown.ts) and GET /api/catalogue-key. */
import { z } from 'zod';
import { takedownListSchema } from '../formats/takedown.ts';
import { hex64Schema } from './params.ts';

/** GET /api/takedown: the signed takedown list (check its signature before acting on it). */
export const takedownBodySchema = takedownListSchema;
/** GET /api/catalogue-key: the key that signs takedown lists. */
export const catalogueKeySchema = z.object({ algorithm: z.literal('ed25519'), publicKey: hex64Schema });
export type CatalogueKeyBody = z.output<typeof catalogueKeySchema>;
