/**
 * POST /api/seeders/report: the small report every seeder posts each poll, and the catalogue's
 * answer (what other live seeders hold, and the copies of the volumes this seeder hosts).
 */
import { z } from 'zod';
import { countSchema, hex40Schema } from './params.ts';

/** Most volumes one report may list. */
export const MAX_REPORTED_VOLUMES = 5_000;
/** Longest poll interval a seeder may state: a day. */
const MAX_POLL_INTERVAL_MS = 24 * 60 * 60 * 1000;

/** The report body (strict: the catalogue refuses unknown fields). */
export const seederReportSchema = z.strictObject({
  seederId: z.string().regex(/^[0-9a-f]{16,64}$/, 'a seeder id is 16 to 64 lower-case hexadecimal digits'),
  quotaBytes: countSchema,
  usedBytes: countSchema,
  volumes: z.array(hex40Schema).max(MAX_REPORTED_VOLUMES),
  version: z.string().min(1).max(64),
  pollIntervalMs: z.number().int().positive().max(MAX_POLL_INTERVAL_MS),
});
/** The report a seeder posts every poll. */
export type SeederReport = z.output<typeof seederReportSchema>;

/** What the catalogue knows of one volume the seeder hosts. */
export const hostedInfoSchema = z.object({
  copies: countSchema,
  copyTarget: z.number().int().positive(),
  /** Live seeders holding it, this one included. */
  holders: countSchema,
  /** This seeder's place among them, in join order (0 = first). */
  rank: countSchema,
  /** Whether the volume belongs to the latest version of a set. */
  latest: z.boolean(),
});
export type HostedInfo = z.output<typeof hostedInfoSchema>;

/** The answer to a report. */
export const reportAnswerSchema = z.object({
  /** Other live seeders hosting each volume (a claim counts before the census sees the copy). */
  claims: z.record(hex40Schema, countSchema),
  hosted: z.record(hex40Schema, hostedInfoSchema),
});
export type ReportAnswer = z.output<typeof reportAnswerSchema>;
