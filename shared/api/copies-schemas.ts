/**
 * Bodies of the redundancy API: copies per file, category and set, a set's copy history, the
 * needs list auto-mode seeders read, and the NDJSON export of every file's copy count.
 */
import { z } from 'zod';
import { countSchema, hex40Schema, setIdSchema, unixMsQuerySchema, unixMsSchema, versionNumberSchema } from './params.ts';

/** GET /api/copies/file/:key (a title or a SHA-1). */
export const fileCopiesSchema = z.object({
  sha1: hex40Schema,
  title: z.string(),
  copies: countSchema,
  hosts: z.array(z.string()),
  networks: z.array(z.string()),
  flagged: z.array(z.string()),
  /** Which figure `copies` is: distinct approved operators, or any audited host. */
  copiesMode: z.enum(['any', 'approved']),
  /** Distinct approved operators holding the file. */
  approvedCopies: countSchema,
  /** Distinct holders: each address and each operator key counted once. */
  anyCopies: countSchema,
  /** Operator keys proven by holders, with the addresses that proved each. */
  operators: z.array(z.object({ operatorKey: z.string().regex(/^[0-9a-f]{64}$/), name: z.string().nullable(), hosts: z.array(z.string()) })),
  /** Holders that proved no operator key. */
  unproven: z.array(z.string()),
  /** Holders that added no copy: a host counted already proved the same key (relays, second addresses). */
  notIndependent: z.array(z.string()),
  /** Holders no approved operator accounts for. */
  notApproved: z.array(z.string()),
  containedIn: z.array(z.object({ setId: setIdSchema, setTitle: z.string(), version: versionNumberSchema, path: z.string(), copyTarget: countSchema })),
});
export type FileCopiesBody = z.output<typeof fileCopiesSchema>;

/** GET /api/copies/category/:name */
export const categoryCopiesSchema = z.object({
  category: z.string(),
  files: countSchema,
  bytes: countSchema,
  min: countSchema,
  median: countSchema,
  filesUnderTarget: countSchema,
  bytesUnderTarget: countSchema,
});
export type CategoryCopiesBody = z.output<typeof categoryCopiesSchema>;

/** GET /api/copies/set/:id: the latest version's figures; histogram maps copies to files. */
export const setCopiesSchema = z.object({
  files: countSchema,
  bytes: countSchema,
  min: countSchema,
  median: countSchema,
  histogram: z.record(z.string().regex(/^\d+$/), countSchema),
  bytesUnderTarget: countSchema,
  filesUnderTarget: countSchema,
  /** Distinct hosts seeding any volume of the set now (absent from older catalogues). */
  seeders: countSchema.optional(),
});
export type SetCopiesBody = z.output<typeof setCopiesSchema>;

/** GET /api/copies/set/:id/history?since= */
export const setCopyHistorySchema = z.object({
  set: z.string(),
  samples: z.array(z.object({ time: unixMsSchema, min: countSchema, median: countSchema, filesUnderTarget: countSchema, bytesUnderTarget: countSchema })),
});
export type SetCopyHistoryBody = z.output<typeof setCopyHistorySchema>;
/** Query of the copy history. */
export const copyHistoryQuerySchema = z.object({ since: unixMsQuerySchema });

/** Longest needs list returned at once; a larger limit is cut to it. */
export const MAX_NEEDS = 1000;
/** Query of GET /api/needs: how many entries (from 1; default and most: MAX_NEEDS). */
export const needsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).optional() });

/** A volume below its copy target. */
export const needSchema = z.object({
  infoHash: hex40Schema,
  setId: setIdSchema,
  size: countSchema,
  copyTarget: z.number().int().positive(),
  /** Verified copies of the volume's least-copied file. */
  copies: countSchema,
  /** Seeders the tracker sees now (not yet audited). */
  seeders: countSchema,
  /** Copies missing to reach the target. */
  missing: countSchema,
  neededBytes: countSchema,
  torrentUrl: z.string().url(),
});
export type NeedBody = z.output<typeof needSchema>;
/**
 * The network's space balance over every volume (not only the listed ones): the figures the
 * catalogue's home page banner and its seedbank_space_* metrics show.
 */
export const spaceTotalsSchema = z.object({
  /** Bytes still to store to bring every volume to its target: sum of size × missing copies. */
  neededBytes: countSchema,
  /** Quotas of the seeders seen recently (each capped at what it holds plus its free disk). */
  offeredBytes: countSchema,
  /** What those seeders already hold. */
  usedBytes: countSchema,
  /** offeredBytes − usedBytes. */
  freeBytes: countSchema,
  /** neededBytes beyond freeBytes. */
  shortBytes: countSchema,
  /** Seeders whose space counts (last report within three of their poll intervals). */
  seeders: countSchema,
  volumesUnderTarget: countSchema,
});
export type SpaceTotalsBody = z.output<typeof spaceTotalsSchema>;

/** GET /api/needs: volumes below their copy target, neediest first, and the totals (absent from older catalogues). */
export const needsSchema = z.object({ generatedAt: z.iso.datetime(), needs: z.array(needSchema), totals: spaceTotalsSchema.optional() });
export type NeedsBody = z.output<typeof needsSchema>;

/** One line of GET /api/copies/export (NDJSON). */
export const copiesExportLineSchema = z.object({ sha1: hex40Schema, copies: countSchema });
export type CopiesExportLine = z.output<typeof copiesExportLineSchema>;
